import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue } from '@docket/runtime';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type AuthDeps, installAuth, SECURITY_SCHEMES } from './auth/plugin.ts';
import { RoleCatalog } from './auth/role-catalog.ts';
import type { AuthRule } from './auth/rules.ts';
import { type AuthSettings, DEFAULT_AUTH_SETTINGS } from './auth/settings.ts';
import type { DocketContext } from './context.ts';
import { graphqlPlugin } from './graphql/index.ts';
import { authRoutes } from './http/auth.ts';
import { definitionRoutes } from './http/definitions.ts';
import { healthRoutes } from './http/health.ts';
import { orgRoutes } from './http/org.ts';
import { personalDataRoutes } from './http/personal-data.ts';
import { portalRoutes } from './http/portal.ts';
import { ProblemSchema, sendProblem, toProblem } from './http/problem.ts';
import { recordRoutes } from './http/records.ts';
import { releaseRoutes } from './http/releases.ts';
import { systemLogRoutes } from './http/system-log.ts';
import { ticketRoutes } from './http/tickets.ts';
import { tokenRoutes } from './http/tokens.ts';
import { userRoutes } from './http/users.ts';
import { webhookRoutes } from './http/webhooks.ts';
import { createServices, type ServiceOptions, type Services } from './services.ts';

/** One registered route as the authorization-matrix test and the docs see it. */
export interface RouteEntry {
  method: string;
  url: string;
  auth: AuthRule | undefined;
  hasSchema: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered under /api, in registration order. */
    docketRoutes: RouteEntry[];
  }
}

export interface ServerOptions {
  logger?: FastifyBaseLogger;
  /**
   * The runtime services (job queue, ticket and record services, webhooks). `docket start` passes
   * the ones its engine workers share; without them the server starts a job queue of its own,
   * stopped when the server closes (tests).
   */
  services?: Services;
  /** Used only when `services` is absent. */
  serviceOptions?: Partial<ServiceOptions>;
  /** Sign-in settings (lockout, session lifetime, login rate limit); defaults in auth/settings.ts. */
  auth?: Partial<AuthSettings>;
  /**
   * Which proxies' X-Forwarded-For / -Proto to believe (fastify's `trustProxy`): a hop count,
   * or addresses and CIDR ranges. Unset: none, so the client address is the socket's.
   */
  trustProxy?: number | string[];
}

/** The HTTP server: one fastify plugin per resource, every route with a schema and an auth rule, errors as problem+json. */
export async function buildServer(ctx: DocketContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  // A hop count trusts that many proxies nearest the server.
  const hops = options.trustProxy;
  const trustProxy = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: true } },
    return503OnClosing: true,
    ...(trustProxy !== undefined ? { trustProxy } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const auth: AuthDeps = { orm: ctx.db.orm, settings: { ...DEFAULT_AUTH_SETTINGS, ...options.auth }, roles: new RoleCatalog() };
  const routes: RouteEntry[] = [];
  app.decorate('docketRoutes', routes);
  app.addHook('onRoute', (r) => {
    if (!r.url.startsWith('/api')) return;
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: r.url, auth: r.config?.auth, hasSchema: Boolean(r.schema && !r.schema.hide) });
    }
  });
  // Before any route: its onRoute hook refuses /api routes without config.auth.
  await installAuth(app, auth);
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Docket API',
        version: ctx.version,
        description: 'Tickets, records, forms, users and org data, webhooks, definitions and releases of a Docket tenant. GraphQL read API at /api/graphql.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.setErrorHandler((error, req, reply) => {
    const problem = toProblem(error, req);
    if (problem.status >= 500) req.log.error({ err: error }, 'request failed');
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (retryAfter) reply.header('retry-after', String(retryAfter));
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, {
      type: 'urn:docket:error:NOT_FOUND',
      title: 'Not Found',
      status: 404,
      code: 'NOT_FOUND',
      detail: `No route ${req.method} ${req.url.split('?')[0]}`,
      instance: req.url,
    }),
  );

  await app.register(healthRoutes, { ctx });
  await app.register(authRoutes, { auth });
  await app.register(userRoutes, { auth, ...(ctx.directory ? { directory: ctx.directory } : {}) });
  await app.register(orgRoutes, { auth });
  await app.register(tokenRoutes, { auth });
  await app.register(systemLogRoutes, { auth });
  await app.register(definitionRoutes, { ctx });
  await app.register(releaseRoutes, { ctx });
  let services = options.services;
  if (!services) {
    const queue = await JobQueue.start(ctx.db, { log: () => {} });
    app.addHook('onClose', () => queue.stop({ graceful: false }));
    services = await createServices(ctx, queue, { dataDir: join(tmpdir(), 'docket-test-files'), ...options.serviceOptions });
  }
  await app.register(ticketRoutes, {
    tickets: services.tickets,
    ...(options.serviceOptions?.maxUploadBytes ? { maxUploadBytes: options.serviceOptions.maxUploadBytes } : {}),
  });
  await app.register(recordRoutes, { ctx, records: services.records });
  await app.register(webhookRoutes, { webhooks: services.webhooks });
  await app.register(graphqlPlugin, { ctx, tickets: services.tickets, records: services.records });
  await app.register(portalRoutes, { auth, records: services.records });
  await app.register(personalDataRoutes, { ctx, records: services.records, tickets: services.tickets });
  app.get('/api/openapi.json', { config: { auth: { public: true } }, schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
