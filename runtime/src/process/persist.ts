import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError } from '../errors.ts';
import { type TicketView, writePath } from './context.ts';
import type { Outcome } from './engine.ts';
import type { TaskState } from './state.ts';

/** A ticket row joined with its process instance, as commands read it. */
export interface TicketRow {
  id: string;
  type_key: string;
  release_number: number;
  number: string | null;
  title: string | null;
  status: string;
  status_category: string;
  priority: string | null;
  assignee: string | null;
  creator: string | null;
  parent_id: string | null;
  data: Record<string, unknown>;
  receipt: Record<string, unknown>;
  components: Record<string, unknown>;
  version: number;
  state: Outcome['state'] | null;
  process_status: string | null;
  parent_ticket_id: string | null;
  parent_token: string | null;
}

const LOAD = `select t.id, t.type_key, t.release_number, t.number, t.title, t.status, t.status_category, t.priority, t.assignee, t.creator,
       t.parent_id, t.data, t.receipt, t.components, t.version, p.state, p.status as process_status, p.parent_ticket_id, p.parent_token
  from ticket t left join process_instance p on p.tenant_id = t.tenant_id and p.ticket_id = t.id
 where t.tenant_id = ? and t.id = ?`;

export async function loadTicket(em: EntityManager, tenantId: string, ticketId: string): Promise<TicketRow | undefined> {
  const [row] = await em.execute<TicketRow[]>(LOAD, [tenantId, ticketId]);
  return row;
}

export const viewOf = (row: TicketRow): TicketView => ({
  id: row.id,
  type: row.type_key,
  ...(row.number ? { number: row.number } : {}),
  ...(row.creator ? { creator: row.creator } : {}),
  assignee: row.assignee,
  ...(row.priority ? { priority: row.priority } : {}),
  data: row.data,
  receipt: row.receipt,
  components: row.components,
});

export interface Change {
  field: string;
  before: unknown;
  after: unknown;
}

const MASK = '****';

/** Writes one command's outcome: ticket (version-checked), instance, tasks, timers, people, outbox, audit. */
export async function persistOutcome(
  em: EntityManager,
  tenantId: string,
  row: TicketRow,
  outcome: Outcome,
  audit: { actor: string; action: string; task?: string; node?: string; sensitive: Set<string>; now: Date },
): Promise<{ version: number; timers: { id: string; dueAt: string }[]; outbox: string[]; view: TicketView }> {
  const fx = outcome.effects;
  const view = viewOf(row);
  const next: TicketView = { ...view, data: { ...view.data }, receipt: { ...view.receipt }, components: { ...view.components } };
  const changes: Change[] = [];
  for (const [path, value] of Object.entries(fx.values)) {
    const [root, key] = path.split('.') as ['data' | 'receipt' | 'components', string];
    const before = view[root][key];
    writePath(next, path, value);
    if (JSON.stringify(before) !== JSON.stringify(value)) {
      const masked = audit.sensitive.has(path);
      changes.push({ field: path, before: masked && before !== undefined ? MASK : (before ?? null), after: masked ? MASK : value });
    }
  }
  if (fx.assignee !== undefined && fx.assignee !== row.assignee) changes.push({ field: 'assignee', before: row.assignee, after: fx.assignee });
  if (fx.status && fx.status.status !== row.status) changes.push({ field: 'status', before: row.status, after: fx.status.status });
  const ended = outcome.state.status !== 'running';
  const closing = ended || fx.status?.statusCategory === 'closed' || fx.status?.statusCategory === 'cancelled';
  // Only the JSON columns a command changed are rewritten: most actions change none.
  const roots = new Set(Object.keys(fx.values).map((p) => p.split('.')[0]));
  const json = (root: 'data' | 'receipt' | 'components') => (roots.has(root) ? JSON.stringify(next[root]) : null);
  // The ticket update leads the batch; it raises DKCON when the version moved, which aborts the rest.
  const batch = new Batch();
  batch.add(
    'select docket_ticket_step(?::uuid, ?::uuid, ?::int, ?::jsonb, ?::jsonb, ?::jsonb, ?::text, ?::text, ?::boolean, ?::text, ?::timestamptz, ?::boolean)',
    [
      tenantId,
      row.id,
      row.version,
      json('data'),
      json('receipt'),
      json('components'),
      fx.status?.status ?? null,
      fx.status?.statusCategory ?? null,
      fx.assignee !== undefined,
      fx.assignee ?? null,
      audit.now,
      closing,
    ],
  );
  // Everything else a step writes follows in the same round trip.
  batch.add(`update process_instance set state = ?::jsonb, status = ?, ended_at = case when ? then ? else ended_at end where tenant_id = ? and ticket_id = ?`, [
    JSON.stringify(outcome.state),
    outcome.state.status,
    ended,
    audit.now,
    tenantId,
    row.id,
  ]);
  writeTasks(batch, tenantId, row.id, outcome, audit.now);
  const timers = writeTimers(batch, tenantId, row.id, outcome, audit.now);
  writeParticipants(batch, tenantId, row.id, fx, row.assignee);
  const outbox = writeOutbox(batch, tenantId, row.id, fx.outbox);
  addAudit(batch, tenantId, row.id, audit.actor, audit.action, audit.now, {
    ...(audit.node ? { step: audit.node } : {}),
    ...(audit.task ? { task: audit.task } : {}),
    changes,
    events: fx.events.map((e) => ({
      type: e.type,
      ...(e.node ? { node: e.node } : {}),
      ...(e.task ? { task: e.task } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    })),
  });
  await batch.run(em);
  return { version: row.version + 1, timers, outbox, view: next };
}

/** Appends the ticket's audit event (subject `ticket:<id>`, read back by ticketHistory). */
export function addAudit(batch: Batch, tenantId: string, ticketId: string, actor: string, action: string, at: Date, details: Record<string, unknown>): void {
  batch.add('insert into audit_event (tenant_id, id, at, actor, action, subject, details) values (?, ?, ?, ?, ?, ?, ?::jsonb)', [
    tenantId,
    uuidv7(),
    at,
    actor,
    action,
    `ticket:${ticketId}`,
    JSON.stringify(details),
  ]);
}

/**
 * Statements sent in one round trip. MikroORM inlines (and escapes) the parameters, so the
 * joined text runs as one multi-statement query inside the caller's transaction.
 */
export class Batch {
  private readonly sql: string[] = [];
  private readonly params: unknown[] = [];

  add(sql: string, params: unknown[]): void {
    this.sql.push(sql);
    this.params.push(...params);
  }

  async run(em: EntityManager): Promise<void> {
    if (this.sql.length === 0) return;
    try {
      await em.execute(this.sql.join(';\n'), this.params, 'run');
    } catch (e) {
      if ((e as { code?: string }).code === 'DKCON') {
        throw new ConflictError('the ticket was changed by someone else; reload it and try again', { detail: (e as Error).message });
      }
      throw e;
    }
  }
}

function taskRow(task: TaskState, state: 'open' | 'paused' | 'done', outcome?: string, endedAt?: Date) {
  return {
    id: task.id,
    node: task.node,
    name: task.name,
    status: task.status,
    state,
    outcome: outcome ?? null,
    assignee: task.assignee ?? null,
    candidates: task.candidates,
    collaborators: task.collaborators,
    pool: task.pool,
    due_at: task.dueAt ?? null,
    created_at: task.createdAt,
    ended_at: endedAt?.toISOString() ?? null,
  };
}

function writeTasks(batch: Batch, tenantId: string, ticketId: string, outcome: Outcome, now: Date): void {
  const rows = [];
  for (const id of outcome.effects.tasksTouched) {
    const open = outcome.state.tasks[id];
    if (open) rows.push(taskRow(open, open.pausedAt ? 'paused' : 'open'));
    const ended = outcome.effects.tasksEnded.get(id);
    if (ended && !open) rows.push(taskRow(ended.task, 'done', ended.outcome, now));
  }
  if (rows.length === 0) return;
  batch.add(
    `insert into task (tenant_id, ticket_id, id, node, name, status, state, outcome, assignee, candidates, collaborators, pool, due_at, created_at, ended_at)
     select ?, ?, x.id, x.node, x.name, x.status, x.state, x.outcome, x.assignee,
            array(select jsonb_array_elements_text(x.candidates)), array(select jsonb_array_elements_text(x.collaborators)),
            x.pool, x.due_at, x.created_at, x.ended_at
       from jsonb_to_recordset(?::jsonb) as x(id text, node text, name text, status text, state text, outcome text, assignee text,
            candidates jsonb, collaborators jsonb, pool boolean, due_at timestamptz, created_at timestamptz, ended_at timestamptz)
     on conflict (tenant_id, ticket_id, id) do update set status = excluded.status, state = excluded.state, outcome = excluded.outcome,
            assignee = excluded.assignee, candidates = excluded.candidates, collaborators = excluded.collaborators, pool = excluded.pool,
            due_at = excluded.due_at, ended_at = excluded.ended_at`,
    [tenantId, ticketId, JSON.stringify(rows)],
  );
}

function writeTimers(batch: Batch, tenantId: string, ticketId: string, outcome: Outcome, now: Date): { id: string; dueAt: string }[] {
  const fx = outcome.effects;
  if (fx.cancelTimers.length) {
    batch.add(`delete from process_timer where tenant_id = ? and ticket_id = ? and owner in (select jsonb_array_elements_text(?::jsonb))`, [
      tenantId,
      ticketId,
      JSON.stringify([...new Set(fx.cancelTimers)]),
    ]);
  }
  if (fx.timers.length === 0) return [];
  // Timers due soon get their wake-up job now (woken_at set); the rest are woken by the sweep when they come near.
  const soon = now.getTime() + WAKE_AHEAD_MS;
  const rows = fx.timers.map((t) => ({
    id: uuidv7(),
    timer_key: t.id,
    owner: t.owner,
    kind: t.kind,
    node: t.node,
    due_at: t.dueAt,
    data: t.data,
    woken_at: Date.parse(t.dueAt) <= soon ? now.toISOString() : null,
  }));
  batch.add(
    `insert into process_timer (tenant_id, id, ticket_id, timer_key, owner, kind, node, due_at, data, woken_at)
     select ?, x.id, ?, x.timer_key, x.owner, x.kind, x.node, x.due_at, x.data, x.woken_at
       from jsonb_to_recordset(?::jsonb) as x(id uuid, timer_key text, owner text, kind text, node text, due_at timestamptz, data jsonb, woken_at timestamptz)`,
    [tenantId, ticketId, JSON.stringify(rows)],
  );
  return rows.filter((r) => r.woken_at !== null).map((r) => ({ id: r.id, dueAt: r.due_at }));
}

/**
 * How far ahead a timer gets its pg-boss wake-up job. Nearer timers are woken by the step
 * that schedules them; later ones by the periodic sweep (`ProcessRuntime.wakeUpcoming`), so
 * the many reminders whose step ends first never cost a job.
 */
export const WAKE_AHEAD_MS = 120_000;

function writeParticipants(batch: Batch, tenantId: string, ticketId: string, fx: Outcome['effects'], before: string | null): void {
  if (fx.assignee !== undefined && fx.assignee !== before) {
    batch.add(`delete from ticket_participant where tenant_id = ? and ticket_id = ? and role = 'assignee' and user_id is distinct from ?`, [
      tenantId,
      ticketId,
      fx.assignee,
    ]);
  }
  if (fx.participants.length === 0) return;
  batch.add(
    `insert into ticket_participant (tenant_id, ticket_id, user_id, role)
     select distinct ?::uuid, ?::uuid, x.user_id, x.role from jsonb_to_recordset(?::jsonb) as x(user_id text, role text)
     on conflict do nothing`,
    [tenantId, ticketId, JSON.stringify(fx.participants.map((p) => ({ user_id: p.user, role: p.role })))],
  );
}

function writeOutbox(batch: Batch, tenantId: string, ticketId: string | null, items: { kind: string; payload: Record<string, unknown> }[]): string[] {
  if (items.length === 0) return [];
  const rows = items.map((i) => ({ id: uuidv7(), kind: i.kind, payload: i.payload }));
  batch.add(
    `insert into outbox (tenant_id, id, ticket_id, kind, payload) select ?, x.id, ?, x.kind, x.payload from jsonb_to_recordset(?::jsonb) as x(id uuid, kind text, payload jsonb)`,
    [tenantId, ticketId, JSON.stringify(rows)],
  );
  return rows.map((r) => r.id);
}
