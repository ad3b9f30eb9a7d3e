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
 * disabled users and wrong passwords all get INVALID_CREDENTIALS after the same argon2 work,
 * and emails that are no account lock the same way (`login_throttle`), so neither the answer
 * nor its timing tells a guesser which emails exist.
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
  const lockedFor = user ? user.locked_for : tenantId ? await unknownEmailLock(em, tenantId, email) : null;
  if (lockedFor !== null && lockedFor > 0) {
    await verifyPassword(null, input.password);
    await log('login.locked', user);
    throw new AuthError(429, 'ACCOUNT_LOCKED', 'Too many failed sign-ins: this account is locked for a while', lockedFor);
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
    } else {
      if (!user && tenantId) await countUnknownEmail(em, tenantId, email, settings);
      await log('login.failed', user, { reason: user ? 'disabled' : 'unknown email' });
    }
    throw invalidCredentials();
  }
  await em.execute('update app_user set failed_logins = 0, locked_until = null where tenant_id = ? and id = ?', [tenantId, user.id]);
  const identity = (await loadIdentity(em, tenantId, user.id)) as Identity;
  const session = await createSession(em, tenantId, user.id, input, settings);
  await log('login.ok', user, { session: session.id });
  return { identity, session };
}

/** Seconds an email that is no account stays locked (null: not locked). */
async function unknownEmailLock(em: EntityManager, tenantId: string, email: string): Promise<number | null> {
  const [row] = await em.execute<{ locked_for: number | null }[]>(
    'select ceil(extract(epoch from locked_until - now()))::int as locked_for from login_throttle where tenant_id = ? and email = ?',
    [tenantId, email],
  );
  return row?.locked_for ?? null;
}

/** Counts a failure for an email that is no account, as `app_user.failed_logins` counts an account's. */
async function countUnknownEmail(em: EntityManager, tenantId: string, email: string, settings: AuthSettings): Promise<void> {
  await em.execute(
    `insert into login_throttle as l (tenant_id, email, failures, locked_until) values (?, ?, 1, case when 1 >= ? then now() + (? * interval '1 millisecond') end)
     on conflict (tenant_id, email) do update set
       failures = case when l.failures + 1 >= ? then 0 else l.failures + 1 end,
       locked_until = case when l.failures + 1 >= ? then now() + (? * interval '1 millisecond') else l.locked_until end,
       updated_at = now()`,
    [tenantId, email, settings.lockoutAttempts, settings.lockoutMs, settings.lockoutAttempts, settings.lockoutAttempts, settings.lockoutMs],
  );
  // Forgotten after a day, so guessing many emails does not grow the table without end.
  await em.execute(
    `delete from login_throttle where tenant_id = ? and updated_at < now() - interval '1 day' and (locked_until is null or locked_until < now())`,
    [tenantId],
  );
}
