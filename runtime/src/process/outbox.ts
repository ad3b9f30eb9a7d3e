import type { MikroORM } from '@mikro-orm/postgresql';

export interface OutboxMessage {
  tenantId: string;
  id: string;
  ticketId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** Delivers one kind of outbox item (SMS, e-mail, webhook, report, a child ticket's completion). */
export type OutboxHandler = (message: OutboxMessage) => Promise<void>;

const MAX_ATTEMPTS = 10;

/**
 * Runs side effects after their transaction committed. Each item is claimed with
 * SKIP LOCKED, so several workers share the table; a failed delivery stays pending with
 * its error and is retried up to MAX_ATTEMPTS times. Items whose kind has no handler
 * wait for one (a plugin may register it later) instead of being dropped.
 */
export class OutboxDispatcher {
  private readonly orm: MikroORM;
  private readonly handlers = new Map<string, OutboxHandler>();
  /** Deliveries that threw, since start. */
  failures = 0;

  constructor(orm: MikroORM) {
    this.orm = orm;
  }

  register(kind: string, handler: OutboxHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /**
   * Delivers one item by id: `done`, `failed` (kept for a retry), or `skipped` when it is
   * already done, claimed by another worker, out of attempts, or of a kind nobody handles yet.
   */
  async deliver(tenantId: string, id: string): Promise<'done' | 'failed' | 'skipped'> {
    const before = this.failures;
    const done = await this.run(`o.tenant_id = ? and o.id = ?`, [tenantId, id], 1);
    return done > 0 ? 'done' : this.failures > before ? 'failed' : 'skipped';
  }

  /** Delivers up to `limit` pending items (oldest first); returns how many succeeded. */
  async drain(limit = 100): Promise<number> {
    return this.run('true', [], limit);
  }

  private async run(where: string, params: unknown[], limit: number): Promise<number> {
    const kinds = JSON.stringify([...this.handlers.keys()]);
    const em = this.orm.em.fork();
    const claimed = await em.execute<
      { tenant_id: string; id: string; ticket_id: string | null; kind: string; payload: Record<string, unknown>; attempts: number }[]
    >(
      `update outbox set attempts = attempts + 1
        where (tenant_id, id) in (
          select o.tenant_id, o.id from outbox o
           where ${where} and o.done_at is null and o.attempts < ${MAX_ATTEMPTS} and o.kind in (select jsonb_array_elements_text(?::jsonb))
           order by o.created_at limit ? for update skip locked)
        returning tenant_id, id, ticket_id, kind, payload, attempts`,
      [...params, kinds, limit],
    );
    let done = 0;
    for (const row of claimed) {
      const handler = this.handlers.get(row.kind) as OutboxHandler;
      try {
        await handler({ tenantId: row.tenant_id, id: row.id, ticketId: row.ticket_id, kind: row.kind, payload: row.payload, attempts: row.attempts });
        await em.execute('update outbox set done_at = now(), last_error = null where tenant_id = ? and id = ?', [row.tenant_id, row.id]);
        done += 1;
      } catch (e) {
        this.failures += 1;
        await em.execute('update outbox set last_error = ? where tenant_id = ? and id = ?', [
          String((e as Error).message ?? e).slice(0, 2000),
          row.tenant_id,
          row.id,
        ]);
      }
    }
    return done;
  }
}
