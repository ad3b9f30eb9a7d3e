import { startProcessWorkers } from '@docket/runtime/process/jobs.ts';
import type { ProcessRuntime } from '@docket/runtime/process/runtime.ts';
import { ensureSearchIndexes } from '@docket/runtime/records/ticket-indexes.ts';
import { startWebhookWorkers } from '@docket/runtime/webhooks/index.ts';
import type { DocketContext } from './context.ts';
import type { Services } from './services.ts';

export interface RunningEngine {
  runtime: ProcessRuntime;
  stop(): Promise<void>;
}

type Log = { info(m: string): void; error(o: object, m: string): void };

/** How often the search-index job looks for newly published searchable fields. */
const INDEX_CHECK_MS = 60_000;

/**
 * Starts the background work of a server on the services its routes use: timer and outbox
 * workers with their periodic sweep, webhook delivery, and the job that builds indexes for
 * fields admins mark searchable (never inside a publish). Several servers on one PostgreSQL
 * share the work.
 */
export async function startEngine(
  ctx: DocketContext,
  services: Services,
  log: Log,
  options: { webhookSecret?: string; allowPrivateWebhookTargets?: boolean } = {},
): Promise<RunningEngine> {
  const { queue, runtime } = services;
  const workers = await startProcessWorkers(runtime, queue, {
    log: (m, e) => log.error({ err: e }, m),
    allowPrivateWebhookTargets: options.allowPrivateWebhookTargets ?? false,
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
  });
  await startWebhookWorkers(queue, ctx.db.orm, {
    allowPrivateTargets: options.allowPrivateWebhookTargets ?? false,
    // On PostgreSQL ten deliveries go out at once; the embedded database's one session takes one.
    concurrency: ctx.db.kind === 'postgresql' ? 10 : 1,
  });
  const indexes = searchIndexJob(ctx, log);
  log.info('Process engine started (timers, outbox and webhooks on pg-boss)');
  return {
    runtime,
    async stop() {
      indexes.stop();
      workers.stop();
      await queue.stop({ graceful: true, timeoutMs: 5000 });
    },
  };
}

/** Builds expression indexes for searchable fields whenever a tenant's newest release changes. */
function searchIndexJob(ctx: DocketContext, log: Log): { stop(): void } {
  const seen = new Map<string, number>();
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const em = ctx.db.orm.em.fork();
      const releases = await em.execute<{ tenant_id: string; number: number }[]>('select tenant_id, max(number) as number from release group by tenant_id');
      for (const r of releases) {
        if (seen.get(r.tenant_id) === r.number) continue;
        const built = await ensureSearchIndexes(ctx.db.orm.em.fork(), r.tenant_id, { concurrently: ctx.db.kind === 'postgresql' });
        if (built.length) log.info(`Built search indexes: ${built.join(', ')}`);
        seen.set(r.tenant_id, r.number);
      }
    } catch (err) {
      log.error({ err }, 'building search indexes failed; retrying in a minute');
    } finally {
      running = false;
    }
  };
  void check();
  const timer = setInterval(check, INDEX_CHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
