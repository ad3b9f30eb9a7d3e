/**
 * The `api` benchmark's limit: the SQL a list and a detail request run, captured from the
 * ticket service the server uses (every statement `pg` receives), then replayed straight
 * through a `pg` pool at the same offered rate — the database's share of the latency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFileStore, openDatabase } from '@docket/runtime';
import { ProcessRuntime } from '@docket/runtime/process/index.ts';
import { TicketService } from '@docket/runtime/records/tickets.ts';
import pg from 'pg';
import { principalFor } from '../../platform/src/auth/principal.ts';

interface Statement {
  text: string;
  values: unknown[];
}
export interface CapturedSql {
  list: Statement[];
  detail: Statement[];
  /** The values the capture used, replaced per replayed request. */
  ticket: string;
  source: string;
}

export async function captureSql(url: string, tenantId: string, userId: string, sample: { list: string; detail: string }): Promise<CapturedSql> {
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-api-capture-'));
  const db = await openDatabase({ databaseUrl: url, dataDir, poolMax: 1 });
  const seen: Statement[] = [];
  // MikroORM talks to PostgreSQL through its own copy of `pg`: watch that one.
  const ormPg = createRequire(import.meta.resolve('@mikro-orm/postgresql'))('pg') as typeof pg;
  const original = ormPg.Client.prototype.query;
  // Every statement MikroORM sends, with its parameters, exactly as the server sends them.
  ormPg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [q, v] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof q === 'string' ? q : q.text;
    if (!/^\s*(begin|commit|rollback|select 1)\b/i.test(text)) seen.push({ text, values: (typeof q === 'string' ? v : q.values) ?? [] });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const principal = await principalFor(db.orm.em.fork(), tenantId, userId);
    const tickets = new TicketService(db.orm, new ProcessRuntime(db.orm), new DiskFileStore(join(dataDir, 'files')));
    const caller = { actor: principal.actor, access: principal.access };
    const source = new URLSearchParams(sample.list.split('?')[1]).getAll('filter')[0]?.split(':eq:')[1] ?? 'wechat';
    const query = { type: 'general', filters: [{ field: 'data.source', op: 'eq' as const, value: source }], limit: 20 };
    // Warm the service's caches (release catalog, role catalog) first: the server's are warm too.
    await tickets.list(tenantId, caller, query);
    await tickets.get(tenantId, caller, sample.detail);
    seen.length = 0;
    await tickets.list(tenantId, caller, query);
    const list = seen.splice(0);
    await tickets.get(tenantId, caller, sample.detail);
    const detail = seen.splice(0);
    return { list, detail, ticket: sample.detail, source };
  } finally {
    ormPg.Client.prototype.query = original;
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const swap = (s: Statement, from: string, to: string): Statement => ({
  text: s.text.replaceAll(from, to),
  values: s.values.map((v) => (v === from ? to : typeof v === 'string' ? v.replaceAll(from, to) : v)),
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Open-loop replay: a request starts every 1/rate s whether or not earlier ones finished. */
export async function replay(
  url: string,
  sql: CapturedSql,
  options: { rate: number; seconds: number; pool: number; pickTicket: () => string; pickSource: () => string },
): Promise<{ achieved: number; p50: number; p99: number }> {
  const pool = new pg.Pool({ connectionString: url, max: options.pool });
  const run = async (statements: Statement[]) => {
    const c = await pool.connect();
    try {
      for (const s of statements) await c.query(s.text, s.values);
    } finally {
      c.release();
    }
  };
  const latencies: number[] = [];
  const total = options.rate * options.seconds;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const statements =
      i % 2 === 0 ? sql.list.map((s) => swap(s, sql.source, options.pickSource())) : sql.detail.map((s) => swap(s, sql.ticket, options.pickTicket()));
    const start = performance.now();
    inflight.push(run(statements).then(() => void latencies.push(performance.now() - start)));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  return { achieved: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
