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
      return {
        sql: `exists (select 1 from ticket_participant p where p.tenant_id = ${t}.tenant_id and p.ticket_id = ${t}.id and p.user_id = ?)`,
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
 * never when its type is hidden. `t` is the ticket table's alias.
 */
export function scopePredicate(access: TicketAccess, t = 't'): Sql {
  const hidden = new Set(access.hiddenTypes);
  const named = Object.keys(access.scopes).filter((k) => !hidden.has(k));
  const parts: Sql[] = [];
  for (const type of named) {
    const inner = union(access.scopes[type] ?? [], access, t);
    if (inner.sql === 'false') continue;
    parts.push({ sql: `(${t}.type_key = ? and ${inner.sql})`, params: [type, ...inner.params] });
  }
  const rest = union(access.defaultScopes, access, t);
  if (rest.sql !== 'false') {
    const excluded = [...named, ...hidden];
    parts.push(excluded.length ? { sql: `(${t}.type_key <> all (?::text[]) and ${rest.sql})`, params: [pgTextArray(excluded), ...rest.params] } : rest);
  }
  if (parts.length === 0) return FALSE;
  return { sql: `(${parts.map((p) => p.sql).join(' or ')})`, params: parts.flatMap((p) => p.params) };
}
