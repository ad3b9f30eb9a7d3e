import type { Kind } from '@docket/runtime';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { principalOf } from '../auth/plugin.ts';
import { appendSystemLog } from '../auth/system-log.ts';
import type { DocketContext } from '../context.ts';
import { DateTime, KeyParam, KindParam, ProblemRef, ReleaseItemSchema, ReleaseSummary } from './schemas.ts';

const Published = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  note: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  published: Type.Array(Type.Object({ kind: Type.String(), key: Type.String(), version: Type.Integer() })),
  total: Type.Integer(),
});

export const releaseRoutes: FastifyPluginAsyncTypebox<{ ctx: DocketContext }> = async (app, { ctx }) => {
  const store = ctx.definitions;
  const errors = { 401: ProblemRef, 403: ProblemRef };

  app.post(
    '/api/releases',
    {
      config: { auth: { resource: 'release', action: 'publish' } },
      schema: {
        summary: 'Publish drafts as one release',
        description:
          'Publishes the named drafts (or every draft when `items` is absent) in one transaction. The release pins every definition at an exact version; ' +
          'it is refused with 400 and every unresolved reference if any reference would not resolve, and with 409 when there is nothing to publish.',
        tags: ['releases'],
        body: Type.Object(
          {
            items: Type.Optional(Type.Array(Type.Object({ kind: KindParam, key: KeyParam }, { additionalProperties: false }), { minItems: 1, maxItems: 5000 })),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Published, 400: ProblemRef, 409: ProblemRef, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const items = req.body.items?.map((i) => ({ kind: i.kind as Kind, key: i.key }));
      // The log line commits with the release, or neither does.
      const release = await store.publish(p.tenantId, { items, note: req.body.note }, { actor: p.userId, origin: { type: 'admin' } }, (em, published) =>
        appendSystemLog(em, p.tenantId, {
          action: 'release.published',
          actorId: p.userId,
          actor: p.email,
          subject: `release:${published.number}`,
          ip: req.ip,
          details: { number: published.number, note: published.note, published: published.published },
        }),
      );
      return reply.status(201).send(release);
    },
  );

  app.get(
    '/api/releases',
    {
      config: { auth: { resource: 'release', action: 'read' } },
      schema: { summary: 'Releases, newest first', tags: ['releases'], response: { 200: Type.Object({ items: Type.Array(ReleaseSummary) }), ...errors } },
    },
    async (req) => ({ items: await store.releases(principalOf(req).tenantId) }),
  );

  app.get(
    '/api/releases/:number',
    {
      config: { auth: { resource: 'release', action: 'read' } },
      schema: {
        summary: 'One release with every definition version it pins',
        tags: ['releases'],
        params: Type.Object({ number: Type.Integer({ minimum: 1 }) }),
        response: {
          200: Type.Object({
            id: Type.String(),
            number: Type.Integer(),
            note: Type.Union([Type.String(), Type.Null()]),
            createdAt: DateTime,
            items: Type.Array(ReleaseItemSchema),
          }),
          400: ProblemRef,
          404: ProblemRef,
          ...errors,
        },
      },
    },
    async (req) => {
      const { release, items } = await store.getRelease(principalOf(req).tenantId, req.params.number);
      return {
        id: release.id,
        number: release.number,
        note: release.note ?? null,
        createdAt: release.createdAt,
        items: items.map((i) => ({ kind: i.kind, key: i.key, version: i.version, changed: i.changed, pins: i.pins })),
      };
    },
  );
};
