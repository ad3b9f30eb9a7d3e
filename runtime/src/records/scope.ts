import type { DataScope, TicketAccess } from './access.ts';
import { pgTextArray } from './search.ts';

/** A piece of SQL with its `?` parameters, in order. */
export interface Sql {
  sql: string;
  params: unknown[];
}

const FALSE: Sql = { sql: 'false', params: [] };

function own(access: TicketAccess, t: string): Sql {
  return { sql: `(${t}.creator = ? or ${t}.assignee = ?)`, params: [access.userId, access.userId] };
}

function one(scope: DataScope, access: TicketAccess, t: string): Sql {
  switch (scope) {
    case 'all':
      return { sql: 'true', params: [] };
    case 'own':
      return own(access, t);
    case 'participant':
      // Uncorrelated, so the planner may start from the caller's participant rows (an index range).
      return {
        sql: `(${t}.tenant_id, ${t}.id) in (select p.tenant_id, p.ticket_id from ticket_participant p where p.user_id = ?)`,
        params: [access.userId],
      };
    case 'team': {
      const o = own(access, t);
      return { sql: `(${t}.team = any (?::text[]) or ${o.sql})`, params: [pgTextArray(access.teams), ...o.params] };
    }
    case 'orgUnit': {
      const o = own(access, t);
      return { sql: `(${t}.org_unit = any (?::text[]) or ${o.sql})`, params: [pgTextArray(access.orgUnits), ...o.params] };
    }
  }
}

function union(scopes: DataScope[], access: TicketAccess, t: string): Sql {
  if (scopes.length === 0) return FALSE;
  if (scopes.includes('all')) return { sql: 'true', params: [] };
  const parts = [...new Set(scopes)].map((s) => one(s, access, t));
  return { sql: `(${parts.map((p) => p.sql).join(' or ')})`, params: parts.flatMap((p) => p.params) };
}

/**
 * The one place a caller's data scopes become SQL: a ticket is visible when any scope of
 * its type matches (types named in `scopes` use theirs, the rest `defaultScopes`), and
 * never when its type is hidden. `t` is the ticket table's alias. Types that share a scope
 * set share one predicate, so the common case (one scope for every type) is a single
 * condition the planner can drive an index from.
 */
export function scopePredicate(access: TicketAccess, t = 't'): Sql {
  const hidden = new Set(access.hiddenTypes);
  const keyOf = (scopes: DataScope[]) => [...new Set(scopes)].sort().join(',');
  const defaultKey = keyOf(access.defaultScopes);
  // Named types whose scopes differ from the default, grouped by their scope set.
  const groups = new Map<string, { scopes: DataScope[]; types: string[] }>();
  const named = Object.keys(access.scopes).filter((k) => !hidden.has(k));
  for (const type of named) {
    const scopes = access.scopes[type] ?? [];
    const key = keyOf(scopes);
    if (key === defaultKey) continue;
    const g = groups.get(key) ?? { scopes, types: [] };
    g.types.push(type);
    groups.set(key, g);
  }
  const parts: Sql[] = [];
  for (const g of groups.values()) {
    const inner = union(g.scopes, access, t);
    if (inner.sql === 'false') continue;
    const [only] = g.types;
    const typeSql: Sql =
      g.types.length === 1 ? { sql: `${t}.type_key = ?`, params: [only] } : { sql: `${t}.type_key = any (?::text[])`, params: [pgTextArray(g.types)] };
    parts.push({ sql: `(${typeSql.sql} and ${inner.sql})`, params: [...typeSql.params, ...inner.params] });
  }
  const rest = union(access.defaultScopes, access, t);
  if (rest.sql !== 'false') {
    const excluded = [...[...groups.values()].flatMap((g) => g.types), ...hidden];
    parts.push(excluded.length ? { sql: `(${t}.type_key <> all (?::text[]) and ${rest.sql})`, params: [pgTextArray(excluded), ...rest.params] } : rest);
  }
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0] as Sql;
  return { sql: `(${parts.map((p) => p.sql).join(' or ')})`, params: parts.flatMap((p) => p.params) };
}

/**
 * True when the caller sees tickets (of `type`, or of every visible type) only as a
 * participant: lists can then walk the caller's ticket_member rows in creation order.
 */
export function participantOnly(access: TicketAccess, type?: string): boolean {
  const only = (scopes: DataScope[]) => scopes.length > 0 && scopes.every((s) => s === 'participant');
  if (type) return !access.hiddenTypes.includes(type) && only(access.scopes[type] ?? access.defaultScopes);
  return only(access.defaultScopes) && Object.entries(access.scopes).every(([k, v]) => access.hiddenTypes.includes(k) || only(v));
}
