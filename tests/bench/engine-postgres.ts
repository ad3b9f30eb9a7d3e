/**
 * Part (b) of the `engine` benchmark: committed user actions per second through the 售后宝
 * flow on PostgreSQL (ProcessRuntime.act: one transaction each, with audit, tasks and timers),
 * WORKERS concurrent workers on distinct tickets; and pgbench's TPC-B-like script with as
 * many clients on the same cluster as the limit.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Database, DefinitionStore, DiskFileStore, openDatabase, TenantRepository } from '@docket/runtime';
import pg from 'pg';
import { JobQueue } from '../../runtime/src/jobs/queue.ts';
import { compileProcess, createProcessQueues, MemoryEngine, ProcessRuntime, processWakeups } from '../../runtime/src/process/index.ts';
import type { TestDatabase } from '../support/databases.ts';
import { withDatabase } from '../support/global-setup.ts';
import { installFlows } from '../support/processes.ts';
import { type PlannedAction, WORK_ORDER } from './engine-flows.ts';

const run = promisify(execFile);

/** Concurrent workers on Docket's side, clients on pgbench's. */
export const WORKERS = 8;

async function admin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The acts of one ticket with the task ids they target. Ids are deterministic per instance, so a MemoryEngine run tells them. */
async function planWithTaskIds(): Promise<(PlannedAction & { task: string })[]> {
  const e = new MemoryEngine(await compileProcess(WORK_ORDER.xml), { ticket: { creator: 'creator' } });
  e.start();
  return WORK_ORDER.actions.map((a) => {
    const task = e.task(a.node)?.id;
    if (!task) throw new Error(`plan: no open task at ${a.node}`);
    e.act(task, a.action, a.actor, a.input);
    return { ...a, task };
  });
}

export interface DocketDatabase {
  db: Database;
  runtime: ProcessRuntime;
  tenant: string;
  plan: (PlannedAction & { task: string })[];
  /** Tickets whose every action ran, over all runs (checked against the database at the end). */
  completed: number;
  created: number;
  /** Per worker: prepared tickets not reached yet. */
  spare: string[][];
  acts: number;
  close(): Promise<void>;
}

/** A fresh migrated database on the server of `adminUrl`, the test flows installed in one tenant. */
export async function openDocketDatabase(adminUrl: string): Promise<DocketDatabase> {
  const name = `docket_bench_engine_${process.pid}`;
  await admin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name} encoding 'UTF8' template template0`);
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-engine-'));
  const db = await openDatabase({ databaseUrl: withDatabase(adminUrl, name), dataDir, poolMax: WORKERS });
  await db.migrate();
  const store = new DefinitionStore(db.orm, new DiskFileStore(join(dataDir, 'files')));
  const tenant = (await new TenantRepository().create(db.orm.em.fork(), 'bench', 'Bench tenant')).id;
  await installFlows({ db, dataDir, store } as TestDatabase, tenant);
  // As on a server: every timer a step schedules also writes its pg-boss wake-up job in the step's transaction.
  const queue = await JobQueue.start(db, { log: () => {} });
  await createProcessQueues(queue);
  const ctx: DocketDatabase = {
    db,
    runtime: new ProcessRuntime(db.orm, process.env.NO_WAKE ? {} : { wakeups: processWakeups(queue) }),
    tenant,
    plan: await planWithTaskIds(),
    completed: 0,
    created: 0,
    spare: [],
    acts: 0,
    async close() {
      await queue.stop({ graceful: false });
      await db.close();
      await admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await verifyPlan(ctx);
  return ctx;
}

/** One ticket driven with the open steps read before each act: the planned task ids must be the ones the database offers. */
async function verifyPlan(ctx: DocketDatabase): Promise<void> {
  const { runtime, tenant } = ctx;
  const { id } = await runtime.createTicket(tenant, { type: WORK_ORDER.ticketType, creator: 'creator', data: { title: 'bench' } });
  ctx.created += 1;
  for (const a of ctx.plan) {
    const steps = await runtime.steps(tenant, id, a.actor);
    const step = steps.find((s) => s.node === a.node);
    if (step?.task !== a.task || !step.actions.includes(a.action)) {
      throw new Error(`engine bench: at ${a.node} the database offers ${JSON.stringify(steps)}, the plan expects task ${a.task} with ${a.action}`);
    }
    await runtime.act(tenant, id, { task: a.task, action: a.action, actor: a.actor, ...(a.input ? { input: a.input } : {}) });
    ctx.acts += 1;
  }
  const done = await runtime.get(tenant, id);
  if (done.processStatus !== 'completed') throw new Error(`engine bench: the verification ticket ended ${done.processStatus}`);
  ctx.completed += 1;
}

export interface ActionsRun {
  actions: number;
  ms: number;
  /** Tickets created for this run: the prepared shortfall (untimed) and the late ones. */
  tickets: number;
  /** Tickets created inside the timed window by workers that ran out of prepared ones. */
  lateTickets: number;
  /** CPU time of this Node process per act (user + system), to tell Node-bound from database-bound. */
  cpuMsPerAction: number;
}

/**
 * Each worker creates `ticketsPerWorker` tickets (untimed), then all run the flow's actions
 * on their own tickets until `durationMs` is over. Only the acts count; a worker that runs
 * out of tickets creates the next one inside the window.
 */
export async function runActions(ctx: DocketDatabase, ticketsPerWorker: number, durationMs: number, beforeTimed?: () => Promise<void>): Promise<ActionsRun> {
  const { runtime, tenant, plan } = ctx;
  const create = async () => (await runtime.createTicket(tenant, { type: WORK_ORDER.ticketType, creator: 'creator', data: { title: 'bench' } })).id;
  // Tickets a previous run prepared and did not reach are used first: only the shortfall is created.
  let made = 0;
  const lists = await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const ids = ctx.spare[w] ?? [];
      while (ids.length < ticketsPerWorker) {
        ids.push(await create());
        made += 1;
      }
      return ids;
    }),
  );
  ctx.spare = lists;
  await beforeTimed?.();
  let actions = 0;
  let lateTickets = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    lists.map(async (ids) => {
      while (performance.now() < deadline) {
        let id = ids.pop();
        if (id === undefined) {
          id = await create();
          lateTickets += 1;
        }
        for (const [i, a] of plan.entries()) {
          if (performance.now() >= deadline) return;
          const snap = await runtime.act(tenant, id, { task: a.task, action: a.action, actor: a.actor, ...(a.input ? { input: a.input } : {}) });
          actions += 1;
          if (i === plan.length - 1) {
            if (snap.processStatus !== 'completed') throw new Error(`engine bench: ticket ${id} ended ${snap.processStatus} after its last action`);
            ctx.completed += 1;
          }
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  ctx.created += made + lateTickets;
  ctx.acts += actions;
  return { actions, ms, tickets: made + lateTickets, lateTickets, cpuMsPerAction: (cpu.user + cpu.system) / 1000 / Math.max(1, actions) };
}

/** What the database says happened: completed instances and audit rows (one per create and per act). */
export async function checkDatabase(ctx: DocketDatabase): Promise<void> {
  const em = ctx.db.orm.em.fork();
  const [done] = await em.execute<{ n: string }[]>(`select count(*) as n from process_instance where tenant_id = ? and status = 'completed'`, [ctx.tenant]);
  const [audit] = await em.execute<{ n: string }[]>(`select count(*) as n from audit_event where tenant_id = ?`, [ctx.tenant]);
  if (Number(done?.n) !== ctx.completed) throw new Error(`engine bench: ${done?.n} completed instances in the database, ${ctx.completed} driven to the end`);
  if (Number(audit?.n) < ctx.created + ctx.acts) {
    throw new Error(`engine bench: ${audit?.n} audit rows for ${ctx.created} creates and ${ctx.acts} acts`);
  }
}

// ── pgbench ──

/** pgbench of the highest installed PostgreSQL (as scripts/with-postgres picks the server), else the one on PATH. */
export function pgbenchPath(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pgbench'))) : [];
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] ? join(base, versions[0], 'bin', 'pgbench') : 'pgbench';
}

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    ...(u.username ? { PGUSER: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
  };
}

export interface Pgbench {
  version: string;
  run(seconds: number): Promise<number>;
  close(): Promise<void>;
}

/** `pgbench -i -s <scale>` into a database of its own on the server of `adminUrl`. */
export async function initPgbench(adminUrl: string, scale: number): Promise<Pgbench> {
  const bin = pgbenchPath();
  const name = `docket_bench_pgbench_${process.pid}`;
  await admin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
  const env = pgEnv(adminUrl);
  await run(bin, ['-i', '-q', '-s', String(scale), name], { env, maxBuffer: 64 << 20 });
  const version = (await run(bin, ['--version'], { env })).stdout.trim();
  return {
    version,
    /** `pgbench -c WORKERS -j 2 -T seconds` with the default script; TPS without connection set-up. */
    async run(seconds) {
      const { stdout } = await run(bin, ['-c', String(WORKERS), '-j', '2', '-T', String(seconds), name], { env, maxBuffer: 64 << 20 });
      const m = /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
      if (!m) throw new Error(`engine bench: no TPS in pgbench output:\n${stdout}`);
      const failed = /number of failed transactions: (\d+)/.exec(stdout);
      if (failed && Number(failed[1]) > 0) throw new Error(`engine bench: pgbench reports failed transactions:\n${stdout}`);
      return Number(m[1]);
    },
    async close() {
      await admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
