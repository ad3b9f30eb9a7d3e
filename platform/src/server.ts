import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DocketContext } from './context.ts';
import { definitionRoutes } from './http/definitions.ts';
import { healthRoutes } from './http/health.ts';
import { ProblemSchema, sendProblem, toProblem } from './http/problem.ts';
import { releaseRoutes } from './http/releases.ts';

export interface ServerOptions {
  logger?: FastifyBaseLogger;
}

/** The HTTP server: one fastify plugin per resource, every route with a schema, errors as problem+json. */
export async function buildServer(ctx: DocketContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: true } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Docket API', version: ctx.version, description: 'Definitions, releases and (soon) tickets of a Docket tenant.' },
      components: { securitySchemes: {} },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.setErrorHandler((error, req, reply) => {
    const problem = toProblem(error, req);
    if (problem.status >= 500) req.log.error({ err: error }, 'request failed');
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
  await app.register(definitionRoutes, { ctx });
  await app.register(releaseRoutes, { ctx });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
