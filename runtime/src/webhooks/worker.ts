import { createHmac } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { executorFor } from '../jobs/executor.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { createWebhookQueue, type DeliveryRow, WEBHOOK_QUEUE, type WebhookJob } from './deliveries.ts';
import type { WebhookAttempt, WebhookDelivery } from './schemas.ts';
import { postWebhook } from './target.ts';

export interface WebhookWorkerOptions {
  /** Seconds to wait after the 1st, 2nd, … failed attempt; the last value repeats. */
  backoffSeconds?: number[];
  /** Attempts before a delivery is `dead`. */
  maxAttempts?: number;
  timeoutMs?: number;
  /** Operator setting: allow deliveries to loopback / private addresses (SSRF guard off). */
  allowPrivateTargets?: boolean;
  pollingIntervalSeconds?: number;
  userAgent?: string;
  /**
   * Deliveries in flight at once per server (default 1). Above 1 a receiver that hangs until
   * the timeout no longer delays the others; only on PostgreSQL (see WorkOptions.parallel).
   */
  concurrency?: number;
}

export const DEFAULT_BACKOFF_SECONDS = [10, 60, 300, 1800, 7200, 21_600, 43_200];
export const DEFAULT_MAX_ATTEMPTS = 8;

/** HMAC-SHA256 of the exact body bytes, as sent in X-Docket-Signature. */
export const signWebhook = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export interface WebhookWorkers {
  /** One attempt of one delivery now, as the queue would run it; returns the row afterwards (null when there was nothing to do). */
  attempt(job: WebhookJob): Promise<WebhookDelivery['status'] | null>;
}

type Claimed = DeliveryRow & { url: string; secret: string; active: boolean };

/**
 * Works the webhook queue: each job is one attempt. The row is read, the POST made outside any
 * transaction (the embedded database is one session), then the outcome and, when it failed and
 * attempts remain, the next attempt's job are written in one transaction. A crash between the two
 * leaves the row unchanged, so pg-boss's retry repeats the attempt: delivery is at least once.
 */
export async function startWebhookWorkers(queue: JobQueue, orm: MikroORM, options: WebhookWorkerOptions = {}): Promise<WebhookWorkers> {
  const backoff = options.backoffSeconds?.length ? options.backoffSeconds : DEFAULT_BACKOFF_SECONDS;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const allowPrivateTargets = options.allowPrivateTargets ?? false;
  const userAgent = options.userAgent ?? 'Docket-Webhooks/1';
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));

  const attempt = async (job: WebhookJob): Promise<WebhookDelivery['status'] | null> => {
    const em = orm.em.fork();
    const [row] = await em.execute<Claimed[]>(
      `select d.*, s.url, s.secret, s.active from webhook_delivery d
         join webhook_subscription s on s.tenant_id = d.tenant_id and s.id = d.subscription_id
        where d.tenant_id = ? and d.id = ?`,
      [job.tenantId, job.deliveryId],
    );
    // Gone (subscription deleted), finished, or a duplicate wake-up of an attempt already made.
    if (!row || row.attempts !== job.attempts || (row.status !== 'pending' && row.status !== 'failed')) return null;
    const number = row.attempts + 1;
    const started = new Date();
    const body = JSON.stringify(row.payload);
    const result = row.active
      ? await postWebhook(
          row.url,
          body,
          {
            'content-type': 'application/json',
            'user-agent': userAgent,
            'x-docket-event': row.event_type,
            'x-docket-delivery': row.id,
            'x-docket-attempt': String(number),
            'x-docket-signature': signWebhook(row.secret, body),
          },
          { timeoutMs, allowPrivateTargets },
        )
      : { statusCode: null, error: 'the subscription is inactive', durationMs: 0, retryable: false };
    const ok = result.error === null;
    const retry = !ok && result.retryable && number < maxAttempts;
    const status: WebhookDelivery['status'] = ok ? 'succeeded' : retry ? 'failed' : 'dead';
    const next = retry ? new Date(Date.now() + 1000 * (backoff[Math.min(number - 1, backoff.length - 1)] as number)) : null;
    const logged: WebhookAttempt = {
      attempt: number,
      at: started.toISOString(),
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
    };
    return orm.em.fork().transactional(async (tx) => {
      const updated = await tx.execute<{ id: string }[]>(
        `update webhook_delivery
            set status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, duration_ms = ?,
                delivered_at = ${ok ? 'now()' : 'delivered_at'}, attempt_log = attempt_log || ?::jsonb
          where tenant_id = ? and id = ? and attempts = ? and status in ('pending', 'failed')
          returning id`,
        [
          status,
          number,
          next?.toISOString() ?? null,
          result.statusCode,
          result.error?.slice(0, 2000) ?? null,
          result.durationMs,
          JSON.stringify([logged]),
          job.tenantId,
          row.id,
          row.attempts,
        ],
      );
      if (updated.length === 0) return null;
      if (next) {
        await queue.send(
          WEBHOOK_QUEUE,
          { tenantId: job.tenantId, deliveryId: row.id, attempts: number } satisfies WebhookJob,
          { startAfter: next },
          executorFor(tx),
        );
      }
      return status;
    });
  };

  await createWebhookQueue(queue);
  await queue.work<WebhookJob>(
    WEBHOOK_QUEUE,
    async (job) => {
      await attempt(job.data);
    },
    {
      batchSize: concurrency > 1 ? concurrency : 5,
      parallel: concurrency > 1,
      ...(options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
    },
  );
  return { attempt };
}
