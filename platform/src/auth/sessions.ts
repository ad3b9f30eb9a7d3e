import { readRows } from '@docket/runtime/store/prepared.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { type Identity, identityOf } from './identity.ts';
import { mintCredential, parseCredential, randomSecret } from './secrets.ts';
import type { AuthSettings } from './settings.ts';

export const SESSION_COOKIE = 'docket_session';
/** docket_session_identity()'s columns, named so a prepared lookup never depends on `*`. */
const SESSION_IDENTITY = `session_id, csrf_token, stale, tenant_id, id, email, name, status, roles, contact_id, manager_id,
  must_change_password, teams, org_units, org_unit_tree, posts, release`;

export interface NewSession {
  id: string;
  /** The cookie value; only its SHA-256 is stored. */
  cookie: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ActiveSession {
  id: string;
  csrfToken: string;
  identity: Identity;
}

/** A new session with a fresh id and secret on every sign-in, so a planted cookie is never adopted. */
export async function createSession(
  em: EntityManager,
  tenantId: string,
  userId: string,
  meta: { ip?: string; userAgent?: string },
  settings: AuthSettings,
): Promise<NewSession> {
  const { value, hash } = mintCredential(tenantId, '');
  const session = { id: uuidv7(), cookie: value, csrfToken: randomSecret(24), expiresAt: new Date(Date.now() + settings.sessionMaxMs) };
  await em.execute(
    `insert into user_session (tenant_id, id, user_id, token_hash, csrf_token, expires_at, ip, user_agent)
     values (?, ?, ?, ?, ?, ?::timestamptz, ?, ?)`,
    [tenantId, session.id, userId, hash, session.csrfToken, session.expiresAt.toISOString(), meta.ip ?? null, meta.userAgent?.slice(0, 500) ?? null],
  );
  return session;
}

/**
 * The live session a cookie names, with its user: not revoked, not past its absolute
 * expiry nor its idle timeout, and the user still active. Refreshes last_seen at most once a minute.
 */
export async function findSession(em: EntityManager, cookie: string, settings: AuthSettings): Promise<ActiveSession | undefined> {
  const parsed = parseCredential(cookie, '');
  if (!parsed) return undefined;
  // docket_session_identity() is the session + IDENTITY_COLUMNS lookup with its plan kept per connection.
  const [row] = await readRows<Record<string, unknown>>(em, `select ${SESSION_IDENTITY} from docket_session_identity(?, ?, ?)`, [
    parsed.tenantId,
    parsed.hash,
    settings.sessionIdleMs,
  ]);
  if (!row) return undefined;
  if (row.stale) await em.execute('update user_session set last_seen_at = now() where tenant_id = ? and id = ?', [parsed.tenantId, row.session_id]);
  return { id: row.session_id as string, csrfToken: row.csrf_token as string, identity: identityOf(row) };
}

/** Ends the session a cookie names (whoever's it is); unknown cookies are ignored. */
export async function revokeSessionByCookie(em: EntityManager, cookie: string): Promise<void> {
  const parsed = parseCredential(cookie, '');
  if (!parsed) return;
  await em.execute('update user_session set revoked_at = now() where tenant_id = ? and token_hash = ? and revoked_at is null', [parsed.tenantId, parsed.hash]);
}

/** Signs a user out everywhere: on disable, password change or reset. `keep` spares the caller's own session. */
export async function revokeUserSessions(em: EntityManager, tenantId: string, userId: string, keep?: string): Promise<void> {
  await em.execute(
    `update user_session set revoked_at = now() where tenant_id = ? and user_id = ? and revoked_at is null${keep ? ' and id <> ?' : ''}`,
    keep ? [tenantId, userId, keep] : [tenantId, userId],
  );
}
