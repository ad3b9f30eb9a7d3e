import { ConflictError, InputError, NotFoundError, StateError } from '@docket/runtime';
import type { EntityManager } from '@mikro-orm/postgresql';
import { refuse } from './membership.ts';

/**
 * Teams, org units (a tree: 管理处 → buildings) and posts. They are tenant data referenced by
 * key from candidate groups (team:<key>, orgUnit:<key>, post:<key>), so keys never change.
 */
export interface TeamView {
  key: string;
  name: string;
  orgUnit: string | null;
  members: { userId: string; lead: boolean }[];
}
export interface OrgUnitView {
  key: string;
  name: string;
  kind: string | null;
  parent: string | null;
  /** Keys from the root down to this unit. */
  path: string[];
  children: string[];
}
export interface PostView {
  key: string;
  name: string;
  orgUnit: string | null;
  members: string[];
}

const duplicate = (what: string, key: string) => new ConflictError(`${what} "${key}" already exists`, { key }, 'KEY_TAKEN');
const missing = (what: string, key: string) => new NotFoundError(`No ${what} "${key}"`, { key });

async function exists(em: EntityManager, table: 'team' | 'org_unit' | 'post', tenantId: string, key: string): Promise<boolean> {
  const rows = await em.execute(`select 1 from ${table} where tenant_id = ? and key = ?`, [tenantId, key]);
  return rows.length > 0;
}

async function checkOrgUnit(em: EntityManager, tenantId: string, key: string | null | undefined): Promise<void> {
  if (key && !(await exists(em, 'org_unit', tenantId, key)))
    refuse([{ field: 'orgUnit', pointer: '/orgUnit', code: 'UNKNOWN_ORG_UNIT', message: `No org unit "${key}"` }]);
}

// ---- teams

export async function listTeams(em: EntityManager, tenantId: string, key?: string): Promise<TeamView[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select t.key, t.name, t.org_unit,
       coalesce((select jsonb_agg(jsonb_build_object('userId', m.user_id, 'lead', m.lead) order by m.lead desc, m.user_id)
                   from team_member m where m.tenant_id = t.tenant_id and m.team = t.key), '[]'::jsonb) as members
       from team t where t.tenant_id = ?${key ? ' and t.key = ?' : ''} order by t.key`,
    key ? [tenantId, key] : [tenantId],
  );
  return rows.map((r) => ({
    key: r.key as string,
    name: r.name as string,
    orgUnit: (r.org_unit as string | null) ?? null,
    members: r.members as TeamView['members'],
  }));
}

export async function getTeam(em: EntityManager, tenantId: string, key: string): Promise<TeamView> {
  const [team] = await listTeams(em, tenantId, key);
  if (!team) throw missing('team', key);
  return team;
}

export async function createTeam(em: EntityManager, tenantId: string, input: { key: string; name: string; orgUnit?: string | null }): Promise<TeamView> {
  if (await exists(em, 'team', tenantId, input.key)) throw duplicate('Team', input.key);
  await checkOrgUnit(em, tenantId, input.orgUnit);
  await em.execute('insert into team (tenant_id, key, name, org_unit) values (?, ?, ?, ?)', [tenantId, input.key, input.name, input.orgUnit ?? null]);
  return getTeam(em, tenantId, input.key);
}

export async function updateTeam(em: EntityManager, tenantId: string, key: string, patch: { name?: string; orgUnit?: string | null }): Promise<TeamView> {
  await getTeam(em, tenantId, key);
  await checkOrgUnit(em, tenantId, patch.orgUnit);
  await em.execute('update team set name = coalesce(?, name), org_unit = case when ? then ? else org_unit end where tenant_id = ? and key = ?', [
    patch.name ?? null,
    patch.orgUnit !== undefined,
    patch.orgUnit ?? null,
    tenantId,
    key,
  ]);
  return getTeam(em, tenantId, key);
}

/** Replaces the members of a team; every user must exist in the tenant. */
export async function setTeamMembers(em: EntityManager, tenantId: string, key: string, members: { userId: string; lead?: boolean }[]): Promise<TeamView> {
  await getTeam(em, tenantId, key);
  const ids = members.map((m) => m.userId);
  const found = await em.execute<{ id: string }[]>(
    'select id::text from app_user where tenant_id = ? and id::text in (select jsonb_array_elements_text(?::jsonb))',
    [tenantId, JSON.stringify(ids)],
  );
  const known = new Set(found.map((r) => r.id));
  refuse(
    ids.flatMap((id, i) => (known.has(id) ? [] : [{ field: 'members', pointer: `/members/${i}/userId`, code: 'UNKNOWN_USER', message: `No user ${id}` }])),
  );
  await em.execute('delete from team_member where tenant_id = ? and team = ?', [tenantId, key]);
  await em.execute(
    `insert into team_member (tenant_id, team, user_id, lead)
     select ?, ?, (m->>'userId')::uuid, coalesce((m->>'lead')::boolean, false) from jsonb_array_elements(?::jsonb) as m on conflict do nothing`,
    [tenantId, key, JSON.stringify(members)],
  );
  return getTeam(em, tenantId, key);
}

export async function deleteTeam(em: EntityManager, tenantId: string, key: string): Promise<void> {
  const rows = await em.execute('delete from team where tenant_id = ? and key = ? returning key', [tenantId, key]);
  if (rows.length === 0) throw missing('team', key);
}

// ---- org units

const unitOf = (r: Record<string, unknown>): OrgUnitView => ({
  key: r.key as string,
  name: r.name as string,
  kind: (r.kind as string | null) ?? null,
  parent: (r.parent as string | null) ?? null,
  path: (r.path as string).split('/').filter(Boolean),
  children: r.children as string[],
});

/** Every unit, depth-first in path order, each with its direct children: the tree, flat. */
export async function listOrgUnits(em: EntityManager, tenantId: string, under?: string): Promise<OrgUnitView[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select o.key, o.name, o.kind, o.parent, o.path,
       array(select c.key from org_unit c where c.tenant_id = o.tenant_id and c.parent = o.key order by c.key)::text[] as children
       from org_unit o where o.tenant_id = ?${under ? ' and left(o.path, length(?)) = ?' : ''} order by o.path`,
    under ? [tenantId, under, under] : [tenantId],
  );
  return rows.map(unitOf);
}

async function pathOf(em: EntityManager, tenantId: string, key: string): Promise<string | undefined> {
  const [row] = await em.execute<{ path: string }[]>('select path from org_unit where tenant_id = ? and key = ?', [tenantId, key]);
  return row?.path;
}

export async function getOrgUnit(em: EntityManager, tenantId: string, key: string): Promise<OrgUnitView> {
  const path = await pathOf(em, tenantId, key);
  const unit = path ? (await listOrgUnits(em, tenantId, path))[0] : undefined;
  if (!unit) throw missing('org unit', key);
  return unit;
}

async function parentPath(em: EntityManager, tenantId: string, parent: string | null | undefined): Promise<string> {
  if (!parent) return '/';
  const path = await pathOf(em, tenantId, parent);
  if (!path) refuse([{ field: 'parent', pointer: '/parent', code: 'UNKNOWN_ORG_UNIT', message: `No org unit "${parent}"` }]);
  return path as string;
}

export async function createOrgUnit(
  em: EntityManager,
  tenantId: string,
  input: { key: string; name: string; kind?: string | null; parent?: string | null },
): Promise<OrgUnitView> {
  if (await exists(em, 'org_unit', tenantId, input.key)) throw duplicate('Org unit', input.key);
  const path = `${await parentPath(em, tenantId, input.parent)}${input.key}/`;
  await em.execute('insert into org_unit (tenant_id, key, name, kind, parent, path) values (?, ?, ?, ?, ?, ?)', [
    tenantId,
    input.key,
    input.name,
    input.kind ?? null,
    input.parent ?? null,
    path,
  ]);
  return getOrgUnit(em, tenantId, input.key);
}

/** Renames or moves a unit; moving rewrites the paths of its whole subtree. */
export async function updateOrgUnit(
  em: EntityManager,
  tenantId: string,
  key: string,
  patch: { name?: string; kind?: string | null; parent?: string | null },
): Promise<OrgUnitView> {
  const old = (await getOrgUnit(em, tenantId, key)).path.map((k) => `${k}/`).join('');
  const oldPath = `/${old}`;
  if (patch.parent !== undefined) {
    const base = await parentPath(em, tenantId, patch.parent);
    if (base.startsWith(oldPath))
      throw new InputError('ORG_UNIT_CYCLE', `"${patch.parent}" is inside "${key}": a unit cannot move under itself`, {
        errors: [{ field: 'parent', pointer: '/parent', code: 'ORG_UNIT_CYCLE', message: 'A unit cannot move under itself' }],
      });
    const newPath = `${base}${key}/`;
    await em.execute('update org_unit set parent = ? where tenant_id = ? and key = ?', [patch.parent, tenantId, key]);
    await em.execute('update org_unit set path = ? || substr(path, length(?) + 1) where tenant_id = ? and left(path, length(?)) = ?', [
      newPath,
      oldPath,
      tenantId,
      oldPath,
      oldPath,
    ]);
  }
  await em.execute('update org_unit set name = coalesce(?, name), kind = case when ? then ? else kind end where tenant_id = ? and key = ?', [
    patch.name ?? null,
    patch.kind !== undefined,
    patch.kind ?? null,
    tenantId,
    key,
  ]);
  return getOrgUnit(em, tenantId, key);
}

/** Deletes a unit that has no sub-units, teams or posts (its memberships go with it). */
export async function deleteOrgUnit(em: EntityManager, tenantId: string, key: string): Promise<void> {
  const unit = await getOrgUnit(em, tenantId, key);
  const [use] = await em.execute<{ teams: number; posts: number }[]>(
    `select (select count(*) from team where tenant_id = ? and org_unit = ?)::int as teams, (select count(*) from post where tenant_id = ? and org_unit = ?)::int as posts`,
    [tenantId, key, tenantId, key],
  );
  if (unit.children.length > 0 || use?.teams || use?.posts)
    throw new StateError('ORG_UNIT_IN_USE', `Org unit "${key}" still has sub-units, teams or posts`, {
      children: unit.children,
      teams: use?.teams ?? 0,
      posts: use?.posts ?? 0,
    });
  await em.execute('delete from org_unit where tenant_id = ? and key = ?', [tenantId, key]);
}

// ---- posts

export async function listPosts(em: EntityManager, tenantId: string, key?: string): Promise<PostView[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select p.key, p.name, p.org_unit,
       array(select m.user_id::text from user_post m where m.tenant_id = p.tenant_id and m.post = p.key order by 1)::text[] as members
       from post p where p.tenant_id = ?${key ? ' and p.key = ?' : ''} order by p.key`,
    key ? [tenantId, key] : [tenantId],
  );
  return rows.map((r) => ({ key: r.key as string, name: r.name as string, orgUnit: (r.org_unit as string | null) ?? null, members: r.members as string[] }));
}

export async function getPost(em: EntityManager, tenantId: string, key: string): Promise<PostView> {
  const [post] = await listPosts(em, tenantId, key);
  if (!post) throw missing('post', key);
  return post;
}

export async function createPost(em: EntityManager, tenantId: string, input: { key: string; name: string; orgUnit?: string | null }): Promise<PostView> {
  if (await exists(em, 'post', tenantId, input.key)) throw duplicate('Post', input.key);
  await checkOrgUnit(em, tenantId, input.orgUnit);
  await em.execute('insert into post (tenant_id, key, name, org_unit) values (?, ?, ?, ?)', [tenantId, input.key, input.name, input.orgUnit ?? null]);
  return getPost(em, tenantId, input.key);
}

export async function updatePost(em: EntityManager, tenantId: string, key: string, patch: { name?: string; orgUnit?: string | null }): Promise<PostView> {
  await getPost(em, tenantId, key);
  await checkOrgUnit(em, tenantId, patch.orgUnit);
  await em.execute('update post set name = coalesce(?, name), org_unit = case when ? then ? else org_unit end where tenant_id = ? and key = ?', [
    patch.name ?? null,
    patch.orgUnit !== undefined,
    patch.orgUnit ?? null,
    tenantId,
    key,
  ]);
  return getPost(em, tenantId, key);
}

export async function deletePost(em: EntityManager, tenantId: string, key: string): Promise<void> {
  const rows = await em.execute('delete from post where tenant_id = ? and key = ? returning key', [tenantId, key]);
  if (rows.length === 0) throw missing('post', key);
}
