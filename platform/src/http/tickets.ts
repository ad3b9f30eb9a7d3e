import { InputError } from '@docket/runtime';
import type { TicketService } from '@docket/runtime/records/tickets.ts';
import type { TicketCaller, TicketFilter, TicketQuery, TicketServiceApi } from '@docket/runtime/records/tickets-api.ts';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { parseFilterParam } from './filter-param.ts';
import { localeOf } from './problem.ts';
import { ProblemRef } from './schemas.ts';
import {
  ActionBody,
  AttachmentSchema,
  BulkResultSchema,
  CommentSchema,
  NewTicketBody,
  SearchBody,
  TicketDetailSchema,
  TicketId,
  TicketPageSchema,
  TicketUpdateBody,
  View,
} from './ticket-schemas.ts';

export interface TicketRouteOptions {
  tickets: TicketServiceApi & Pick<TicketService, 'upload' | 'work'>;
  /** Largest upload accepted, in bytes (fields may set smaller limits). */
  maxUploadBytes?: number;
}

const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const Params = Type.Object({ id: TicketId });
const tags = ['tickets'];

/** The caller as the ticket service sees it: the engine's actor plus data scopes and field permissions. */
export function callerOf(req: FastifyRequest): TicketCaller {
  const p = req.principal;
  if (!p) throw new InputError('UNAUTHENTICATED', 'sign in first');
  return { actor: p.actor, access: p.access, locale: localeOf(req), portal: p.portal, ...(p.release ? { release: p.release } : {}) };
}

/** `field:op:value` from the query string; `in` takes a comma-separated list. */
export const parseFilter = (raw: string, index = 0): TicketFilter => parseFilterParam(raw, index, 'BAD_FILTER');

async function filePart(req: FastifyRequest) {
  if (!req.isMultipart()) throw new InputError('MULTIPART_REQUIRED', 'send the file as multipart/form-data with a part named "file"');
  const part = await req.file();
  if (!part) throw new InputError('FILE_MISSING', 'no file part in the upload', { part: 'file' });
  return part;
}

export const ticketRoutes: FastifyPluginAsyncTypebox<TicketRouteOptions> = async (app, { tickets, maxUploadBytes = 50 * 1024 * 1024 }) => {
  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: 1, fields: 5, parts: 6 } });
  const tenant = (req: FastifyRequest) => (req.principal as NonNullable<FastifyRequest['principal']>).tenantId;

  app.post(
    '/api/tickets',
    {
      config: { auth: { resource: 'ticket', action: 'create' } },
      schema: {
        summary: 'Create a ticket: the form is validated against the ticket type, the number allocated and the process started',
        tags,
        body: NewTicketBody,
        response: { 201: TicketDetailSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await tickets.create(tenant(req), callerOf(req), req.body)),
  );

  app.get(
    '/api/tickets',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'List tickets in the caller’s data scope: views, filters on system and custom fields, full-text search, cursor pages',
        tags,
        querystring: Type.Object(
          {
            type: Type.Optional(Type.String({ maxLength: 120 })),
            view: Type.Optional(View),
            statusCategory: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 6 })),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Full-text search (Chinese and English)' })),
            filter: Type.Optional(
              Type.Array(Type.String({ maxLength: 500 }), { maxItems: 20, description: 'field:op:value, e.g. data.amount:gte:100 or priority:in:high,urgent' }),
            ),
            sort: Type.Optional(Type.String({ pattern: '^-?[A-Za-z_][\\w.]{0,129}$', description: 'field, or -field for descending' })),
            cursor: Type.Optional(Type.String({ maxLength: 2000 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: TicketPageSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const query: TicketQuery = {
        ...(q.type ? { type: q.type } : {}),
        ...(q.view ? { view: q.view } : {}),
        ...(q.statusCategory ? { statusCategory: q.statusCategory } : {}),
        ...(q.q ? { search: q.q } : {}),
        ...(q.filter ? { filters: q.filter.map((f, i) => parseFilter(f, i)) } : {}),
        ...(q.sort ? { sort: { field: q.sort.replace(/^-/, ''), direction: q.sort.startsWith('-') ? ('desc' as const) : ('asc' as const) } } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        limit: q.limit ?? 50,
      };
      return tickets.list(tenant(req), callerOf(req), query);
    },
  );

  app.post(
    '/api/tickets/search',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'The list with typed filters as JSON (same rules as GET /api/tickets)',
        tags,
        body: SearchBody,
        response: { 200: TicketPageSchema, ...errors },
      },
    },
    async (req) => tickets.list(tenant(req), callerOf(req), req.body as TicketQuery),
  );

  app.get(
    '/api/tickets/:id',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'One ticket with its current steps and the actions the caller may take',
        tags,
        params: Params,
        response: { 200: TicketDetailSchema, ...errors },
      },
    },
    async (req) => tickets.get(tenant(req), callerOf(req), req.params.id),
  );

  app.patch(
    '/api/tickets/:id',
    {
      config: { auth: { resource: 'ticket', action: 'update' } },
      schema: {
        summary: 'Change fields the caller may edit at the current step',
        tags,
        params: Params,
        body: TicketUpdateBody,
        response: { 200: TicketDetailSchema, ...errors },
      },
    },
    async (req) => tickets.update(tenant(req), callerOf(req), req.params.id, req.body),
  );

  app.post(
    '/api/tickets/:id/actions',
    {
      // Reading the ticket is the gate; the step decides who may act (assignee, candidates, admins).
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Run a process action on a current step (complete, assign, approve, pause …)',
        tags,
        params: Params,
        body: ActionBody,
        response: { 200: TicketDetailSchema, ...errors },
      },
    },
    async (req) => tickets.act(tenant(req), callerOf(req), req.params.id, req.body),
  );

  app.get(
    '/api/tickets/:id/comments',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Comments (portal users see customer-visible ones only)',
        tags,
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(CommentSchema) }), ...errors },
      },
    },
    async (req) => ({ items: await tickets.comments(tenant(req), callerOf(req), req.params.id) }),
  );

  app.post(
    '/api/tickets/:id/comments',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Add a comment, internal or visible to the customer',
        tags,
        params: Params,
        body: Type.Object(
          { body: Type.String({ minLength: 1, maxLength: 20000 }), visibility: Type.Optional(Type.Union([Type.Literal('internal'), Type.Literal('public')])) },
          { additionalProperties: false },
        ),
        response: { 201: CommentSchema, ...errors },
      },
    },
    async (req, reply) => {
      const visibility = req.body.visibility ?? (req.principal?.portal ? 'public' : 'internal');
      return reply.status(201).send(await tickets.comment(tenant(req), callerOf(req), req.params.id, { body: req.body.body, visibility }));
    },
  );

  app.post(
    '/api/tickets/:id/attachments',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Upload one file (multipart/form-data: `file`, optional `field` naming the attachment field)',
        tags,
        consumes: ['multipart/form-data'],
        params: Params,
        response: { 201: AttachmentSchema, 413: ProblemRef, 415: ProblemRef, ...errors },
      },
    },
    async (req, reply) => {
      const part = await filePart(req);
      const bytes = await part.toBuffer();
      const fieldValue = part.fields.field;
      const field = fieldValue && 'value' in fieldValue ? String(fieldValue.value) : undefined;
      const saved = await tickets.attach(tenant(req), callerOf(req), req.params.id, {
        filename: part.filename,
        contentType: part.mimetype,
        bytes,
        ...(field ? { field } : {}),
      });
      return reply.status(201).send(saved);
    },
  );

  app.post(
    '/api/files',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Upload a file for a form field (multipart/form-data: `file`); put the returned id in an attachment or signature value',
        tags,
        consumes: ['multipart/form-data'],
        response: {
          201: Type.Object({
            id: Type.String(),
            sha256: Type.String(),
            size: Type.Integer(),
            contentType: Type.String({ description: 'As the content shows it, not as the client said' }),
            filename: Type.String(),
            uploadedBy: Type.String(),
            createdAt: Type.String(),
          }),
          413: ProblemRef,
          415: ProblemRef,
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const part = await filePart(req);
      const bytes = await part.toBuffer();
      return reply.status(201).send(await tickets.upload(tenant(req), callerOf(req), { filename: part.filename, contentType: part.mimetype, bytes }));
    },
  );

  app.get(
    '/api/tickets/:id/attachments/:attachmentId',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Download an attachment by its attachment id or by the fileId a field value names (authorized like its ticket)',
        tags,
        params: Type.Object({ id: TicketId, attachmentId: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), ...errors },
      },
    },
    async (req, reply) => {
      const { attachment, bytes } = await tickets.download(tenant(req), callerOf(req), req.params.id, req.params.attachmentId);
      const inline = /^(image|video)\//.test(attachment.contentType) || attachment.contentType === 'application/pdf';
      return reply
        .type(attachment.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`)
        .send(bytes);
    },
  );

  app.get(
    '/api/tickets/:id/history',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Audit history of the ticket (sensitive values masked)',
        tags,
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(Type.Object({}, { additionalProperties: true })) }), ...errors },
      },
    },
    async (req) => ({ items: (await tickets.history(tenant(req), callerOf(req), req.params.id)) as Record<string, unknown>[] }),
  );

  app.post(
    '/api/tickets/:id/rating',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Rate a resolved ticket (回访评分): the registrant in the portal, or staff who may change tickets',
        tags,
        params: Params,
        body: Type.Object(
          { rating: Type.Number({ minimum: 1, maximum: 5, multipleOf: 0.5 }), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ rating: Type.Number(), comment: Type.Union([Type.String(), Type.Null()]), ratedAt: Type.String() }), ...errors },
      },
    },
    async (req) => tickets.work.rate(tenant(req), callerOf(req), req.params.id, req.body),
  );

  const TimeRecordSchema = Type.Object({
    id: Type.String(),
    userId: Type.String(),
    minutes: Type.Integer(),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    endedAt: Type.Union([Type.String(), Type.Null()]),
    note: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
  });
  app.post(
    '/api/tickets/:id/time',
    {
      config: { auth: { resource: 'ticket', action: 'update' } },
      schema: {
        summary: 'Record time worked on the ticket: minutes, or a start and an end',
        tags,
        params: Params,
        body: Type.Object(
          {
            minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
            startedAt: Type.Optional(Type.String({ format: 'date-time' })),
            endedAt: Type.Optional(Type.String({ format: 'date-time' })),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: TimeRecordSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await tickets.work.logTime(tenant(req), callerOf(req), req.params.id, req.body)),
  );
  app.get(
    '/api/tickets/:id/time',
    {
      config: { auth: { resource: 'ticket', action: 'read' } },
      schema: {
        summary: 'Time recorded on the ticket, with the total',
        tags,
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(TimeRecordSchema), totalMinutes: Type.Integer() }), ...errors },
      },
    },
    async (req) => tickets.work.timeRecords(tenant(req), callerOf(req), req.params.id),
  );

  app.post(
    '/api/tickets/bulk/assign',
    {
      config: { auth: { resource: 'ticket', action: 'assign' } },
      schema: {
        summary: 'Reassign many tickets; one result per ticket',
        tags,
        body: Type.Object(
          { ids: Type.Array(TicketId, { minItems: 1, maxItems: 500, uniqueItems: true }), assignee: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ results: Type.Array(BulkResultSchema) }), ...errors },
      },
    },
    async (req) => ({ results: await tickets.bulkAssign(tenant(req), callerOf(req), req.body.ids, req.body.assignee) }),
  );
};
