import { executorFor } from '../jobs/executor.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { OutboxDispatcher } from './outbox.ts';
import { WAKE_AHEAD_MS } from './persist.ts';
import { CHILD_DONE, type ProcessRuntime, type Wakeups } from './runtime.ts';
import { webhookDelivery } from './webhook.ts';

export const TIMER_QUEUE = 'docket-timer';
export const OUTBOX_QUEUE = 'docket-outbox';

interface TimerJob {
  tenantId: string;
  timerId: string;
}
interface OutboxJob {
  tenantId: string;
  id: string;
}

/** Creates the engine's queues; call before the first command that schedules a timer. */
export async function createProcessQueues(queue: JobQueue): Promise<void> {
  await queue.createQueue(TIMER_QUEUE, { retryLimit: 20, retryDelay: 1, retryBackoff: true, deleteAfterSeconds: 3600 });
  await queue.createQueue(OUTBOX_QUEUE, { retryLimit: 10, retryDelay: 5, retryBackoff: true, deleteAfterSeconds: 86_400 });
}

/**
 * Wake-ups for timers and outbox items, written as pg-boss jobs by the transaction that
 * wrote the rows: they commit or vanish together. The job carries only ids; the rows stay
 * the truth, so a duplicate or late wake-up finds nothing to do.
 */
export function processWakeups(queue: JobQueue): Wakeups {
  return {
    async timers(em, tenantId, timers) {
      const tx = executorFor(em);
      for (const t of timers) await queue.send(TIMER_QUEUE, { tenantId, timerId: t.id } satisfies TimerJob, { startAfter: new Date(t.dueAt) }, tx);
    },
    async outbox(em, tenantId, ids) {
      const tx = executorFor(em);
      for (const id of ids) await queue.send(OUTBOX_QUEUE, { tenantId, id } satisfies OutboxJob, {}, tx);
    },
  };
}

export interface ProcessWorkers {
  outbox: OutboxDispatcher;
  /** Wakes timers coming due, and fires timers already due whose wake-up never came (a lost job, a clock jump); returns how many fired. */
  sweep(): Promise<number>;
  stop(): void;
}

/**
 * Starts the workers that wake the engine: due timers fire (a conflict throws, so pg-boss
 * retries the job), outbox items are delivered, and a periodic sweep catches timers whose
 * job was lost. Child tickets report their end to their parent through the outbox.
 */
export async function startProcessWorkers(
  runtime: ProcessRuntime,
  queue: JobQueue,
  options: {
    sweepSeconds?: number;
    outbox?: OutboxDispatcher;
    now?: () => Date;
    log?: (msg: string, e?: unknown) => void;
    /** Signs the webhook actions of service tasks. */
    webhookSecret?: string;
    /** Lets service-task webhooks reach loopback and private addresses (DOCKET_WEBHOOKS_ALLOW_PRIVATE). */
    allowPrivateWebhookTargets?: boolean;
  } = {},
): Promise<ProcessWorkers> {
  await createProcessQueues(queue);
  const outbox = options.outbox ?? new OutboxDispatcher(runtime.orm);
  outbox.register(CHILD_DONE, async (m) => runtime.childDone(m.tenantId, m.payload as { parent: string; token: string; child: string }));
  outbox.register(
    'webhook',
    webhookDelivery({
      allowPrivateTargets: options.allowPrivateWebhookTargets ?? false,
      ...(options.webhookSecret ? { secret: options.webhookSecret } : {}),
    }),
  );
  await queue.work<TimerJob>(TIMER_QUEUE, async (job) => {
    await runtime.fireTimer(job.data.tenantId, job.data.timerId);
  });
  await queue.work<OutboxJob>(OUTBOX_QUEUE, async (job) => {
    // A failed delivery throws so pg-boss retries it; items no handler takes yet wait for the sweep.
    if ((await outbox.deliver(job.data.tenantId, job.data.id)) === 'failed') throw new Error(`outbox item ${job.data.id} was not delivered`);
  });
  const now = options.now ?? (() => new Date());
  const sweep = async () => {
    await runtime.wakeUpcoming(new Date(now().getTime() + WAKE_AHEAD_MS));
    let fired = 0;
    // A few seconds of grace: the timer's own job normally fires it.
    for (const t of await runtime.dueTimers(new Date(now().getTime() - 5000))) {
      try {
        if (await runtime.fireTimer(t.tenantId, t.id)) fired += 1;
      } catch (e) {
        options.log?.(`timer ${t.id} failed in the sweep`, e);
      }
    }
    await outbox.drain();
    return fired;
  };
  const every = Math.min((options.sweepSeconds ?? 30) * 1000, WAKE_AHEAD_MS / 2);
  const handle = setInterval(() => {
    sweep().catch((e) => options.log?.('timer sweep failed', e));
  }, every);
  handle.unref();
  return { outbox, sweep, stop: () => clearInterval(handle) };
}
