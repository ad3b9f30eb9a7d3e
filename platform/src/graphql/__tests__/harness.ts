import { DocketError, ForbiddenError } from '@docket/runtime';
import { fullAccess, type TicketAccess } from '@docket/runtime/records/access.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { can, type Principal } from '../../auth/rules.ts';
import { ProblemSchema, sendProblem, toProblem } from '../../http/problem.ts';

/** A signed-in caller of a tenant; `permissions` as "resource:action" grants. */
export function principal(tenantId: string, userId: string, options: { permissions?: string[]; admin?: boolean; access?: TicketAccess } = {}): Principal {
  return {
    tenantId,
    userId,
    email: `${userId}@example.com`,
    name: userId,
    roles: [],
    teams: [],
    orgUnits: [],
    posts: [],
    admin: options.admin ?? false,
    portal: false,
    contactId: null,
    via: 'token',
    tokenScopes: null,
    permissions: new Set(options.permissions ?? []),
    access: options.access ?? fullAccess(userId),
    actor: { id: userId, admin: options.admin ?? false },
    release: null,
  };
}

class Unauthenticated extends DocketError {
  readonly statusCode = 401;
}

/**
 * A server like buildServer's (same ajv options, problem+json errors) whose callers are looked up
 * by the `x-test-user` header. It stands in for platform/src/auth/plugin.ts so these suites test
 * their own routes; the rule checks (401 anonymous, 403 without the permission) are the same.
 */
export async function testServer(callers: Record<string, Principal>, register: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(ProblemSchema);
  app.decorateRequest('principal', null);
  app.setErrorHandler((error, req, reply) => sendProblem(reply, toProblem(error, req)));
  app.addHook('onRequest', async (req) => {
    const rule = req.routeOptions.config?.auth;
    if (!rule || 'public' in rule) return;
    const caller = callers[String(req.headers['x-test-user'] ?? '')];
    if (!caller) throw new Unauthenticated('UNAUTHENTICATED', 'Sign in first');
    req.principal = caller;
    if ('resource' in rule && !can(caller, rule.resource, rule.action)) throw new ForbiddenError(`This needs the permission ${rule.resource}:${rule.action}`);
  });
  await register(app);
  await app.ready();
  return app;
}
