import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { type AuthDeps, principalOf } from '../auth/plugin.ts';
import { SystemLogSchema } from '../auth/schemas.ts';
import { listSystemLog } from '../auth/system-log.ts';
import { ProblemRef } from './schemas.ts';

/** The security log: sign-ins, permission changes, tokens, publishes. Append-only. */
export const systemLogRoutes: FastifyPluginAsyncTypebox<{ auth: AuthDeps }> = async (app, { auth }) => {
  app.get(
    '/api/system-log',
    {
      config: { auth: { resource: 'audit', action: 'read' } },
      schema: {
        summary: 'System log entries, newest first',
        description: 'Actions: login.ok, login.failed, login.locked, logout, user.*, team.members.changed, token.created, token.revoked, release.published.',
        tags: ['system'],
        querystring: Type.Object(
          {
            action: Type.Optional(Type.String({ maxLength: 100, description: 'Exact action, or a prefix ending in "." (login.)' })),
            subject: Type.Optional(Type.String({ maxLength: 200, description: 'e.g. user:<id>' })),
            before: Type.Optional(Type.String({ format: 'uuid', description: 'The id of the last entry of the previous page' })),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(SystemLogSchema) }), 400: ProblemRef, 401: ProblemRef, 403: ProblemRef },
      },
    },
    async (req) => ({ items: await listSystemLog(auth.orm.em.fork(), principalOf(req).tenantId, req.query) }),
  );
};
