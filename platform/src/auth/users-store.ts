import { ConflictError, ForbiddenError, NotFoundError, StateError } from '@docket/runtime';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { UUID } from './identity.ts';
import { checkMemberships, type FieldError, refuse, setMemberships } from './membership.ts';
import { hashPassword } from './passwords.ts';
import { ADMIN_ROLE } from './principal.ts';
import type { RoleCatalog } from './role-catalog.ts';
import { can, type Principal } from './rules.ts';
import { revokeUserSessions } from './sessions.ts';
import { appendSystemLog } from './system-log.ts';
import { revokeUserTokens } from './tokens.ts';

export interface UserView {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  status: 'active' | 'disabled';
  roles: string[];
  teams: string[];
  orgUnits: string[];
  posts: string[];
  managerId: string | null;
  contactId: string | null;
  mustChangePassword: boolean;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserInput {
  email: string;
  name: string;
  phone?: string | null;
  password?: string;
  roles?: string[];
  teams?: string[];
  orgUnits?: string[];
  posts?: string[];
  managerId?: string | null;
  contactId?: string | null;
}
export type UserPatch = Partial<Omit<UserInput, 'password'>> & { status?: 'active' | 'disabled' };

const MEMBERSHIP = ['roles', 'teams', 'orgUnits', 'posts'] as const;
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const SELECT = `select u.id, u.email, u.name, u.phone, u.status, u.roles::text[] as roles, u.manager_id, u.contact_id, u.must_change_password,
  case when u.locked_until > now() then u.locked_until end as locked_until, u.created_at, u.updated_at,
  array(select team from team_member m where m.tenant_id = u.tenant_id and m.user_id = u.id order by 1)::text[] as teams,
  array(select org_unit from org_unit_member m where m.tenant_id = u.tenant_id and m.user_id = u.id order by 1)::text[] as org_units,
  array(select post from user_post m where m.tenant_id = u.tenant_id and m.user_id = u.id order by 1)::text[] as posts
  from app_user u`;
const viewOf = (r: Record<string, unknown>): UserView => ({
  id: r.id as string,
  email: r.email as string,
  name: r.name as string,
  phone: (r.phone as string | null) ?? null,
  status: r.status as UserView['status'],
  roles: r.roles as string[],
  teams: r.teams as string[],
  orgUnits: r.org_units as string[],
  posts: r.posts as string[],
  managerId: (r.manager_id as string | null) ?? null,
  contactId: (r.contact_id as string | null) ?? null,
  mustChangePassword: Boolean(r.must_change_password),
  lockedUntil: iso(r.locked_until),
  createdAt: iso(r.created_at) as string,
  updatedAt: iso(r.updated_at) as string,
});

export interface UserQuery {
  search?: string;
  status?: 'active' | 'disabled';
  role?: string;
  team?: string;
  limit?: number;
  offset?: number;
}

export async function listUsers(em: EntityManager, tenantId: string, q: UserQuery = {}): Promise<UserView[]> {
  const where = ['u.tenant_id = ?'];
  const params: unknown[] = [tenantId];
  const filter = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (q.search) filter('(strpos(lower(u.name), lower(?)) > 0 or strpos(u.email, lower(?)) > 0)', q.search, q.search);
  if (q.status) filter('u.status = ?', q.status);
  if (q.role) filter('? = any(u.roles)', q.role);
  if (q.team) filter('exists (select 1 from team_member m where m.tenant_id = u.tenant_id and m.user_id = u.id and m.team = ?)', q.team);
  params.push(q.limit ?? 100, q.offset ?? 0);
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} where ${where.join(' and ')} order by u.email limit ? offset ?`, params);
  return rows.map(viewOf);
}

export async function getUser(em: EntityManager, tenantId: string, id: string): Promise<UserView> {
  const [row] = UUID.test(id) ? await em.execute<Record<string, unknown>[]>(`${SELECT} where u.tenant_id = ? and u.id = ?`, [tenantId, id]) : [];
  if (!row) throw new NotFoundError(`No user ${id}`, { user: id });
  return viewOf(row);
}

/** Who may change what: roles need role:assign, and only admins grant or take the admin role. */
function checkGrantor(by: Principal, before: string[], after: string[] | undefined): void {
  if (after === undefined || sameSet(before, after)) return;
  if (!can(by, 'role', 'assign')) throw new ForbiddenError('Changing roles needs the permission role:assign', { required: 'role:assign' }, 'FORBIDDEN');
  if (before.includes(ADMIN_ROLE) !== after.includes(ADMIN_ROLE) && !by.admin)
    throw new ForbiddenError('Only administrators grant or remove the admin role', { role: ADMIN_ROLE }, 'FORBIDDEN');
}
/** Only admins change or reset an admin: otherwise a user manager could take over an admin account. */
function checkTarget(by: Principal, target: UserView): void {
  if (target.roles.includes(ADMIN_ROLE) && !by.admin) throw new ForbiddenError('Only administrators change an administrator', { user: target.id }, 'FORBIDDEN');
}
const sameSet = (a: string[], b: string[]) => a.length === new Set(b).size && b.every((x) => a.includes(x));

async function checkReferences(em: EntityManager, tenantId: string, input: UserPatch, roles: RoleCatalog): Promise<void> {
  const errors: FieldError[] = await checkMemberships(em, tenantId, input, roles);
  if (input.managerId) {
    const [m] = UUID.test(input.managerId) ? await em.execute('select 1 from app_user where tenant_id = ? and id = ?', [tenantId, input.managerId]) : [];
    if (!m) errors.push({ field: 'managerId', pointer: '/managerId', code: 'UNKNOWN_USER', message: `No user ${input.managerId}` });
  }
  refuse(errors);
}

async function emailFree(em: EntityManager, tenantId: string, email: string, except?: string): Promise<void> {
  const [taken] = await em.execute<{ id: string }[]>('select id from app_user where tenant_id = ? and email = ?', [tenantId, email]);
  if (taken && taken.id !== except) throw new ConflictError(`A user with email ${email} already exists`, { email }, 'EMAIL_TAKEN');
}

/** Call inside a transaction: a change that leaves the tenant without an active admin rolls back. */
async function keepAnAdmin(em: EntityManager, tenantId: string): Promise<void> {
  const [row] = await em.execute<{ n: number }[]>(
    `select count(*)::int as n from app_user where tenant_id = ? and status = 'active' and 'admin' = any(roles)`,
    [tenantId],
  );
  if (!row?.n) throw new StateError('LAST_ADMIN', 'This would leave the tenant without an active administrator');
}

const logAs = (by: Principal, ip?: string) => ({ actorId: by.userId, actor: by.email, ip: ip ?? null });

export async function createUser(em: EntityManager, tenantId: string, input: UserInput, by: Principal, roles: RoleCatalog, ip?: string): Promise<UserView> {
  const email = input.email.trim().toLowerCase();
  checkGrantor(by, [], input.roles ?? []);
  await checkReferences(em, tenantId, input, roles);
  await emailFree(em, tenantId, email);
  const id = uuidv7();
  await em.execute(
    `insert into app_user (tenant_id, id, email, name, phone, password_hash, roles, manager_id, contact_id)
     values (?, ?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?, ?)`,
    [
      tenantId,
      id,
      email,
      input.name,
      input.phone ?? null,
      input.password ? await hashPassword(input.password) : null,
      JSON.stringify([...new Set(input.roles ?? [])]),
      input.managerId ?? null,
      input.contactId ?? null,
    ],
  );
  for (const field of ['teams', 'orgUnits', 'posts'] as const) if (input[field]?.length) await setMemberships(em, tenantId, id, field, input[field]);
  const user = await getUser(em, tenantId, id);
  await appendSystemLog(em, tenantId, {
    ...logAs(by, ip),
    action: 'user.created',
    subject: `user:${id}`,
    details: { email, roles: user.roles, teams: user.teams, orgUnits: user.orgUnits, posts: user.posts },
  });
  return user;
}

/** Applies a patch; permission changes (roles, teams, org units, posts, status) go to the system log. */
export async function updateUser(
  em: EntityManager,
  tenantId: string,
  id: string,
  patch: UserPatch,
  by: Principal,
  roles: RoleCatalog,
  ip?: string,
): Promise<UserView> {
  const before = await getUser(em, tenantId, id);
  checkTarget(by, before);
  checkGrantor(by, before.roles, patch.roles);
  await checkReferences(em, tenantId, patch, roles);
  const email = patch.email?.trim().toLowerCase();
  if (email) await emailFree(em, tenantId, email, id);
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    sets.push(`${column} = ?${cast}`);
    params.push(value);
  };
  if (email) set('email', email);
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.phone !== undefined) set('phone', patch.phone);
  if (patch.status !== undefined) set('status', patch.status);
  if (patch.managerId !== undefined) set('manager_id', patch.managerId);
  if (patch.contactId !== undefined) set('contact_id', patch.contactId);
  if (patch.roles !== undefined) {
    sets.push('roles = array(select jsonb_array_elements_text(?::jsonb))');
    params.push(JSON.stringify([...new Set(patch.roles)]));
  }
  if (patch.managerId === id) refuse([{ field: 'managerId', pointer: '/managerId', code: 'SELF_MANAGER', message: 'A user cannot be their own manager' }]);
  await em.execute(`update app_user set ${[...sets, 'updated_at = now()'].join(', ')} where tenant_id = ? and id = ?`, [...params, tenantId, id]);
  for (const field of ['teams', 'orgUnits', 'posts'] as const) if (patch[field] !== undefined) await setMemberships(em, tenantId, id, field, patch[field]);
  const after = await getUser(em, tenantId, id);
  if (before.roles.includes(ADMIN_ROLE) || before.status !== after.status) await keepAnAdmin(em, tenantId);
  if (after.status === 'disabled' && before.status === 'active') {
    await revokeUserSessions(em, tenantId, id);
    await revokeUserTokens(em, tenantId, id);
    await appendSystemLog(em, tenantId, { ...logAs(by, ip), action: 'user.disabled', subject: `user:${id}` });
  } else if (after.status === 'active' && before.status === 'disabled')
    await appendSystemLog(em, tenantId, { ...logAs(by, ip), action: 'user.enabled', subject: `user:${id}` });
  const changed = MEMBERSHIP.filter((f) => !sameSet(before[f], after[f]));
  if (changed.length > 0) {
    const details = Object.fromEntries(changed.map((f) => [f, { before: before[f], after: after[f] }]));
    await appendSystemLog(em, tenantId, { ...logAs(by, ip), action: 'user.permissions.changed', subject: `user:${id}`, details });
  }
  return after;
}

/**
 * Sets a password. An admin reset forces a change at next sign-in and ends the user's
 * sessions; a user changing their own keeps the session they changed it from.
 */
export async function setPassword(
  em: EntityManager,
  tenantId: string,
  id: string,
  password: string,
  how: { reset: true; by: Principal; ip?: string } | { reset: false; keepSession?: string },
): Promise<void> {
  const target = await getUser(em, tenantId, id);
  if (how.reset) checkTarget(how.by, target);
  await em.execute(
    'update app_user set password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = null, updated_at = now() where tenant_id = ? and id = ?',
    [await hashPassword(password), how.reset, tenantId, id],
  );
  await revokeUserSessions(em, tenantId, id, how.reset ? undefined : how.keepSession);
  if (how.reset) await appendSystemLog(em, tenantId, { ...logAs(how.by, how.ip), action: 'user.password.reset', subject: `user:${id}` });
}
