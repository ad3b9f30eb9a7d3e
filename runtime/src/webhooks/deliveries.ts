import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { executorFor } from '../jobs/executor.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { WebhookPayload } from './events.ts';
import type { WebhookAttempt, WebhookDelivery } from './schemas.ts';

export const WEBHOOK_QUEUE = 'docket-webhook';

/** A wake-up for one attempt; `attempts` is the count the row must still show, so a duplicate job finds nothing to do. */
export interface WebhookJob {
  tenantId: string;
  deliveryId: string;
  attempts: number;
}

/**
 * Declares the delivery queue. Every process that enqueues (not only the workers) calls it once at
 * start: a job sent inside a transaction cannot look the queue up on the embedded database.
 * pg-boss's own retry only covers a worker that died mid-attempt; Docket schedules its backoff itself.
 */
export async function createWebhookQueue(queue: JobQueue): Promise<void> {
  await queue.createQueue(WEBHOOK_QUEUE, { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 120, deleteAfterSeconds: 86_400 });
}

export interface DeliveryRow {
  tenant_id: string;
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  status: WebhookDelivery['status'];
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  duration_ms: number | null;
  attempt_log: WebhookAttempt[];
  redelivery_of: string | null;
  created_at: string;
  delivered_at: string | null;
}

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

export function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: iso(r.next_attempt_at),
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    durationMs: r.duration_ms,
    attemptLog: r.attempt_log,
    redeliveryOf: r.redelivery_of,
    createdAt: iso(r.created_at) as string,
    deliveredAt: iso(r.delivered_at),
  };
}

/**
 * Writes one pending delivery per subscription and queues its first attempt, all inside the
 * caller's open transaction: if that transaction rolls back, nothing is ever sent.
 */
export async function insertDeliveries(
  em: EntityManager,
  queue: JobQueue,
  tenantId: string,
  subscriptionIds: string[],
  payload: WebhookPayload,
  redeliveryOf: string | null = null,
): Promise<WebhookDelivery[]> {
  if (subscriptionIds.length === 0) return [];
  const tx = executorFor(em);
  const values = subscriptionIds.map(() => `(?, ?, ?, ?, ?, ?::jsonb, 'pending', now(), ?)`).join(', ');
  const params = subscriptionIds.flatMap((sub) => [tenantId, uuidv7(), sub, payload.id, payload.type, JSON.stringify(payload), redeliveryOf]);
  const rows = await em.execute<DeliveryRow[]>(
    `insert into webhook_delivery (tenant_id, id, subscription_id, event_id, event_type, payload, status, next_attempt_at, redelivery_of)
     values ${values} returning *`,
    params,
  );
  for (const row of rows) await queue.send(WEBHOOK_QUEUE, { tenantId, deliveryId: row.id, attempts: 0 } satisfies WebhookJob, {}, tx);
  return rows.map(toDelivery);
}
