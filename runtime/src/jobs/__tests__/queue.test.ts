import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { executorFor } from '../executor.ts';
import { type JobLog, JobQueue } from '../queue.ts';

let counter = 0;
/** pg-boss is not tenant-scoped: every test works on queues of its own. */
const queueName = (what: string) => `test-${what}-${process.pid}-${++counter}`;

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(25);
  }
}

describe.each(BACKENDS)('job queue on %s', (_name, open) => {
  let t: TestDatabase;
  let jobs: JobQueue;
  const logged: { level: string; message: string }[] = [];
  const log: JobLog = (level, message) => logged.push({ level, message });
  const POLL = 0.5;

  beforeAll(async () => {
    t = await open();
    jobs = await JobQueue.start(t.db, { pollingIntervalSeconds: POLL, log });
  });
  afterAll(async () => {
    await jobs?.stop({ graceful: false });
    await t?.close();
  });

  const inTransaction = <T>(fn: (em: EntityManager) => Promise<T>): Promise<T> => t.db.orm.em.fork().transactional(fn);

  it('delivers a job sent in a committed transaction exactly once', async () => {
    const q = queueName('commit');
    await jobs.createQueue(q);
    const seen: { id: string; data: unknown }[] = [];
    await jobs.work<{ ticket: string }>(q, async (job) => {
      seen.push({ id: job.id, data: job.data });
    });
    const id = await inTransaction(async (em) => {
      await em.execute('select 1');
      return jobs.send(q, { ticket: 'T-1' }, {}, executorFor(em));
    });
    expect(id).toEqual(expect.any(String));
    await until('the job to be handled', () => seen.length > 0);
    await sleep(3 * POLL * 1000);
    expect(seen).toEqual([{ id, data: { ticket: 'T-1' } }]);
    expect(await jobs.find(q, id as string)).toMatchObject({ state: 'completed', retryCount: 0 });
  });

  it('never delivers a job sent in a transaction that rolls back', async () => {
    const q = queueName('rollback');
    await jobs.createQueue(q);
    const seen: string[] = [];
    await jobs.work(q, async (job) => {
      seen.push(job.id);
    });
    let id: string | null = null;
    const failed = inTransaction(async (em) => {
      id = await jobs.send(q, { ticket: 'T-2' }, {}, executorFor(em));
      throw new Error('the step failed');
    });
    await expect(failed).rejects.toThrow('the step failed');
    expect(id).toEqual(expect.any(String));
    await sleep(3 * POLL * 1000);
    expect(await jobs.drain(q)).toBe(0);
    expect(seen).toEqual([]);
    expect(await jobs.find(q, id as unknown as string)).toBeNull();
  });

  it('holds a job with startAfter until that time', async () => {
    const q = queueName('later');
    await jobs.createQueue(q);
    const delivered: number[] = [];
    await jobs.work(q, async () => {
      delivered.push(Date.now());
    });
    const startAfter = new Date(Date.now() + 1500);
    await inTransaction(async (em) => jobs.send(q, { wake: 'timer-1' }, { startAfter }, executorFor(em)));
    await sleep(1000);
    expect(delivered).toEqual([]);
    await until('the deferred job', () => delivered.length > 0, 5000);
    expect(delivered[0]).toBeGreaterThanOrEqual(startAfter.getTime() - 50);
    expect(delivered[0]).toBeLessThan(startAfter.getTime() + 2000);
  });

  it('retries a job whose handler throws, then completes it once', async () => {
    const q = queueName('retry');
    await jobs.createQueue(q, { retryLimit: 2, retryDelay: 0 });
    const attempts: number[] = [];
    let completions = 0;
    await jobs.work(q, async (job) => {
      attempts.push(job.retryCount);
      if (attempts.length === 1) throw new Error('webhook answered 503');
      completions++;
    });
    const id = (await jobs.send(q, { outbox: 1 })) as string;
    await until('the retry to succeed', async () => (await jobs.find(q, id))?.state === 'completed');
    await sleep(2 * POLL * 1000);
    expect(attempts).toEqual([0, 1]);
    expect(completions).toBe(1);
    expect(logged).toContainEqual({ level: 'error', message: expect.stringContaining(`${id} failed (attempt 1): webhook answered 503`) });
  });

  it('gives a job to exactly one of two queue instances on the same database', async () => {
    const q = queueName('shared');
    const other = await JobQueue.start(t.db, { pollingIntervalSeconds: POLL, log });
    try {
      const handled: { by: string; id: string }[] = [];
      for (const [by, queue] of [
        ['first', jobs],
        ['second', other],
      ] as const) {
        await queue.createQueue(q);
        await queue.work(q, async (job) => void handled.push({ by, id: job.id }), { batchSize: 5 });
      }
      const sent = await inTransaction(async (em) => {
        const tx = executorFor(em);
        const ids: (string | null)[] = [];
        for (let n = 0; n < 50; n++) ids.push(await jobs.send(q, { n }, {}, tx));
        return ids;
      });
      await until('50 jobs to be handled', () => handled.length >= 50, 20_000);
      await sleep(3 * POLL * 1000);
      expect(handled).toHaveLength(50);
      expect(new Set(handled.map((h) => h.id))).toEqual(new Set(sent));
    } finally {
      await other.stop({ graceful: false });
    }
  });

  it('keeps one queued job per singletonKey on a short queue, inside transactions too', async () => {
    const q = queueName('short');
    await jobs.createQueue(q, { policy: 'short' });
    const [first, again, other] = await inTransaction(async (em) => {
      const tx = executorFor(em);
      return [
        await jobs.send(q, { n: 1 }, { singletonKey: 'ticket-7' }, tx),
        await jobs.send(q, { n: 2 }, { singletonKey: 'ticket-7' }, tx),
        await jobs.send(q, { n: 3 }, { singletonKey: 'ticket-8' }, tx),
      ];
    });
    expect(first).toEqual(expect.any(String));
    expect(again).toBeNull();
    expect(other).toEqual(expect.any(String));
  });

  it('works through a backlog without waiting a polling interval between batches', async () => {
    const q = queueName('backlog');
    await jobs.createQueue(q);
    await inTransaction(async (em) => {
      const tx = executorFor(em);
      for (let n = 0; n < 100; n++) await jobs.send(q, { n }, {}, tx);
    });
    let handled = 0;
    const t0 = performance.now();
    // Ten batches of ten at one per 5 s poll would take 45 s or more.
    await jobs.work(q, async () => void handled++, { pollingIntervalSeconds: 5 });
    await until('the backlog to be handled', () => handled === 100, 10_000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('handles a batch at once when asked, so one slow job does not hold up the others', async () => {
    for (const parallel of [true, false]) {
      const q = queueName(`parallel-${parallel}`);
      await jobs.createQueue(q);
      // The slow job first (a transaction of its own, so it is older and fetched first).
      await inTransaction((em) => jobs.send(q, { n: 0 }, {}, executorFor(em)));
      await sleep(20);
      await inTransaction(async (em) => {
        for (let n = 1; n < 4; n++) await jobs.send(q, { n }, {}, executorFor(em));
      });
      let release: () => void = () => {};
      const slow = new Promise<void>((r) => {
        release = r;
      });
      const done: number[] = [];
      await jobs.work<{ n: number }>(
        q,
        async (job) => {
          if (job.data.n === 0) await slow;
          done.push(job.data.n);
        },
        { batchSize: 4, parallel },
      );
      // Job 0 waits; in parallel the other three finish meanwhile, one after another those behind it cannot.
      await sleep(1500);
      if (parallel) expect(done.sort()).toEqual([1, 2, 3]);
      else expect(done).toEqual([]);
      release();
      await until('every job', () => done.length === 4);
    }
  });

  it('stops promptly while idle', async () => {
    const idle = await JobQueue.start(t.db, { pollingIntervalSeconds: POLL, log });
    await idle.work(queueName('idle'), async () => {});
    const t0 = performance.now();
    await idle.stop();
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('installs its schema once when two instances start at the same time', async () => {
    const schema = `pgboss_race_${counter++}`;
    const started = await Promise.all([JobQueue.start(t.db, { schema, log }), JobQueue.start(t.db, { schema, log })]);
    await Promise.all(started.map((queue) => queue.stop({ graceful: false })));
  });

  it('refuses, without waiting, a transactional send to a queue it has not created', async () => {
    const q = queueName('unknown');
    const sending = inTransaction(async (em) => jobs.send(q, { x: 1 }, {}, executorFor(em)));
    await expect(sending).rejects.toMatchObject({ code: 'JOB_QUEUE_UNKNOWN' });
  });

  it('drains every available job at once', async () => {
    const q = queueName('drain');
    const seen: number[] = [];
    await jobs.work<{ n: number }>(q, async (job) => void seen.push(job.data.n), { pollingIntervalSeconds: 30 });
    for (const n of [1, 2, 3]) await jobs.send(q, { n });
    expect(await jobs.drain(q)).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3]);
  });

  it('runs $n-parameter SQL inside the transaction, values bound rather than inlined', async () => {
    // MikroORM's own execute inlines `?` parameters and does not know `$1`: the reason for executorFor.
    await expect(t.db.orm.em.fork().execute('select $1::int as n', [1])).rejects.toThrow(/parameter \$1/);
    const sql = "select $1::int + $2::int as n, $3::text as s, $4::jsonb as j, '?' as q";
    const row = await inTransaction(async (em) => (await executorFor(em).executeSql(sql, [2, 3, "it's ?", '{"a":1}'])).rows[0]);
    expect(row).toEqual({ n: 5, s: "it's ?", j: { a: 1 }, q: '?' });
    expect(() => executorFor(t.db.orm.em.fork())).toThrow(expect.objectContaining({ code: 'JOB_NOT_IN_TRANSACTION' }));
  });
});
