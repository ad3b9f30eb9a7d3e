import { ForbiddenError, InputError } from '@docket/runtime';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { login } from '../auth/login.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { type AuthDeps, cookieOptions, principalOf } from '../auth/plugin.ts';
import { buildPrincipal } from '../auth/principal.ts';
import type { Principal } from '../auth/rules.ts';
import { MeSchema, NewPassword } from '../auth/schemas.ts';
import { revokeSessionByCookie, SESSION_COOKIE } from '../auth/sessions.ts';
import { appendSystemLog } from '../auth/system-log.ts';
import { setPassword } from '../auth/users-store.ts';
import { ProblemRef } from './schemas.ts';

const me = (p: Principal, csrfToken: string | null, mustChangePassword: boolean) => ({
  user: { id: p.userId, email: p.email, name: p.name, mustChangePassword },
  tenantId: p.tenantId,
  roles: p.roles,
  teams: p.teams,
  orgUnits: p.orgUnits,
  posts: p.posts,
  permissions: [...p.permissions].sort(),
  admin: p.admin,
  portal: p.portal,
  contactId: p.contactId,
  via: p.via,
  csrfToken,
});

/** Sign-in, sign-out and the caller's own account. */
export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthDeps }> = async (app, { auth }) => {
  const { orm, settings } = auth;

  app.post(
    '/api/auth/login',
    {
      config: { auth: { public: true }, rateLimit: { max: settings.loginRateLimit, timeWindow: 60_000 } },
      schema: {
        summary: 'Sign in with email and password',
        description:
          'Sets the HTTP-only `docket_session` cookie (a new session every time) and returns the CSRF token to send as `x-csrf-token` on changes. ' +
          `Wrong email or password: 401 INVALID_CREDENTIALS. ${settings.lockoutAttempts} failures in a row lock the account for ${settings.lockoutMs / 60_000} minutes (429 ACCOUNT_LOCKED); ` +
          `more than ${settings.loginRateLimit} attempts a minute from one address: 429 RATE_LIMITED.`,
        tags: ['auth'],
        body: Type.Object(
          {
            email: Type.String({ minLength: 1, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Tenant slug; required when the deployment hosts several tenants' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MeSchema, 400: ProblemRef, 401: ProblemRef, 429: ProblemRef },
      },
    },
    async (req, reply) => {
      const em = orm.em.fork();
      // A cookie sent along (perhaps planted) is ended, never upgraded: no session fixation.
      const previous = req.cookies[SESSION_COOKIE];
      if (previous) await revokeSessionByCookie(em, previous);
      const { identity, session } = await login(em, { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] }, settings);
      const principal = buildPrincipal(identity, await auth.roles.get(em, identity.tenantId, identity.release), 'session');
      reply.setCookie(SESSION_COOKIE, session.cookie, cookieOptions(req, settings, Math.floor(settings.sessionMaxMs / 1000)));
      return me(principal, session.csrfToken, identity.mustChangePassword);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { auth: { authenticated: true } },
      schema: { summary: 'Sign out: ends the session and clears its cookie', tags: ['auth'], response: { 204: Type.Null(), 401: ProblemRef, 403: ProblemRef } },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const cookie = req.cookies[SESSION_COOKIE];
      if (p.via === 'session' && cookie) {
        const em = orm.em.fork();
        await revokeSessionByCookie(em, cookie);
        await appendSystemLog(em, p.tenantId, { action: 'logout', actorId: p.userId, actor: p.email, subject: `user:${p.userId}`, ip: req.ip });
      }
      reply.clearCookie(SESSION_COOKIE, cookieOptions(req, settings));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      config: { auth: { authenticated: true } },
      schema: {
        summary: 'The signed-in user: roles, teams, org units, posts, permissions and the CSRF token',
        tags: ['auth'],
        response: { 200: MeSchema, 401: ProblemRef },
      },
    },
    async (req) => me(principalOf(req), req.authSession?.csrfToken ?? null, req.authSession?.mustChangePassword ?? false),
  );

  app.post(
    '/api/me/password',
    {
      config: { auth: { authenticated: true } },
      schema: {
        summary: 'Change your own password',
        description: 'Ends your other sessions; this one stays signed in.',
        tags: ['auth'],
        body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: NewPassword }, { additionalProperties: false }),
        response: { 204: Type.Null(), 400: ProblemRef, 401: ProblemRef, 403: ProblemRef },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (p.via !== 'session') throw new ForbiddenError('Passwords are changed from a signed-in session, not with an API token', {}, 'SESSION_REQUIRED');
      const em = orm.em.fork();
      const [row] = await em.execute<{ password_hash: string | null }[]>('select password_hash from app_user where tenant_id = ? and id = ?', [
        p.tenantId,
        p.userId,
      ]);
      const wrong = (code: string, message: string, field: string) =>
        new InputError(code, message, { errors: [{ field, pointer: `/${field}`, code, message }] });
      if (!(await verifyPassword(row?.password_hash, req.body.currentPassword)))
        throw wrong('WRONG_PASSWORD', 'The current password is wrong', 'currentPassword');
      if (req.body.newPassword === req.body.currentPassword)
        throw wrong('PASSWORD_UNCHANGED', 'The new password must differ from the current one', 'newPassword');
      await em.transactional(async (tx) => {
        await setPassword(tx, p.tenantId, p.userId, req.body.newPassword, { reset: false, keepSession: req.authSession?.id });
        await appendSystemLog(tx, p.tenantId, { action: 'user.password.changed', actorId: p.userId, actor: p.email, subject: `user:${p.userId}`, ip: req.ip });
      });
      return reply.status(204).send(null);
    },
  );
};
