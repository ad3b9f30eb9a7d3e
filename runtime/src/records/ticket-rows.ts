import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../errors.ts';
import type { InstanceState } from '../process/state.ts';
import { readRows } from '../store/prepared.ts';
import type { TicketAccess } from './access.ts';
import { scopePredicate } from './scope.ts';
import { documentTokens, pgTextArray } from './search.ts';
import { LIST_COLUMNS, type ListRow } from './ticket-list.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/** The ids a batched read (GraphQL) looks up: well-formed, each once, at most 500. */
export const batchIds = (ids: readonly unknown[]): string[] => [...new Set(ids.filter(isUuid))].slice(0, 500);

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

/** What the detail view reads besides the row: its people and its child tickets. */
export interface DetailRelations {
  participants: { user_id: string; role: string }[];
  children: string[];
}

/** The detail view's relations as columns of the same statement, so a detail read is one round trip. */
const RELATIONS = `,
  (select coalesce(json_agg(json_build_object('user_id', pp.user_id, 'role', pp.role) order by pp.added_at, pp.role), '[]'::json)
     from ticket_participant pp where pp.tenant_id = t.tenant_id and pp.ticket_id = t.id) as participants,
  array(select c.id::text from ticket c where c.tenant_id = t.tenant_id and c.parent_id = t.id order by c.created_at, c.id) as children`;

const detailSql = (
  relations: string,
) => `select ${LIST_COLUMNS}, t.version, t.description, t.product_id, t.parent_id, t.channel, t.receipt, t.components, t.rating,
       t.closed_at, p.state, p.status as process_status${relations}
  from ticket t left join process_instance p on p.tenant_id = t.tenant_id and p.ticket_id = t.id
 where t.tenant_id = ? and t.id = ?`;
const DETAIL = detailSql('');
const DETAIL_WITH_RELATIONS = detailSql(RELATIONS);

/**
 * Loads one ticket if `access` may see it (null: unscoped, for the writer's own read-back).
 * `lock` takes the row lock for a write in the caller's transaction.
 */
export async function loadTicketRow(em: EntityManager, tenantId: string, access: TicketAccess | null, id: string, lock = false): Promise<DetailRow> {
  checkId(id);
  return loadRow<DetailRow>(em, DETAIL, tenantId, access, id, lock);
}

/** `loadTicketRow` for the detail view: the row with its participants and children. */
export function loadTicketDetail(em: EntityManager, tenantId: string, access: TicketAccess | null, id: string): Promise<DetailRow & DetailRelations> {
  checkId(id);
  return loadRow<DetailRow & DetailRelations>(em, DETAIL_WITH_RELATIONS, tenantId, access, id, false);
}

async function loadRow<T>(em: EntityManager, sql: string, tenantId: string, access: TicketAccess | null, id: string, lock: boolean): Promise<T> {
  const scope = access ? scopePredicate(access) : { sql: 'true', params: [] };
  const [row] = await readRows<T>(em, `${sql} and ${scope.sql}${lock ? ' for update of t' : ''}`, [tenantId, id, ...scope.params]);
  // Out of scope reads exactly like missing, so ids do not leak.
  if (!row) throw new NotFoundError(`no ticket ${id}`, { ticket: id });
  return row;
}

/**
 * Recomputes a ticket's search tokens from its number, title, description and comments: all of
 * them for staff, and without internal comments for portal searches.
 */
export async function refreshSearchTokens(em: EntityManager, tenantId: string, id: string): Promise<void> {
  const [t] = await em.execute<{ number: string | null; title: string | null; description: string | null }[]>(
    'select number, title, description from ticket where tenant_id = ? and id = ?',
    [tenantId, id],
  );
  if (!t) return;
  const comments = await em.execute<{ body: string; visibility: string }[]>(
    'select body, visibility from ticket_comment where tenant_id = ? and ticket_id = ? order by created_at',
    [tenantId, id],
  );
  const all = documentTokens(t.number, t.title, t.description, ...comments.map((c) => c.body));
  const publicOnly = comments.filter((c) => c.visibility === 'public');
  // Null: no internal comments, so the portal's tokens are the same list.
  const pub = publicOnly.length === comments.length ? null : documentTokens(t.number, t.title, t.description, ...publicOnly.map((c) => c.body));
  await em.execute('update ticket set search_tokens = ?::text[], public_search_tokens = ?::text[] where tenant_id = ? and id = ?', [
    pgTextArray(all),
    pub && pgTextArray(pub),
    tenantId,
    id,
  ]);
}

/**
 * A ticket handed to someone outside its team moves to the new assignee's team (the first,
 * by key, when they are in several), so team views and team data scopes follow the work.
 * Unchanged when the assignee did not change, is in the ticket's team, or is in no team.
 */
export async function followAssignee(em: EntityManager, tenantId: string, id: string, previousAssignee: string | null): Promise<void> {
  await em.execute(
    `update ticket t
        set team = (select tm.team from team_member tm where tm.tenant_id = t.tenant_id and tm.user_id::text = t.assignee order by tm.team limit 1)
      where t.tenant_id = ? and t.id = ? and t.assignee is distinct from ?
        and exists (select 1 from team_member tm where tm.tenant_id = t.tenant_id and tm.user_id::text = t.assignee)
        and not exists (select 1 from team_member tm where tm.tenant_id = t.tenant_id and tm.user_id::text = t.assignee and tm.team = t.team)`,
    [tenantId, id, previousAssignee],
  );
}

export async function tenantTimeZone(em: EntityManager, tenantId: string): Promise<string> {
  const [row] = await em.execute<{ time_zone: string }[]>('select time_zone from tenant where id = ?', [tenantId]);
  if (!row) throw new NotFoundError(`no tenant ${tenantId}`, { tenant: tenantId });
  return row.time_zone;
}
