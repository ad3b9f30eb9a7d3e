import { DocketError, InputError } from '@docket/runtime';
import type { TicketServiceApi } from '@docket/runtime/records/tickets-api.ts';
import type { FastifyPluginAsync } from 'fastify';
import { GraphQLError } from 'graphql';
import mercurius from 'mercurius';
import type { DocketContext } from '../context.ts';
import { sendProblem, toProblem } from '../http/problem.ts';
import { type GraphqlRecords, requestContext } from './context.ts';
import { DEFAULT_LIMITS, limitRules, type QueryLimits } from './limits.ts';
import { ticketLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { SCHEMA } from './schema.ts';

export interface GraphqlOptions {
  ctx?: DocketContext;
  tickets: TicketServiceApi;
  records: GraphqlRecords;
  /** GraphiQL at /graphiql (outside /api, unauthenticated page; queries still need a session); default off. */
  graphiql?: boolean;
  limits?: Partial<QueryLimits>;
  /** Default /api/graphql. */
  path?: string;
  customerType?: string;
  productType?: string;
}

const STATUS_OF: Record<string, number> = { NOT_FOUND: 404, FORBIDDEN: 403, CONFLICT: 409 };

/** Service errors keep their stable code in `extensions.code`, as REST keeps it in problem+json. */
function withCode(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (!(original instanceof DocketError) || error.extensions?.code) return error;
  const details = original instanceof InputError ? (original.details ?? {}) : {};
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    originalError: original,
    extensions: { ...details, code: original.code, ...(STATUS_OF[original.code] ? { status: STATUS_OF[original.code] } : {}) },
  });
}

/**
 * The GraphQL read API at /api/graphql: signed-in callers only (the route's auth rule), queries
 * checked for depth and cost before they run, relations batched per request.
 */
export const graphqlPlugin: FastifyPluginAsync<GraphqlOptions> = async (app, options) => {
  const limits: QueryLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const services = {
    tickets: options.tickets,
    records: options.records,
    customerType: options.customerType ?? 'customer',
    productType: options.productType ?? 'product',
  };
  const path = options.path ?? '/api/graphql';
  // The OpenAPI document lists the GraphQL endpoint too; its contract is the schema in docs/graphql.md.
  app.addHook('onRoute', (route) => {
    if (route.url === path) route.schema = { ...route.schema, summary: 'GraphQL read API: tickets, records and their relations', tags: ['graphql'] };
  });
  const formatError = (execution: Parameters<typeof mercurius.defaultErrorFormatter>[0], ctx: Parameters<typeof mercurius.defaultErrorFormatter>[1]) =>
    mercurius.defaultErrorFormatter({ ...execution, errors: execution.errors.map(withCode) }, ctx);
  await app.register(mercurius, {
    schema: SCHEMA,
    resolvers: resolvers(services) as never,
    loaders: ticketLoaders(services) as never,
    context: (req) => requestContext(req),
    path,
    graphiql: options.graphiql ?? false,
    // The rules read each request's variables (first: $n), which rules out mercurius' query cache.
    cache: false,
    validationRules: ({ variables }) => limitRules(limits, variables ?? {}),
    allowBatchedQueries: false,
    additionalRouteOptions: { config: { auth: { authenticated: true } } },
    errorFormatter: formatError,
    // Refusals of the auth hook (401, 403 CSRF) answer as on every other route: problem+json.
    errorHandler: async (error, req, reply) => {
      if (error instanceof DocketError) {
        await sendProblem(reply, toProblem(error, req));
        return;
      }
      const gql = error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
      const { statusCode, response } = formatError({ data: null, errors: [gql] }, { reply } as never);
      await reply.code(statusCode).send(response);
    },
  });
};
