import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { DocketContext } from '../context.ts';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  version: Type.String(),
  database: Type.Object({
    kind: Type.Union([Type.Literal('embedded'), Type.Literal('postgresql')]),
    status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    latencyMs: Type.Optional(Type.Number()),
    error: Type.Optional(Type.String()),
  }),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: DocketContext }> = async (app, { ctx }) => {
  app.get(
    '/api/health',
    { config: { auth: { public: true } }, schema: { summary: 'Liveness and database status', tags: ['system'], response: { 200: Health, 503: Health } } },
    async (_req, reply) => {
      const kind = ctx.db.kind;
      try {
        const latencyMs = Math.round((await ctx.db.ping()) * 100) / 100;
        return { status: 'ok' as const, version: ctx.version, database: { kind, status: 'up' as const, latencyMs } };
      } catch (e) {
        return reply.status(503).send({ status: 'unavailable', version: ctx.version, database: { kind, status: 'down', error: (e as Error).message } });
      }
    },
  );
};
