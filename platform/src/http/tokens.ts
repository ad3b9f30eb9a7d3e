import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { type AuthDeps, principalOf } from '../auth/plugin.ts';
import { can } from '../auth/rules.ts';
import { ApiTokenSchema, Uuid } from '../auth/schemas.ts';
import { appendSystemLog } from '../auth/system-log.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../auth/tokens.ts';
import { ProblemRef } from './schemas.ts';

const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef };

/** Scoped API tokens for integrators. Each user manages their own; apiToken:manage sees and revokes everyone's. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ auth: AuthDeps }> = async (app, { auth }) => {
  const { orm } = auth;

  app.post(
    '/api/tokens',
    {
      config: { auth: { resource: 'apiToken', action: 'create' } },
      schema: {
        summary: 'Create an API token (the secret is in this response only)',
        description:
          'Send it as `Authorization: Bearer dkt_…`. Scopes are "resource:action" grants you hold yourself; the token can never do more than its owner can at the time of use.',
        tags: ['tokens'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            scopes: Type.Array(Type.String({ pattern: '^[A-Za-z]+:[A-Za-z]+$' }), { minItems: 1, maxItems: 300, uniqueItems: true }),
            expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String({ description: 'Shown once; only its hash is stored' }), info: ApiTokenSchema }), ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const created = await orm.em.fork().transactional(async (em) => {
        const made = await createApiToken(em, p, req.body);
        await appendSystemLog(em, p.tenantId, {
          action: 'token.created',
          actorId: p.userId,
          actor: p.email,
          subject: `token:${made.info.id}`,
          ip: req.ip,
          details: { name: made.info.name, scopes: made.info.scopes, expiresAt: made.info.expiresAt },
        });
        return made;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/tokens',
    {
      config: { auth: { resource: 'apiToken', action: 'read' } },
      schema: {
        summary: 'Your API tokens (everyone’s with all=true and apiToken:manage); secrets are never shown again',
        tags: ['tokens'],
        querystring: Type.Object({ all: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(ApiTokenSchema) }), ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const everyone = req.query.all && can(p, 'apiToken', 'manage');
      return { items: await listApiTokens(orm.em.fork(), p.tenantId, everyone ? null : p.userId) };
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      config: { auth: { resource: 'apiToken', action: 'delete' } },
      schema: { summary: 'Revoke an API token', tags: ['tokens'], params: Type.Object({ id: Uuid }), response: { 200: ApiTokenSchema, ...errors } },
    },
    async (req) => {
      const p = principalOf(req);
      return orm.em.fork().transactional(async (em) => {
        const info = await revokeApiToken(em, p.tenantId, req.params.id, can(p, 'apiToken', 'manage') ? null : p.userId);
        await appendSystemLog(em, p.tenantId, { action: 'token.revoked', actorId: p.userId, actor: p.email, subject: `token:${info.id}`, ip: req.ip });
        return info;
      });
    },
  );
};
