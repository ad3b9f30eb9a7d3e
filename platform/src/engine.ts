import { JobQueue } from '@docket/runtime';
import { processWakeups, startProcessWorkers } from '@docket/runtime/process/jobs.ts';
import { ProcessRuntime } from '@docket/runtime/process/runtime.ts';
import type { DocketContext } from './context.ts';

export interface RunningEngine {
  runtime: ProcessRuntime;
  stop(): Promise<void>;
}

/**
 * Starts the process engine of a server: the job queue in the app's database, the timer and
 * outbox workers, and the periodic sweep. Several servers on one PostgreSQL share the work.
 */
export async function startEngine(
  ctx: DocketContext,
  log: { info(m: string): void; error(o: object, m: string): void },
  options: { webhookSecret?: string } = {},
): Promise<RunningEngine> {
  const queue = await JobQueue.start(ctx.db, {
    log: (level, message, details) => (level === 'error' ? log.error(details ?? {}, message) : level === 'warn' ? log.info(message) : undefined),
  });
  const runtime = new ProcessRuntime(ctx.db.orm, { wakeups: processWakeups(queue) });
  const workers = await startProcessWorkers(runtime, queue, {
    log: (m, e) => log.error({ err: e }, m),
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
  });
  log.info('Process engine started (timers and outbox on pg-boss)');
  return {
    runtime,
    async stop() {
      workers.stop();
      await queue.stop({ graceful: true, timeoutMs: 5000 });
    },
  };
}
