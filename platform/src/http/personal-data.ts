import type { RecordService } from '@docket/runtime/records/records.ts';
import { componentUsage } from '@docket/runtime/records/ticket-indexes.ts';
import type { TicketService } from '@docket/runtime/records/tickets.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { principalOf } from '../auth/plugin.ts';
import { eraseVerifications } from '../auth/portal.ts';
import { appendSystemLog } from '../auth/system-log.ts';
import type { DocketContext } from '../context.ts';
import { ProblemRef } from './schemas.ts';

export interface PersonalDataRouteOptions {
  ctx: DocketContext;
  records: RecordService;
  tickets: TicketService;
}

const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef };

/**
 * A data subject's erase request: the sensitive values (ID numbers, phones, bank accounts) of
 * a customer record and of that customer's tickets are removed; audit keeps only masks, and
 * the system log records who erased what. Also the usage of add-on components, for admins
 * deciding which to keep.
 */
export const personalDataRoutes: FastifyPluginAsyncTypebox<PersonalDataRouteOptions> = async (app, { ctx, records, tickets }) => {
  app.post(
    '/api/records/:type/:id/erase',
    {
      config: { auth: { resource: 'record', action: 'manage' } },
      schema: {
        summary: "Erase a person's sensitive values from the record and from the tickets of that customer",
        tags: ['records'],
        params: Type.Object({ type: Type.String({ minLength: 1, maxLength: 120 }), id: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({
            record: Type.Array(Type.String(), { description: 'Fields erased on the record' }),
            tickets: Type.Integer(),
            portalApplications: Type.Integer({ description: 'Portal sign-up applications of this customer whose name, mobile and ID number were overwritten' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      // All of it or none of it: the record, the customer's tickets, their portal applications and the log line.
      return ctx.db.orm.em.fork().transactional(async (em) => {
        const record = await records.eraseSensitive(em, p.tenantId, req.params.id, p.userId);
        const done = await tickets.eraseSensitive(p.tenantId, p.userId, { customerId: req.params.id }, em);
        const applications = await eraseVerifications(em, p.tenantId, req.params.id);
        await appendSystemLog(em, p.tenantId, {
          action: 'personal-data.erased',
          actor: p.email,
          actorId: p.userId,
          subject: `record:${req.params.id}`,
          ...(req.ip ? { ip: req.ip } : {}),
          details: { fields: record.erased, tickets: done.tickets, portalApplications: applications },
        });
        return { record: record.erased, tickets: done.tickets, portalApplications: applications };
      });
    },
  );

  app.get(
    '/api/components/usage',
    {
      config: { auth: { resource: 'definition', action: 'read' } },
      schema: {
        summary: 'How much each add-on component is used: tickets with at least one row, and rows in total',
        tags: ['definitions'],
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({ component: Type.String(), tickets: Type.Integer(), rows: Type.Integer() })) }),
          401: ProblemRef,
          403: ProblemRef,
        },
      },
    },
    async (req) => ({ items: await componentUsage(ctx.db.orm.em.fork(), principalOf(req).tenantId) }),
  );
};
