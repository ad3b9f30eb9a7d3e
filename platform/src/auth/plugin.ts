import { ForbiddenError } from '@docket/runtime';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, unauthenticated } from './errors.ts';
import { buildPrincipal } from './principal.ts';
import type { RoleCatalog } from './role-catalog.ts';
import { type AuthRule, can, type Principal } from './rules.ts';
import { safeEqual } from './secrets.ts';
import { findSession, SESSION_COOKIE } from './sessions.ts';
import type { AuthSettings } from './settings.ts';
import { findApiToken } from './tokens.ts';

export interface AuthDeps {
  orm: MikroORM;
  settings: AuthSettings;
  roles: RoleCatalog;
}

/** The cookie session behind a request (null for bearer tokens and anonymous callers). */
export interface RequestSession {
  id: string;
  csrfToken: string;
  mustChangePassword: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    authSession: RequestSession | null;
  }
}

export const SECURITY_SCHEMES = {
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'Set by POST /api/auth/login; unsafe methods also need the x-csrf-token header',
  },
  bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'dkt_…', description: 'A scoped API token from POST /api/tokens' },
} as const;
const SIGNED_IN: { [scheme: string]: string[] }[] = [{ cookieAuth: [] }, { bearerAuth: [] }];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Swagger UI and the OpenAPI document are readable by anyone. */
const isDocs = (url: string) => url === '/api/docs' || url.startsWith('/api/docs/') || url === '/api/openapi.json';

/**
 * Authentication and authorization for every /api route, in one place: refuses to register a
 * route without `config.auth`, documents its security in OpenAPI, resolves `req.principal`
 * from the session cookie or a bearer token, checks CSRF for cookie sessions, and enforces the rule.
 */
export async function installAuth(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new AuthError(429, 'RATE_LIMITED', `Too many attempts from this address; retry in ${ctx.after}`, Math.max(1, Math.ceil(ctx.ttl / 1000))),
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('authSession', null);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api') || isDocs(route.url)) return;
    const rule = route.config?.auth;
    if (!rule) throw new Error(`${route.method} ${route.url} declares no config.auth: every /api route must say who may call it`);
    route.schema = { ...route.schema, security: 'public' in rule ? [] : SIGNED_IN };
  });

  app.addHook('onRequest', async (req) => {
    const rule = req.routeOptions.config?.auth;
    if (!rule || 'public' in rule) return;
    const principal = await resolvePrincipal(req, deps);
    if (!principal) throw unauthenticated();
    req.principal = principal;
    const session = req.authSession;
    if (session && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken))
        throw new ForbiddenError('Cookie-authenticated changes need the x-csrf-token header (from the login response or GET /api/me)', {}, 'CSRF_MISMATCH');
    }
    enforce(rule, principal, session);
  });
}

function enforce(rule: AuthRule, principal: Principal, session: RequestSession | null): void {
  if ('authenticated' in rule) return;
  if (session?.mustChangePassword) throw new ForbiddenError('Change your password first (POST /api/me/password)', {}, 'PASSWORD_CHANGE_REQUIRED');
  if ('resource' in rule && !can(principal, rule.resource, rule.action)) {
    const required = `${rule.resource}:${rule.action}`;
    throw new ForbiddenError(`This needs the permission ${required}`, { required }, 'FORBIDDEN');
  }
}

/** Bearer token when an Authorization header is sent (a bad one is refused, never ignored), else the session cookie. */
async function resolvePrincipal(req: FastifyRequest, deps: AuthDeps): Promise<Principal | null> {
  const em = deps.orm.em.fork();
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    const found = bearer ? await findApiToken(em, bearer) : undefined;
    if (!found) throw unauthenticated('The bearer token is malformed, unknown, expired or revoked');
    return buildPrincipal(found.identity, await deps.roles.get(em, found.identity.tenantId, found.identity.release), 'token', found.scopes);
  }
  const value = req.cookies[SESSION_COOKIE];
  if (!value) return null;
  const found = await findSession(em, value, deps.settings);
  if (!found) return null;
  req.authSession = { id: found.id, csrfToken: found.csrfToken, mustChangePassword: found.identity.mustChangePassword };
  return buildPrincipal(found.identity, await deps.roles.get(em, found.identity.tenantId, found.identity.release), 'session');
}

/** The caller of a route whose rule is not public (the hook has already refused anonymous callers). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthenticated();
  return req.principal;
}

/** Attributes for the session cookie: HTTP-only, SameSite=Lax, Secure over https or when configured. */
export function cookieOptions(req: FastifyRequest, settings: AuthSettings, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: settings.cookieSecure || req.protocol === 'https',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}
