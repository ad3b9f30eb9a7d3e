import { documentOf, type Kind } from '@docket/runtime';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { principalOf } from '../auth/plugin.ts';
import type { Principal } from '../auth/rules.ts';
import type { DocketContext } from '../context.ts';
import { localeOf } from './problem.ts';
import { DefinitionHead, KeyParam, KindParam, ProblemRef, SavedDraftSchema, VersionInfo } from './schemas.ts';

const editor = (p: Principal) => ({ actor: p.userId, origin: { type: 'admin' as const } });
const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const READ = { auth: { resource: 'definition', action: 'read' } } as const;
const EDIT = { auth: { resource: 'definition', action: 'update' } } as const;

export const definitionRoutes: FastifyPluginAsyncTypebox<{ ctx: DocketContext }> = async (app, { ctx }) => {
  const store = ctx.definitions;
  // Requests act in the caller's tenant; ctx.tenantId is the CLI's.
  const tenant = (req: Parameters<typeof principalOf>[0]) => principalOf(req).tenantId;

  app.get(
    '/api/definitions',
    {
      config: READ,
      schema: {
        summary: 'List definitions with their latest, published and draft versions',
        tags: ['definitions'],
        querystring: Type.Object({ kind: Type.Optional(KindParam) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(DefinitionHead) }), 400: ProblemRef },
      },
    },
    async (req) => ({ items: await store.list(tenant(req), { kind: req.query.kind as Kind | undefined }) }),
  );

  app.get(
    '/api/definitions/:kind/:key',
    {
      config: READ,
      schema: {
        summary: 'One definition: its versions, newest first',
        tags: ['definitions'],
        params: Type.Object({ kind: KindParam, key: KeyParam }),
        response: { 200: Type.Object({ kind: Type.String(), key: Type.String(), versions: Type.Array(VersionInfo) }), ...errors },
      },
    },
    async (req) => ({ kind: req.params.kind, key: req.params.key, versions: await store.versions(tenant(req), req.params.kind as Kind, req.params.key) }),
  );

  app.get(
    '/api/definitions/:kind/:key/versions/:version',
    {
      config: READ,
      schema: {
        summary: 'The document of one version (processes include their BPMN XML exactly as uploaded)',
        tags: ['definitions'],
        params: Type.Object({ kind: KindParam, key: KeyParam, version: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('latest')]) }),
        response: {
          200: Type.Object({ version: Type.Integer(), status: Type.String(), document: Type.Object({}, { additionalProperties: true }) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const v = req.params.version === 'latest' ? undefined : Number(req.params.version);
      const row = await store.getVersion(tenant(req), req.params.kind as Kind, req.params.key, v);
      const document = documentOf(row);
      return { version: row.version, status: row.status, document: { ...document, version: row.version } };
    },
  );

  app.post(
    '/api/definitions',
    {
      config: EDIT,
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        summary: 'Create or update the draft of a definition',
        description:
          'The body is the definition document (processes: {"kind": "process", "key": …, "bpmn": "<xml>"}). A `version` in the body is an optimistic-concurrency check. ' +
          'Report templates may carry their file as base64 in `files` ({"<file name>": "<base64>"}). Invalid documents get 400 with every issue; reference problems are warnings until publish.',
        tags: ['definitions'],
        body: Type.Object({}, { additionalProperties: true }),
        response: { 200: SavedDraftSchema, 201: SavedDraftSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { files, ...doc } = req.body as Record<string, unknown> & { files?: unknown };
      const attachments = new Map<string, Buffer>();
      if (files && typeof files === 'object') {
        for (const [name, b64] of Object.entries(files)) if (typeof b64 === 'string') attachments.set(name, Buffer.from(b64, 'base64'));
      }
      const saved = await store.saveDraft(tenant(req), { doc, attachments }, editor(principalOf(req)));
      const locale = localeOf(req);
      return reply
        .status(saved.created ? 201 : 200)
        .send({ ...saved, warnings: saved.warnings.map((w) => ({ ...w, message: w.message[locale], messages: w.message })) });
    },
  );

  app.delete(
    '/api/definitions/:kind/:key/draft',
    {
      config: EDIT,
      schema: {
        summary: 'Discard the draft of a definition',
        description: 'The published version becomes current again; a definition that was never published disappears. 404 when there is no draft.',
        tags: ['definitions'],
        params: Type.Object({ kind: KindParam, key: KeyParam }),
        response: {
          200: Type.Object({
            kind: Type.String(),
            key: Type.String(),
            discarded: Type.Integer({ description: 'The version number the draft had' }),
            current: Type.Union([Type.Integer(), Type.Null()], { description: 'The published version now current, or null' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => store.discardDraft(tenant(req), req.params.kind as Kind, req.params.key, editor(principalOf(req))),
  );

  app.get(
    '/api/definitions/:kind/:key/diff',
    {
      config: READ,
      schema: {
        summary: 'Differences between two versions of a definition',
        tags: ['definitions'],
        params: Type.Object({ kind: KindParam, key: KeyParam }),
        querystring: Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            kind: Type.String(),
            key: Type.String(),
            from: Type.Integer(),
            to: Type.Integer(),
            changes: Type.Array(
              Type.Object({ op: Type.String(), pointer: Type.String(), before: Type.Optional(Type.Unknown()), after: Type.Optional(Type.Unknown()) }),
            ),
            text: Type.Optional(Type.String({ description: 'Unified diff of the BPMN XML' })),
          }),
          ...errors,
        },
      },
    },
    async (req) => store.diff(tenant(req), req.params.kind as Kind, req.params.key, req.query.from, req.query.to),
  );
};
