import { InputError, TenantRepository } from '@docket/runtime';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthError, invalidCredentials } from './errors.ts';
import { type Identity, loadIdentity } from './identity.ts';
import { verifyPassword } from './passwords.ts';
import { createSession, type NewSession } from './sessions.ts';
import type { AuthSettings } from './settings.ts';
import { appendSystemLog } from './system-log.ts';

export interface LoginInput {
  email: string;
  password: string;
  /** Tenant slug; required only when the deployment hosts more than one tenant. */
  tenant?: string;
  ip?: string;
  userAgent?: string;
}

/** The tenant a login names, or the only one there is. Unknown slugs fail like a wrong password. */
async function loginTenant(em: EntityManager, slug: string | undefined): Promise<string | undefined> {
  const tenants = await new TenantRepository().list(em);
  if (slug !== undefined) return tenants.find((t) => t.slug === slug)?.id;
  if (tenants.length > 1)
    throw new InputError('TENANT_REQUIRED', 'This deployment hosts several tenants: send "tenant" (the tenant slug) with the login', {
      errors: [{ field: 'tenant', pointer: '/tenant', code: 'TENANT_REQUIRED', message: 'tenant is required' }],
    });
  return tenants[0]?.id;
}

/**
 * Checks a password with per-account lockout: `lockoutAttempts` consecutive failures lock the
 * account for `lockoutMs` (even the right password is refused meanwhile). Unknown emails,
 * disabled users and wrong passwords all get INVALID_CREDENTIALS after the same argon2 work.
 */
export async function login(em: EntityManager, input: LoginInput, settings: AuthSettings): Promise<{ identity: Identity; session: NewSession }> {
  const tenantId = await loginTenant(em, input.tenant);
  const email = input.email.trim().toLowerCase();
  const log = (action: string, user: { id: string } | undefined, details: Record<string, unknown> = {}) =>
    tenantId
      ? appendSystemLog(em, tenantId, {
          action,
          actorId: user?.id ?? null,
          actor: email,
          subject: user ? `user:${user.id}` : `email:${email}`,
          ip: input.ip,
          details,
        })
      : Promise.resolve();
  const [user] = tenantId
    ? await em.execute<{ id: string; password_hash: string | null; status: string; locked_for: number | null }[]>(
        `select id, password_hash, status, ceil(extract(epoch from locked_until - now()))::int as locked_for
           from app_user where tenant_id = ? and email = ?`,
        [tenantId, email],
      )
    : [];
  if (user && user.locked_for !== null && user.locked_for > 0) {
    await log('login.locked', user);
    throw new AuthError(429, 'ACCOUNT_LOCKED', 'Too many failed sign-ins: this account is locked for a while', user.locked_for);
  }
  const active = user?.status === 'active';
  const ok = await verifyPassword(active ? user.password_hash : null, input.password);
  if (!ok || !user || !tenantId) {
    if (user && active) {
      // Atomic, so concurrent guesses all count; the counter restarts once the lock is set.
      const [after] = await em.execute<{ locked: boolean }[]>(
        `update app_user set
           failed_logins = case when failed_logins + 1 >= ? then 0 else failed_logins + 1 end,
           locked_until = case when failed_logins + 1 >= ? then now() + (? * interval '1 millisecond') else locked_until end
         where tenant_id = ? and id = ? returning locked_until > now() as locked`,
        [settings.lockoutAttempts, settings.lockoutAttempts, settings.lockoutMs, tenantId, user.id],
      );
      await log('login.failed', user, { reason: 'password', locked: after?.locked === true });
    } else await log('login.failed', user, { reason: user ? 'disabled' : 'unknown email' });
    throw invalidCredentials();
  }
  await em.execute('update app_user set failed_logins = 0, locked_until = null where tenant_id = ? and id = ?', [tenantId, user.id]);
  const identity = (await loadIdentity(em, tenantId, user.id)) as Identity;
  const session = await createSession(em, tenantId, user.id, input, settings);
  await log('login.ok', user, { session: session.id });
  return { identity, session };
}
