import type { EntityManager } from '@mikro-orm/postgresql';
import { InputError } from '../errors.ts';
import { actorTokens } from '../process/state.ts';
import { readRows } from '../store/prepared.ts';
import { participantOnly, type Sql, scopePredicate } from './scope.ts';
import { pgTextArray, queryTokens } from './search.ts';
import type { TicketTypeSpec } from './ticket-definitions.ts';
import { type Column, columnOf, comparable, filterSql } from './ticket-filters.ts';
import type { TicketCaller, TicketQuery } from './tickets-api.ts';

export const MAX_LIMIT = 200;
const OPEN = `('new', 'open', 'pending')`;
const STATUS_CATEGORIES = new Set(['new', 'open', 'pending', 'resolved', 'closed', 'cancelled']);
/** Columns that are never null sort without the nulls-last term, so their indexes serve the order. */
const NOT_NULL = new Set(['createdAt', 'updatedAt', 'type', 'status', 'statusCategory']);

/** The columns every list row reads (TicketListItem plus what the projection needs). */
export const LIST_COLUMNS = `t.id, t.number, t.type_key, t.release_number, t.title, t.status, t.status_category, t.priority, t.assignee, t.creator,
  t.team, t.org_unit, t.customer_id, t.created_at, t.updated_at, t.data,
  coalesce(t.due_at, (select min(k.due_at) from task k where k.tenant_id = t.tenant_id and k.ticket_id = t.id and k.state = 'open')) as due_at`;

export interface ListRow {
  id: string;
  number: string | null;
  type_key: string;
  release_number: number;
  title: string | null;
  status: string;
  status_category: string;
  priority: string | null;
  assignee: string | null;
  creator: string | null;
  team: string | null;
  org_unit: string | null;
  customer_id: string | null;
  created_at: string | Date;
  updated_at: string | Date;
  due_at: string | Date | null;
  data: Record<string, unknown>;
  sort_value: string | null;
}

interface Cursor {
  s: string;
  v: string | null;
  id: string;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(raw: string, sortKey: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (c && c.s === sortKey && typeof c.id === 'string' && /^[0-9a-f-]{36}$/.test(c.id) && (c.v === null || typeof c.v === 'string')) return c;
  } catch {
    // Falls through to the error below.
  }
  throw new InputError('BAD_CURSOR', 'the cursor is not one this list returned (or the sort changed); start from the first page', { field: 'cursor' });
}

function viewSql(query: TicketQuery, caller: TicketCaller, now: Date): Sql | undefined {
  const me = caller.actor.id;
  switch (query.view ?? 'all') {
    case 'all':
      return undefined;
    case 'mine':
      return {
        sql: `(t.assignee = ? or exists (select 1 from task k where k.tenant_id = t.tenant_id and k.ticket_id = t.id and k.state <> 'done'
                 and (k.assignee = ? or (k.assignee is null and k.candidates && ?::text[]))))`,
        params: [me, me, pgTextArray(actorTokens(caller.actor))],
      };
    case 'team':
      return { sql: 't.team = any (?::text[])', params: [pgTextArray(caller.access.teams)] };
    case 'unassigned':
      return { sql: `t.assignee is null and t.status_category in ${OPEN}`, params: [] };
    case 'overdue':
      return {
        sql: `exists (select 1 from task k where k.tenant_id = t.tenant_id and k.ticket_id = t.id and k.state = 'open' and k.due_at < ?::timestamptz)`,
        params: [now.toISOString()],
      };
    case 'participating':
      return { sql: 'exists (select 1 from ticket_participant p where p.tenant_id = t.tenant_id and p.ticket_id = t.id and p.user_id = ?)', params: [me] };
    default:
      throw new InputError('BAD_FILTER', `unknown view "${String(query.view)}"`, { field: 'view' });
  }
}

/**
 * One page of tickets: scope, view, filters and search as parameterised SQL, ordered by
 * the sort column then id, continued with a keyset cursor (stable under inserts).
 */
export async function listRows(
  em: EntityManager,
  tenantId: string,
  caller: TicketCaller,
  query: TicketQuery,
  spec: TicketTypeSpec | undefined,
  now: Date,
): Promise<{ rows: ListRow[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InputError('BAD_FILTER', `limit must be an integer from 1 to ${MAX_LIMIT}`, { field: 'limit' });
  }
  const sortField = query.sort?.field ?? 'createdAt';
  // A participant-only caller's newest-first list walks their ticket_member rows (an index range)
  // and stops at the page's end, instead of joining every ticket they ever touched.
  const member = sortField === 'createdAt' && (query.view ?? 'all') === 'all' && participantOnly(caller.access, query.type);
  const where: Sql[] = [{ sql: 't.tenant_id = ?', params: [tenantId] }];
  if (member) {
    where.push({ sql: 'm.tenant_id = ? and m.user_id = ?', params: [tenantId, caller.access.userId] });
    if (caller.access.hiddenTypes.length) where.push({ sql: 't.type_key <> all (?::text[])', params: [pgTextArray(caller.access.hiddenTypes)] });
  } else where.push(scopePredicate(caller.access));
  if (query.type) where.push({ sql: 't.type_key = ?', params: [query.type] });
  const view = viewSql(query, caller, now);
  if (view) where.push(view);
  if (query.statusCategory?.length) {
    const bad = query.statusCategory.find((c) => !STATUS_CATEGORIES.has(c));
    if (bad) throw new InputError('BAD_FILTER', `unknown status category "${bad}"`, { field: 'statusCategory' });
    where.push({ sql: 't.status_category = any (?::text[])', params: [pgTextArray(query.statusCategory)] });
  }
  for (const f of query.filters ?? []) where.push(filterSql(f, spec));
  if (query.search?.trim()) {
    const tokens = queryTokens(query.search);
    // Portal callers search without internal comments (their scope is their own few tickets, so no index is needed).
    const column = caller.portal ? 'coalesce(t.public_search_tokens, t.search_tokens)' : 't.search_tokens';
    if (tokens.length) where.push({ sql: `${column} @> ?::text[]`, params: [pgTextArray(tokens)] });
  }

  const dir = query.sort?.direction ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new InputError('BAD_FILTER', 'sort direction must be asc or desc', { field: 'sort' });
  const col: Column = comparable(columnOf(sortField, spec, 'sort'));
  if (col.kind === 'list') throw new InputError('BAD_FILTER', `cannot sort by the multiple-choice field ${sortField}`, { field: sortField });
  const cast =
    col.kind === 'number'
      ? '::numeric'
      : col.kind === 'timestamp'
        ? '::timestamptz'
        : col.kind === 'boolean'
          ? '::boolean'
          : col.kind === 'uuid'
            ? '::uuid'
            : '::text';
  const nullable = !NOT_NULL.has(sortField);
  const sortKey = `${sortField}:${dir}`;
  const cmp = dir === 'asc' ? '>' : '<';
  if (query.cursor) {
    const c = decode(query.cursor, sortKey);
    if (member) {
      where.push({ sql: `(m.created_at, m.ticket_id) ${cmp} (?${cast}, ?::uuid)`, params: [c.v, c.id] });
    } else if (!nullable) {
      where.push({ sql: `(${col.sql}, t.id) ${cmp} (?${cast}, ?::uuid)`, params: [c.v, c.id] });
    } else if (c.v === null) {
      where.push({ sql: `(${col.sql} is null and t.id ${cmp} ?::uuid)`, params: [c.id] });
    } else {
      where.push({
        sql: `(${col.sql} is null or ${col.sql} ${cmp} ?${cast} or (${col.sql} = ?${cast} and t.id ${cmp} ?::uuid))`,
        params: [c.v, c.v, c.id],
      });
    }
  }
  const order = member ? `m.created_at ${dir}, m.ticket_id ${dir}` : `${nullable ? `(${col.sql} is null), ` : ''}${col.sql} ${dir}, t.id ${dir}`;
  const from = member ? 'ticket_member m join ticket t on t.tenant_id = m.tenant_id and t.id = m.ticket_id' : 'ticket t';
  const sql = `select ${LIST_COLUMNS}, (${col.sql})::text as sort_value from ${from}
    where ${where.map((w) => w.sql).join('\n and ')}
    order by ${order} limit ?`;
  const rows = await readRows<ListRow>(em, sql, [...where.flatMap((w) => w.params), limit + 1]);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  // The sort value goes back as the text PostgreSQL printed, so the next page compares exactly.
  return { rows: page, nextCursor: more && last ? encode({ s: sortKey, v: last.sort_value, id: last.id }) : null };
}
