import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from './passwords.ts';
import { ADMIN_ROLE } from './principal.ts';
import { appendSystemLog } from './system-log.ts';

export const DEFAULT_ADMIN_EMAIL = 'admin@docket.local';

export interface FirstAdminOptions {
  email?: string;
  password?: string;
  /** Shows the generated password; called at most once per install, when it is generated. */
  announce: (message: string) => void;
}

/**
 * Makes sure a tenant has an active administrator. From DOCKET_ADMIN_EMAIL / _PASSWORD when
 * set; otherwise a generated password is announced once and must be changed at first sign-in.
 * Does nothing while an active admin exists, so a restart never resets anyone's password.
 */
export async function ensureFirstAdmin(em: EntityManager, tenantId: string, options: FirstAdminOptions): Promise<{ created: boolean; email?: string }> {
  const [admin] = await em.execute(`select 1 from app_user where tenant_id = ? and status = 'active' and ? = any(roles) limit 1`, [tenantId, ADMIN_ROLE]);
  if (admin) return { created: false };
  if (options.password !== undefined && options.password.length < MIN_PASSWORD_LENGTH)
    throw Object.assign(new Error(`DOCKET_ADMIN_PASSWORD must have at least ${MIN_PASSWORD_LENGTH} characters`), { code: 'WEAK_ADMIN_PASSWORD' });
  const email = (options.email ?? DEFAULT_ADMIN_EMAIL).trim().toLowerCase();
  const password = options.password ?? generatePassword();
  const generated = options.password === undefined;
  const hash = await hashPassword(password);
  // An existing account with that email (e.g. a disabled former admin) is promoted and re-enabled.
  const [user] = await em.execute<{ id: string }[]>(
    `insert into app_user (tenant_id, id, email, name, password_hash, roles, must_change_password)
     values (?, ?, ?, 'Administrator', ?, array[?], ?)
     on conflict (tenant_id, email) do update set status = 'active', password_hash = excluded.password_hash,
       roles = array(select distinct unnest(app_user.roles || excluded.roles)), must_change_password = excluded.must_change_password,
       failed_logins = 0, locked_until = null, updated_at = now()
     returning id`,
    [tenantId, uuidv7(), email, hash, ADMIN_ROLE, generated],
  );
  await appendSystemLog(em, tenantId, {
    action: 'user.bootstrap',
    actor: 'system',
    subject: `user:${user?.id}`,
    details: { email, passwordFrom: generated ? 'generated' : 'DOCKET_ADMIN_PASSWORD' },
  });
  if (generated)
    options.announce(
      [
        '',
        '  ┌──────────────────────────────────────────────────────────────┐',
        '  │ First administrator created. This password is shown ONCE.    │',
        `  │   email:    ${email.padEnd(49)}│`,
        `  │   password: ${password.padEnd(49)}│`,
        '  │ Sign in and change it; set DOCKET_ADMIN_EMAIL/_PASSWORD to   │',
        '  │ choose them yourself on a fresh install.                     │',
        '  └──────────────────────────────────────────────────────────────┘',
        '',
      ].join('\n'),
    );
  return { created: true, email };
}
