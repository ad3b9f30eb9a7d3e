import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../errors.ts';
import type { InstanceState } from '../process/state.ts';
import type { TicketAccess } from './access.ts';
import { scopePredicate } from './scope.ts';
import { documentTokens, pgTextArray } from './search.ts';
import { LIST_COLUMNS, type ListRow } from './ticket-list.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/** Ids come from URLs: a malformed one is simply not found (never a database cast error). */
export function checkId(id: string, what = 'ticket'): string {
  if (!isUuid(id)) throw new NotFoundError(`no ${what} ${String(id).slice(0, 60)}`, { [what]: id });
  return id;
}

/** A ticket with everything the detail view and writes read. */
export interface DetailRow extends Omit<ListRow, 'sort_value'> {
  version: number;
  description: string | null;
  product_id: string | null;
  parent_id: string | null;
  channel: string | null;
  receipt: Record<string, unknown>;
  components: Record<string, unknown>;
  rating: string | number | null;
  closed_at: string | Date | null;
  state: InstanceState | null;
  process_status: string | null;
}

const DETAIL = `select ${LIST_COLUMNS}, t.version, t.description, t.product_id, t.parent_id, t.channel, t.receipt, t.components, t.rating,
       t.closed_at, p.state, p.status as process_status
  from ticket t left join process_instance p on p.tenant_id = t.tenant_id and p.ticket_id = t.id
 where t.tenant_id = ? and t.id = ?`;

/**
 * Loads one ticket if `access` may see it (null: unscoped, for the writer's own read-back).
 * `lock` takes the row lock for a write in the caller's transaction.
 */
export async function loadTicketRow(em: EntityManager, tenantId: string, access: TicketAccess | null, id: string, lock = false): Promise<DetailRow> {
  checkId(id);
  const scope = access ? scopePredicate(access) : { sql: 'true', params: [] };
  const [row] = await em.execute<DetailRow[]>(`${DETAIL} and ${scope.sql}${lock ? ' for update of t' : ''}`, [tenantId, id, ...scope.params]);
  // Out of scope reads exactly like missing, so ids do not leak.
  if (!row) throw new NotFoundError(`no ticket ${id}`, { ticket: id });
  return row;
}

/** Recomputes a ticket's search tokens from its number, title, description and comments. */
export async function refreshSearchTokens(em: EntityManager, tenantId: string, id: string): Promise<void> {
  const [t] = await em.execute<{ number: string | null; title: string | null; description: string | null }[]>(
    'select number, title, description from ticket where tenant_id = ? and id = ?',
    [tenantId, id],
  );
  if (!t) return;
  const comments = await em.execute<{ body: string }[]>('select body from ticket_comment where tenant_id = ? and ticket_id = ? order by created_at', [
    tenantId,
    id,
  ]);
  const tokens = documentTokens(t.number, t.title, t.description, ...comments.map((c) => c.body));
  await em.execute('update ticket set search_tokens = ?::text[] where tenant_id = ? and id = ?', [pgTextArray(tokens), tenantId, id]);
}

export async function tenantTimeZone(em: EntityManager, tenantId: string): Promise<string> {
  const [row] = await em.execute<{ time_zone: string }[]>('select time_zone from tenant where id = ?', [tenantId]);
  if (!row) throw new NotFoundError(`no tenant ${tenantId}`, { tenant: tenantId });
  return row.time_zone;
}
