import { NotFoundError } from '@docket/runtime';
import { ACTIONS, RESOURCES, type Role } from '@docket/runtime/definitions/kinds/role.ts';
import type { DataScope, TicketAccess } from '@docket/runtime/records/access.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Identity, loadIdentity } from './identity.ts';
import { RoleCatalog, type RoleSet } from './role-catalog.ts';
import type { Principal } from './rules.ts';

export const ADMIN_ROLE = 'admin';
export const ALL_GRANTS: readonly string[] = RESOURCES.flatMap((r) => ACTIONS.map((a) => `${r}:${a}`));
const RANK = { hidden: 0, read: 1, edit: 2 } as const;
type FieldAccess = keyof typeof RANK;

/** "resource:action" grants of a set of roles; admins hold every grant. */
export function grantsOf(roleKeys: string[], roles: RoleSet): Set<string> {
  if (roleKeys.includes(ADMIN_ROLE)) return new Set(ALL_GRANTS);
  const grants = new Set<string>();
  for (const key of roleKeys) {
    const role = roles.roles.get(key);
    for (const [resource, actions] of Object.entries(role?.permissions ?? {})) for (const a of actions ?? []) grants.add(`${resource}:${a}`);
  }
  return grants;
}

/**
 * The single place users + role definitions become a Principal. Tokens narrow the owner's
 * grants to their scopes, and the ticket access follows the narrowed grants.
 */
export function buildPrincipal(id: Identity, roleSet: RoleSet, via: 'session' | 'token', tokenScopes: string[] | null = null): Principal {
  const admin = id.roles.includes(ADMIN_ROLE);
  const held = grantsOf(id.roles, roleSet);
  const permissions = tokenScopes ? new Set(tokenScopes.filter((s) => held.has(s))) : held;
  const known = id.roles.map((k) => roleSet.roles.get(k)).filter((r): r is Role => r !== undefined);
  return {
    tenantId: id.tenantId,
    userId: id.id,
    email: id.email,
    name: id.name,
    roles: id.roles,
    teams: id.teams,
    orgUnits: id.orgUnits,
    posts: id.posts,
    admin,
    portal: !admin && known.some((r) => r.portal === true),
    contactId: id.contactId,
    via,
    tokenScopes,
    permissions,
    access: ticketAccess(id, known, roleSet, permissions, admin),
    actor: { id: id.id, roles: id.roles, teams: id.teams, posts: id.posts, orgUnits: id.orgUnits, admin },
    release: id.release,
  };
}

function ticketAccess(id: Identity, roles: Role[], roleSet: RoleSet, grants: ReadonlySet<string>, admin: boolean): TicketAccess {
  const base = {
    userId: id.id,
    teams: id.teams,
    orgUnits: id.orgUnitTree,
    viewSensitive: grants.has('ticket:viewSensitive'),
    canCreate: grants.has('ticket:create'),
    canUpdate: grants.has('ticket:update'),
  };
  if (!grants.has('ticket:read')) return { ...base, scopes: {}, defaultScopes: [], hiddenTypes: [...roleSet.ticketTypes.keys()], fieldPermissions: {} };
  if (admin) return { ...base, scopes: {}, defaultScopes: ['all'], hiddenTypes: [], fieldPermissions: {} };
  // Only roles that let their holder read tickets say anything about which tickets.
  const readers = roles.filter((r) => r.permissions.ticket?.includes('read'));
  const scopes: Record<string, DataScope[]> = {};
  const hiddenTypes: string[] = [];
  const fieldPermissions: TicketAccess['fieldPermissions'] = {};
  for (const [typeKey, type] of roleSet.ticketTypes) {
    const seeing = readers.filter((r) => !r.ticketTypes || r.ticketTypes.includes(typeKey));
    const vis = type.visibility;
    const visible = !vis || (!vis.roles && !vis.teams) || id.roles.some((k) => vis.roles?.includes(k)) || id.teams.some((t) => vis.teams?.includes(t));
    if (!visible || seeing.length === 0) {
      hiddenTypes.push(typeKey);
      continue;
    }
    scopes[typeKey] = union(seeing.map((r) => r.dataScope.ticketTypes?.[typeKey] ?? r.dataScope.default));
    const fields = mergeFieldPermissions(seeing.map((r) => r.fieldPermissions?.[typeKey] ?? {}));
    if (Object.keys(fields).length > 0) fieldPermissions[typeKey] = fields;
  }
  return { ...base, scopes, defaultScopes: union(readers.map((r) => r.dataScope.default)), hiddenTypes, fieldPermissions };
}

const union = (scopes: DataScope[]): DataScope[] => [...new Set(scopes)].sort();

/** Most permissive wins: a field stays restricted only when every role restricts it. */
function mergeFieldPermissions(perRole: Record<string, FieldAccess>[]): Record<string, FieldAccess> {
  const merged: Record<string, FieldAccess> = {};
  const keys = new Set(perRole.flatMap((p) => Object.keys(p)));
  for (const key of keys) {
    if (perRole.some((p) => p[key] === undefined)) continue;
    merged[key] = perRole.map((p) => p[key] as FieldAccess).reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
  }
  return merged;
}

const catalog = new RoleCatalog();

/** The Principal of a user as their own session would see it (tests, GraphQL, jobs acting for a user). */
export async function principalFor(em: EntityManager, tenantId: string, userId: string, roles: RoleCatalog = catalog): Promise<Principal> {
  const id = await loadIdentity(em, tenantId, userId);
  if (id?.status !== 'active') throw new NotFoundError(`No active user ${userId}`, { user: userId });
  return buildPrincipal(id, await roles.get(em, tenantId, id.release), 'session');
}
