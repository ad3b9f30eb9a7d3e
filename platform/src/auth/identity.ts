import type { EntityManager } from '@mikro-orm/postgresql';

/** A user with their memberships, as one query reads them for every request. */
export interface Identity {
  tenantId: string;
  id: string;
  email: string;
  name: string;
  status: 'active' | 'disabled';
  roles: string[];
  contactId: string | null;
  managerId: string | null;
  mustChangePassword: boolean;
  teams: string[];
  orgUnits: string[];
  /** orgUnits with all their descendants. */
  orgUnitTree: string[];
  posts: string[];
  /** The tenant's newest release (null before the first publish). */
  release: number | null;
}

/** Columns of `app_user u` plus memberships; joined by the session and token lookups. */
export const IDENTITY_COLUMNS = `u.tenant_id, u.id, u.email, u.name, u.status, u.roles::text[] as roles, u.contact_id, u.manager_id,
  u.must_change_password,
  array(select tm.team from team_member tm where tm.tenant_id = u.tenant_id and tm.user_id = u.id order by 1)::text[] as teams,
  array(select om.org_unit from org_unit_member om where om.tenant_id = u.tenant_id and om.user_id = u.id order by 1)::text[] as org_units,
  array(select distinct d.key from org_unit_member om
          join org_unit o on o.tenant_id = om.tenant_id and o.key = om.org_unit
          join org_unit d on d.tenant_id = o.tenant_id and left(d.path, length(o.path)) = o.path
         where om.tenant_id = u.tenant_id and om.user_id = u.id order by 1)::text[] as org_unit_tree,
  array(select up.post from user_post up where up.tenant_id = u.tenant_id and up.user_id = u.id order by 1)::text[] as posts,
  (select max(r.number) from release r where r.tenant_id = u.tenant_id) as release`;

export function identityOf(r: Record<string, unknown>): Identity {
  return {
    tenantId: r.tenant_id as string,
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    status: r.status as Identity['status'],
    roles: (r.roles as string[]) ?? [],
    contactId: (r.contact_id as string | null) ?? null,
    managerId: (r.manager_id as string | null) ?? null,
    mustChangePassword: Boolean(r.must_change_password),
    teams: (r.teams as string[]) ?? [],
    orgUnits: (r.org_units as string[]) ?? [],
    orgUnitTree: (r.org_unit_tree as string[]) ?? [],
    posts: (r.posts as string[]) ?? [],
    release: r.release === null || r.release === undefined ? null : Number(r.release),
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadIdentity(em: EntityManager, tenantId: string, userId: string): Promise<Identity | undefined> {
  if (!UUID.test(userId)) return undefined;
  const [row] = await em.execute<Record<string, unknown>[]>(`select ${IDENTITY_COLUMNS} from app_user u where u.tenant_id = ? and u.id = ?`, [
    tenantId,
    userId,
  ]);
  return row ? identityOf(row) : undefined;
}
