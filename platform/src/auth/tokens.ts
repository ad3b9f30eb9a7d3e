import { InputError, NotFoundError } from '@docket/runtime';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { IDENTITY_COLUMNS, type Identity, identityOf, UUID } from './identity.ts';
import { ALL_GRANTS } from './principal.ts';
import { mintCredential, parseCredential } from './secrets.ts';

export const TOKEN_PREFIX = 'dkt_';

export interface ApiTokenInfo {
  id: string;
  userId: string;
  name: string;
  /** The last characters of the secret, to tell tokens apart. */
  hint: string;
  scopes: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const infoOf = (r: Record<string, unknown>): ApiTokenInfo => ({
  id: r.id as string,
  userId: r.user_id as string,
  name: r.name as string,
  hint: r.hint as string,
  scopes: r.scopes as string[],
  expiresAt: iso(r.expires_at),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
  createdAt: iso(r.created_at) as string,
});
const COLUMNS = 'id, user_id, name, hint, scopes::text[] as scopes, expires_at, last_used_at, revoked_at, created_at';

/**
 * A token limited to `scopes`, each of which the owner must hold now; the secret is returned
 * here once and only its SHA-256 is kept.
 */
export async function createApiToken(
  em: EntityManager,
  owner: { tenantId: string; userId: string; permissions: ReadonlySet<string> },
  input: { name: string; scopes: string[]; expiresAt?: string },
): Promise<{ token: string; info: ApiTokenInfo }> {
  const errors = input.scopes.flatMap((scope, i) => {
    const pointer = `/scopes/${i}`;
    if (!ALL_GRANTS.includes(scope)) return [{ field: 'scopes', pointer, code: 'UNKNOWN_SCOPE', message: `"${scope}" is not a resource:action grant` }];
    if (!owner.permissions.has(scope)) return [{ field: 'scopes', pointer, code: 'SCOPE_NOT_HELD', message: `You do not hold "${scope}" yourself` }];
    return [];
  });
  if (input.expiresAt !== undefined && !(Date.parse(input.expiresAt) > Date.now()))
    errors.push({ field: 'expiresAt', pointer: '/expiresAt', code: 'EXPIRY_IN_PAST', message: 'expiresAt must be a future date-time' });
  if (errors.length > 0) throw new InputError('INVALID_TOKEN_REQUEST', 'The token cannot be created as requested', { errors });
  const { value, hash } = mintCredential(owner.tenantId, TOKEN_PREFIX);
  const [row] = await em.execute<Record<string, unknown>[]>(
    `insert into api_token (tenant_id, id, user_id, name, token_hash, hint, scopes, expires_at)
     values (?, ?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?::timestamptz) returning ${COLUMNS}`,
    [owner.tenantId, uuidv7(), owner.userId, input.name, hash, value.slice(-4), JSON.stringify([...new Set(input.scopes)].sort()), input.expiresAt ?? null],
  );
  return { token: value, info: infoOf(row as Record<string, unknown>) };
}

/** The owner and scopes of a live bearer token (not revoked, not expired, owner active). */
export async function findApiToken(em: EntityManager, bearer: string): Promise<{ tokenId: string; scopes: string[]; identity: Identity } | undefined> {
  const parsed = parseCredential(bearer, TOKEN_PREFIX);
  if (!parsed) return undefined;
  const [row] = await em.execute<Record<string, unknown>[]>(
    `select t.id as token_id, t.scopes::text[] as token_scopes, t.last_used_at is null or t.last_used_at < now() - interval '1 minute' as stale,
            ${IDENTITY_COLUMNS}
       from api_token t join app_user u on u.tenant_id = t.tenant_id and u.id = t.user_id
      where t.tenant_id = ? and t.token_hash = ? and t.revoked_at is null and (t.expires_at is null or t.expires_at > now()) and u.status = 'active'`,
    [parsed.tenantId, parsed.hash],
  );
  if (!row) return undefined;
  if (row.stale) await em.execute('update api_token set last_used_at = now() where tenant_id = ? and id = ?', [parsed.tenantId, row.token_id]);
  return { tokenId: row.token_id as string, scopes: row.token_scopes as string[], identity: identityOf(row) };
}

/** Tokens of one user, or of everyone in the tenant when userId is null; newest first. */
export async function listApiTokens(em: EntityManager, tenantId: string, userId: string | null): Promise<ApiTokenInfo[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select ${COLUMNS} from api_token where tenant_id = ?${userId ? ' and user_id = ?' : ''} order by id desc`,
    userId ? [tenantId, userId] : [tenantId],
  );
  return rows.map(infoOf);
}

/** Revokes one token; `ownerId` limits it to that user's tokens (others answer NOT_FOUND). */
export async function revokeApiToken(em: EntityManager, tenantId: string, id: string, ownerId: string | null): Promise<ApiTokenInfo> {
  const missing = () => new NotFoundError(`No token ${id}`, { token: id });
  if (!UUID.test(id)) throw missing();
  const [row] = await em.execute<Record<string, unknown>[]>(
    `update api_token set revoked_at = coalesce(revoked_at, now()) where tenant_id = ? and id = ?${ownerId ? ' and user_id = ?' : ''} returning ${COLUMNS}`,
    ownerId ? [tenantId, id, ownerId] : [tenantId, id],
  );
  if (!row) throw missing();
  return infoOf(row);
}

/** Revokes every token of a user (disabled, or password reset by an admin). */
export async function revokeUserTokens(em: EntityManager, tenantId: string, userId: string): Promise<number> {
  const rows = await em.execute<unknown[]>('update api_token set revoked_at = now() where tenant_id = ? and user_id = ? and revoked_at is null returning id', [
    tenantId,
    userId,
  ]);
  return rows.length;
}
