import { type RecordCaller, type RecordFilter, type RecordQuery, RecordService } from '@docket/runtime/records/records.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { principalOf } from '../auth/plugin.ts';
import { can } from '../auth/rules.ts';
import type { DocketContext } from '../context.ts';
import { FILTER_OPS, parseFilterParam } from './filter-param.ts';
import { DateTime, KeyParam, ProblemRef } from './schemas.ts';

export interface RecordRouteOptions {
  ctx: DocketContext;
  /** Injected so the server shares one service (and its definition cache); built from ctx when absent. */
  records?: RecordService;
}

const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Values = Type.Record(Type.String(), Type.Unknown(), { description: 'Custom field values by field key' });
const RecordSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  number: Nullable(Type.String()),
  title: Nullable(Type.String()),
  data: Values,
  version: Type.Integer(),
  release: Type.Integer(),
  createdBy: Type.String(),
  updatedBy: Type.String(),
  createdAt: DateTime,
  updatedAt: DateTime,
});
const PageSchema = Type.Object({ items: Type.Array(RecordSchema), nextCursor: Nullable(Type.String()) });
const Filter = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 130, description: 'data.<field key>, or number, title, createdAt, updatedAt, createdBy, updatedBy' }),
    op: Type.Unsafe<(typeof FILTER_OPS)[number]>({ type: 'string', enum: [...FILTER_OPS] }),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const Paging = {
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Substring of the title or number' })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};
const SortField = Type.Union([Type.Literal('updatedAt'), Type.Literal('createdAt')]);
const Direction = Type.Union([Type.Literal('asc'), Type.Literal('desc')]);
const SearchBody = Type.Object(
  { filters: Type.Optional(Type.Array(Filter, { maxItems: 20 })), sort: Type.Optional(Type.Object({ field: SortField, direction: Direction })), ...Paging },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    filter: Type.Optional(
      Type.Array(Type.String({ maxLength: 1000 }), {
        maxItems: 20,
        description: 'field:op:value, repeatable; `in` takes a comma-separated list. E.g. data.kind:eq:aircon',
      }),
    ),
    sort: Type.Optional(SortField),
    direction: Type.Optional(Direction),
    ...Paging,
  },
  { additionalProperties: false },
);
const TypeParams = Type.Object({ type: KeyParam });
const IdParams = Type.Object({ type: KeyParam, id: Type.String({ format: 'uuid' }) });
const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const tags = ['records'];

/** Who calls, as the record service needs it: sensitive values show only with record:viewSensitive. */
function callerOf(req: FastifyRequest): RecordCaller {
  const p = principalOf(req);
  return { userId: p.userId, viewSensitive: can(p, 'record', 'viewSensitive') };
}

/** `field:op:value` from the query string. */
export const parseRecordFilter = (raw: string, index: number): RecordFilter => parseFilterParam(raw, index, 'INVALID_FILTER') as RecordFilter;

/** REST for generic records: /api/records/:type (list, create) and /api/records/:type/:id (get, patch, delete). */
export const recordRoutes: FastifyPluginAsyncTypebox<RecordRouteOptions> = async (app, { ctx, records }) => {
  const service = records ?? new RecordService(ctx.db.orm);
  const tenant = (req: FastifyRequest) => principalOf(req).tenantId;

  app.get(
    '/api/records/:type',
    {
      config: { auth: { resource: 'record', action: 'read' } },
      schema: {
        summary: 'List records of a type, newest change first',
        description:
          'Filters are typed against the record type: `filter=data.kind:eq:aircon&filter=data.price:gte:1000`. Sensitive values are masked without record:viewSensitive.',
        tags,
        params: TypeParams,
        querystring: ListQuery,
        response: { 200: PageSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const query: RecordQuery = {
        filters: (q.filter ?? []).map(parseRecordFilter),
        ...(q.search ? { search: q.search } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.sort || q.direction ? { sort: { field: q.sort ?? 'updatedAt', direction: q.direction ?? 'desc' } } : {}),
      };
      return service.list(tenant(req), callerOf(req), req.params.type, query);
    },
  );

  app.post(
    '/api/records/:type/search',
    {
      config: { auth: { resource: 'record', action: 'read' } },
      schema: { summary: 'List records with typed filters in the body', tags, params: TypeParams, body: SearchBody, response: { 200: PageSchema, ...errors } },
    },
    async (req) => service.list(tenant(req), callerOf(req), req.params.type, req.body as RecordQuery),
  );

  app.post(
    '/api/records/:type',
    {
      config: { auth: { resource: 'record', action: 'create' } },
      schema: {
        summary: 'Create a record',
        description:
          'Values are checked against the record type of the newest release. 409 UNIQUE_VIOLATION names the fields and the record that holds the value.',
        tags,
        params: TypeParams,
        body: Type.Object({ data: Values }, { additionalProperties: false }),
        response: { 201: RecordSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await service.create(tenant(req), callerOf(req), req.params.type, { data: req.body.data })),
  );

  app.get(
    '/api/records/:type/:id',
    {
      config: { auth: { resource: 'record', action: 'read' } },
      schema: { summary: 'One record', tags, params: IdParams, response: { 200: RecordSchema, ...errors } },
    },
    async (req) => service.get(tenant(req), callerOf(req), req.params.type, req.params.id),
  );

  app.patch(
    '/api/records/:type/:id',
    {
      config: { auth: { resource: 'record', action: 'update' } },
      schema: {
        summary: 'Change some values of a record',
        description: 'Only the values sent change; null clears one. `version` is the version read: a newer one gives 409 CONFLICT.',
        tags,
        params: IdParams,
        body: Type.Object({ version: Type.Integer({ minimum: 1 }), data: Values }, { additionalProperties: false }),
        response: { 200: RecordSchema, ...errors },
      },
    },
    async (req) => service.update(tenant(req), callerOf(req), req.params.type, req.params.id, req.body),
  );

  app.delete(
    '/api/records/:type/:id',
    {
      config: { auth: { resource: 'record', action: 'delete' } },
      schema: {
        summary: 'Delete a record (kept for history; its unique values become free)',
        tags,
        params: IdParams,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.remove(tenant(req), callerOf(req), req.params.type, req.params.id, req.query.version);
      return reply.status(204).send(null);
    },
  );
};
