import type { WebhookService } from '@docket/runtime/webhooks/index.ts';
import { NewWebhookSchema, WebhookDeliverySchema, WebhookPatchSchema, WebhookSubscriptionSchema } from '@docket/runtime/webhooks/schemas.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ProblemRef } from './schemas.ts';

export interface WebhookRouteOptions {
  webhooks: WebhookService;
}

const Id = Type.String({ format: 'uuid', description: 'Subscription id' });
const Params = Type.Object({ id: Id });
const DeliveryParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Delivery id' }) });
const WithSecret = Type.Intersect([
  WebhookSubscriptionSchema,
  Type.Object({ secret: Type.String({ description: 'Signs every delivery (X-Docket-Signature); shown only in this answer' }) }),
]);
const WithOptionalSecret = Type.Intersect([WebhookSubscriptionSchema, Type.Object({ secret: Type.Optional(Type.String()) })]);
const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const tags = ['webhooks'];
const auth = { resource: 'settings', action: 'manage' } as const;

const tenant = (req: FastifyRequest) => (req.principal as NonNullable<FastifyRequest['principal']>).tenantId;
const user = (req: FastifyRequest) => (req.principal as NonNullable<FastifyRequest['principal']>).userId;

/** Webhook subscriptions and their delivery log; settings:manage only, tenant from the caller. */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteOptions> = async (app, { webhooks }) => {
  app.get(
    '/api/webhooks',
    {
      config: { auth },
      schema: {
        summary: 'Webhook subscriptions (secrets are never listed)',
        tags,
        response: { 200: Type.Object({ items: Type.Array(WebhookSubscriptionSchema) }), ...errors },
      },
    },
    async (req) => ({ items: await webhooks.list(tenant(req)) }),
  );

  app.post(
    '/api/webhooks',
    {
      config: { auth },
      schema: {
        summary: 'Subscribe a URL to event types',
        description:
          'Events: exact types (ticket.created, ticket.updated, ticket.action, ticket.commented, ticket.attached, ticket.erased) or ticket.* for all. ' +
          'The answer carries the signing secret; it is never shown again (rotate it with PATCH rotateSecret). Private and loopback targets are refused unless the operator allows them.',
        tags,
        body: NewWebhookSchema,
        response: { 201: WithSecret, ...errors },
      },
    },
    async (req, reply) => {
      const { subscription, secret } = await webhooks.create(tenant(req), user(req), req.body);
      return reply.status(201).send({ ...subscription, secret });
    },
  );

  app.get(
    '/api/webhooks/:id',
    { config: { auth }, schema: { summary: 'One webhook subscription', tags, params: Params, response: { 200: WebhookSubscriptionSchema, ...errors } } },
    async (req) => webhooks.get(tenant(req), req.params.id),
  );

  app.patch(
    '/api/webhooks/:id',
    {
      config: { auth },
      schema: {
        summary: 'Change a subscription; rotateSecret issues a new secret, returned once',
        tags,
        params: Params,
        body: WebhookPatchSchema,
        response: { 200: WithOptionalSecret, ...errors },
      },
    },
    async (req) => {
      const { subscription, secret } = await webhooks.update(tenant(req), req.params.id, req.body);
      return { ...subscription, ...(secret ? { secret } : {}) };
    },
  );

  app.delete(
    '/api/webhooks/:id',
    { config: { auth }, schema: { summary: 'Delete a subscription and its delivery log', tags, params: Params, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      await webhooks.delete(tenant(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      config: { auth },
      schema: {
        summary: 'Deliveries of a subscription, newest first, with every attempt',
        tags,
        params: Params,
        querystring: Type.Object(
          { cursor: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(WebhookDeliverySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errors },
      },
    },
    async (req) => webhooks.deliveries(tenant(req), req.params.id, req.query),
  );

  app.post(
    '/api/webhooks/:id/test',
    {
      config: { auth },
      schema: { summary: 'Send a webhook.ping event to this subscription now', tags, params: Params, response: { 202: WebhookDeliverySchema, ...errors } },
    },
    async (req, reply) => reply.status(202).send(await webhooks.ping(tenant(req), req.params.id, user(req))),
  );

  app.get(
    '/api/webhook-deliveries/:id',
    {
      config: { auth },
      schema: { summary: 'One delivery with every attempt', tags, params: DeliveryParams, response: { 200: WebhookDeliverySchema, ...errors } },
    },
    async (req) => webhooks.delivery(tenant(req), req.params.id),
  );

  app.post(
    '/api/webhook-deliveries/:id/redeliver',
    {
      config: { auth },
      schema: {
        summary: 'Send a delivery’s payload again, as a new delivery with the same event id',
        tags,
        params: DeliveryParams,
        response: { 202: WebhookDeliverySchema, ...errors },
      },
    },
    async (req, reply) => reply.status(202).send(await webhooks.redeliver(tenant(req), req.params.id)),
  );
};
