import { InputError } from '@docket/runtime';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ADMIN_ROLE } from './principal.ts';
import type { RoleCatalog } from './role-catalog.ts';
import { newestRelease } from './role-catalog.ts';

export interface FieldError {
  field: string;
  pointer: string;
  code: string;
  message: string;
}

const TABLES = { teams: 'team', orgUnits: 'org_unit', posts: 'post' } as const;
const CODES = { teams: 'UNKNOWN_TEAM', orgUnits: 'UNKNOWN_ORG_UNIT', posts: 'UNKNOWN_POST' } as const;

/** Every unknown team / org unit / post / role key among `input`, each with its JSON pointer. */
export async function checkMemberships(
  em: EntityManager,
  tenantId: string,
  input: { roles?: string[]; teams?: string[]; orgUnits?: string[]; posts?: string[] },
  roles: RoleCatalog,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const field of ['teams', 'orgUnits', 'posts'] as const) {
    const keys = input[field];
    if (!keys?.length) continue;
    const found = await em.execute<{ key: string }[]>(
      `select key from ${TABLES[field]} where tenant_id = ? and key in (select jsonb_array_elements_text(?::jsonb))`,
      [tenantId, JSON.stringify(keys)],
    );
    const known = new Set(found.map((r) => r.key));
    keys.forEach((k, i) => {
      if (!known.has(k)) errors.push({ field, pointer: `/${field}/${i}`, code: CODES[field], message: `No ${TABLES[field].replace('_', ' ')} "${k}"` });
    });
  }
  if (input.roles?.length) {
    const set = await roles.get(em, tenantId, await newestRelease(em, tenantId));
    input.roles.forEach((k, i) => {
      if (k !== ADMIN_ROLE && !set.roles.has(k))
        errors.push({ field: 'roles', pointer: `/roles/${i}`, code: 'UNKNOWN_ROLE', message: `No published role "${k}"` });
    });
  }
  return errors;
}

export function refuse(errors: FieldError[], message = 'The request names things that do not exist'): void {
  if (errors.length > 0) throw new InputError(errors[0]?.code ?? 'INVALID_INPUT', message, { errors });
}

/** Replaces a user's rows in one membership table with `keys` (team leads keep their flag). */
export async function setMemberships(em: EntityManager, tenantId: string, userId: string, field: 'teams' | 'orgUnits' | 'posts', keys: string[]) {
  const [table, column] = field === 'teams' ? ['team_member', 'team'] : field === 'orgUnits' ? ['org_unit_member', 'org_unit'] : ['user_post', 'post'];
  const list = JSON.stringify([...new Set(keys)]);
  await em.execute(`delete from ${table} where tenant_id = ? and user_id = ? and ${column} not in (select jsonb_array_elements_text(?::jsonb))`, [
    tenantId,
    userId,
    list,
  ]);
  await em.execute(`insert into ${table} (tenant_id, ${column}, user_id) select ?, k, ? from jsonb_array_elements_text(?::jsonb) as k on conflict do nothing`, [
    tenantId,
    userId,
    list,
  ]);
}
