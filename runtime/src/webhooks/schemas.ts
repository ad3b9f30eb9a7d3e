import Type, { type Static } from 'typebox';
import { StringEnum } from '../definitions/schema-kit.ts';
import { WEBHOOK_EVENT_PATTERNS } from './events.ts';

/** The webhook DTOs: the service returns them, the REST routes declare them as their schemas. */
const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const WebhookEventPattern = StringEnum(WEBHOOK_EVENT_PATTERNS, { description: 'An event type, or ticket.* for every ticket event' });

export const WebhookSubscriptionSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type WebhookSubscription = Static<typeof WebhookSubscriptionSchema>;

export const NewWebhookSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'http: or https: only' }),
    events: Type.Array(WebhookEventPattern, { minItems: 1, maxItems: 50 }),
    active: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type NewWebhook = Static<typeof NewWebhookSchema>;

export const WebhookPatchSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    events: Type.Optional(Type.Array(WebhookEventPattern, { minItems: 1, maxItems: 50 })),
    active: Type.Optional(Type.Boolean()),
    rotateSecret: Type.Optional(Type.Boolean({ description: 'Issue a new secret (returned once in the answer)' })),
  },
  { additionalProperties: false },
);
export type WebhookPatch = Static<typeof WebhookPatchSchema>;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;

export const WebhookAttemptSchema = Type.Object({
  attempt: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});
export type WebhookAttempt = Static<typeof WebhookAttemptSchema>;

export const WebhookDeliverySchema = Type.Object({
  id: Type.String(),
  subscriptionId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  status: StringEnum(DELIVERY_STATUSES, {
    description: 'pending: not tried yet; failed: the last attempt failed, another is scheduled; succeeded; dead: no more attempts',
  }),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  durationMs: Nullable(Type.Integer()),
  attemptLog: Type.Array(WebhookAttemptSchema),
  redeliveryOf: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
});
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;
