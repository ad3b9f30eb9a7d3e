import { type JobWithMetadata, PgBoss, type Job as PgBossJob, type JobResult as PgBossJobResult } from 'pg-boss';
import { DocketError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import type { SqlExecutor } from './executor.ts';

export type JobLog = (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;

export interface JobQueueOptions {
  /** PostgreSQL schema holding pg-boss's tables. */
  schema?: string;
  /** Default idle poll of work(), in seconds (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  /** pg-boss's own connections. Embedded: at most 2, since PGlite runs one statement at a time anyway. */
  poolMax?: number;
  log?: JobLog;
}

/** How a queue's jobs retry and how long they are kept; a job's send options override them. */
export interface QueueSettings {
  /**
   * Fixed at creation. `short`: one queued job per singletonKey; `singleton`: one active;
   * `stately`: one of each; `exclusive`: one queued or active. Default `standard`.
   */
  policy?: 'standard' | 'short' | 'singleton' | 'stately' | 'exclusive';
  retryLimit?: number;
  /** Seconds before a failed job is retried. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** Seconds a job may stay active before it counts as failed. */
  expireInSeconds?: number;
  /** Seconds a completed job is kept. */
  deleteAfterSeconds?: number;
}

export interface SendOptions {
  startAfter?: Date;
  singletonKey?: string;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
}

export interface WorkOptions {
  /** Jobs fetched at once (default 10); the handler still gets them one at a time. */
  batchSize?: number;
  pollingIntervalSeconds?: number;
  /**
   * Handle the jobs of a batch at the same time instead of one after another: for handlers
   * that mostly wait on the network (webhook deliveries), so one slow receiver does not hold
   * up the rest. Never on the embedded database, whose connections share one session.
   */
  parallel?: boolean;
}

export interface QueuedJob<T> {
  id: string;
  name: string;
  data: T;
  /** 0 on the first delivery. */
  retryCount: number;
}

/** Throwing makes the job retry per its retry options; a job may be delivered more than once. */
export type JobHandler<T> = (job: QueuedJob<T>) => Promise<void>;

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobRecord<T> extends QueuedJob<T> {
  state: JobState;
  output: unknown;
}

const EMBEDDED_POOL_MAX = 2;
const POSTGRES_POOL_MAX = 4;
const DEFAULT_POLLING_SECONDS = 2;
const DEFAULT_BATCH = 10;
const DRAIN_BATCH = 50;

const stderrLog: JobLog = (level, message, details) => {
  if (level !== 'info') console.error(`[jobs] ${level}: ${message}`, details ?? '');
};

/**
 * Durable jobs on pg-boss, in the application's database. Queues are declared with createQueue
 * before use; a job sent with a transaction's SqlExecutor is written by that transaction.
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #log: JobLog;
  readonly #pollingIntervalSeconds: number;
  readonly #queues = new Set<string>();
  readonly #handlers = new Map<string, JobHandler<unknown>>();

  private constructor(boss: PgBoss, log: JobLog, pollingIntervalSeconds: number) {
    this.#boss = boss;
    this.#log = log;
    this.#pollingIntervalSeconds = pollingIntervalSeconds;
  }

  /** Installs or migrates pg-boss's schema (safe when several processes start at once) and starts it. */
  static async start(db: Database, options: JobQueueOptions = {}): Promise<JobQueue> {
    const log = options.log ?? stderrLog;
    const embedded = db.kind === 'embedded';
    const boss = new PgBoss({
      connectionString: db.url,
      schema: options.schema ?? 'pgboss',
      max: embedded ? Math.min(options.poolMax ?? EMBEDDED_POOL_MAX, EMBEDDED_POOL_MAX) : (options.poolMax ?? POSTGRES_POOL_MAX),
    });
    // An unhandled 'error' event would crash the process; pg-boss reports handler failures here too.
    boss.on('error', (error) => log('error', `job queue: ${error.message}`, { error }));
    boss.on('warning', (warning) => log('warn', `job queue: ${warning.message}`, { ...warning.data }));
    // Two processes installing the schema at once: the loser retries once the winner is done.
    await boss.start({ attempts: 3 });
    return new JobQueue(boss, log, options.pollingIntervalSeconds ?? DEFAULT_POLLING_SECONDS);
  }

  /** Creates the queue if it does not exist and applies `settings` to it. Idempotent. */
  async createQueue(name: string, settings: QueueSettings = {}): Promise<void> {
    await this.#boss.createQueue(name, settings);
    // createQueue leaves an existing queue as it was; the declaration in code wins (except policy).
    const { policy: _fixed, ...updatable } = settings;
    if (Object.keys(updatable).length > 0) await this.#boss.updateQueue(name, updatable);
    this.#queues.add(name);
  }

  /**
   * Adds a job; resolves to its id, or null when the queue's policy already holds a job with this
   * singletonKey (on a `standard` queue the key alone deduplicates nothing). With `tx` the job is written inside that open transaction and only exists if it
   * commits. The queue must have been created by this instance first: looking it up would need a
   * second connection, which an open transaction blocks on the embedded database.
   */
  async send<T extends object>(name: string, data: T, options: SendOptions = {}, tx?: SqlExecutor): Promise<string | null> {
    if (!this.#queues.has(name)) {
      if (tx) {
        throw new DocketError('JOB_QUEUE_UNKNOWN', `Queue "${name}" must be created (createQueue) before a job is sent inside a transaction`, { queue: name });
      }
      await this.createQueue(name);
    }
    return this.#boss.send(name, data, tx ? { ...options, db: tx } : options);
  }

  /** Starts polling `name`; each job goes to `handler` on its own, so one failure retries only that job. */
  async work<T>(name: string, handler: JobHandler<T>, options: WorkOptions = {}): Promise<void> {
    if (this.#handlers.has(name)) throw new DocketError('JOB_WORKER_EXISTS', `A handler is already registered for queue "${name}"`, { queue: name });
    if (!this.#queues.has(name)) await this.createQueue(name);
    const run = handler as JobHandler<unknown>;
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.#handlers.set(name, run);
    await this.#boss.work<unknown>(
      name,
      {
        batchSize,
        // pg-boss waits a whole polling interval after every fetch unless the batch came back full:
        // without this a worker would handle at most batchSize jobs per interval, even with a backlog.
        burstWhenBatchFull: batchSize > 1,
        pollingIntervalSeconds: options.pollingIntervalSeconds ?? this.#pollingIntervalSeconds,
        perJobResults: true,
      },
      async (jobs) => {
        const one = async (job: (typeof jobs)[number]): Promise<PgBossJobResult> => {
          const failure = await this.#run(run, job);
          return failure ? { id: job.id, status: 'failed', output: failure } : { id: job.id, status: 'completed' };
        };
        if (options.parallel) return Promise.all(jobs.map(one));
        const results: PgBossJobResult[] = [];
        for (const job of jobs) results.push(await one(job));
        return results;
      },
    );
  }

  /**
   * For tests: fetches and handles every job available now on `name` (or on every queue this
   * instance works), until none is left, instead of waiting for the poll. Returns how many ran.
   */
  async drain(name?: string): Promise<number> {
    const names = name ? [name] : [...this.#handlers.keys()];
    let handled = 0;
    for (let more = true; more; ) {
      more = false;
      for (const queue of names) {
        const handler = this.#handlers.get(queue);
        if (!handler) throw new DocketError('JOB_NO_WORKER', `No handler is registered for queue "${queue}"`, { queue });
        const jobs = await this.#boss.fetch<unknown>(queue, { batchSize: DRAIN_BATCH });
        for (const job of jobs) {
          const failure = await this.#run(handler, job);
          if (failure) await this.#boss.fail(queue, job, failure);
          else await this.#boss.complete(queue, job);
        }
        handled += jobs.length;
        more ||= jobs.length > 0;
      }
    }
    return handled;
  }

  /** A job's current state, or null once it is gone (deleted after retention) or never existed. */
  async find<T>(name: string, id: string): Promise<JobRecord<T> | null> {
    const [job]: JobWithMetadata<T>[] = await this.#boss.findJobs<T>(name, { id });
    if (!job) return null;
    return { id: job.id, name: job.name, data: job.data, retryCount: job.retryCount, state: job.state, output: job.output };
  }

  /** Stops polling and closes pg-boss's connections; graceful waits (up to timeoutMs) for running handlers. */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.#boss.stop({ graceful: options.graceful ?? true, timeout: options.timeoutMs ?? 10_000, close: true });
  }

  /** Runs one job; resolves to the failure to record, or undefined when it succeeded. */
  async #run(handler: JobHandler<unknown>, job: PgBossJob<unknown>): Promise<{ message: string; stack?: string } | undefined> {
    try {
      await handler({ id: job.id, name: job.name, data: job.data, retryCount: job.retryCount });
      return undefined;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.#log('error', `job ${job.name}/${job.id} failed (attempt ${job.retryCount + 1}): ${error.message}`, {
        queue: job.name,
        job: job.id,
        retryCount: job.retryCount,
        error,
      });
      return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
    }
  }
}
