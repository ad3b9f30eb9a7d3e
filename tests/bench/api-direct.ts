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
  /** Set when the server prepares the statement by name (PostgreSQL reads on the hot path). */
  name?: string;
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
    const [q, v] = args as [string | { name?: string; text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof q === 'string' ? q : q.text;
    const name = typeof q === 'string' ? undefined : q.name;
    if (!/^\s*(begin|commit|rollback|select 1)\b/i.test(text))
      seen.push({ ...(name ? { name } : {}), text, values: (typeof q === 'string' ? v : q.values) ?? [] });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const principal = await principalFor(db.orm.em.fork(), tenantId, userId);
    const tickets = new TicketService(db.orm, new ProcessRuntime(db.orm), new DiskFileStore(join(dataDir, 'files')));
    // As the server builds it: the session lookup already knows the newest release.
    const caller = { actor: principal.actor, access: principal.access, ...(principal.release ? { release: principal.release } : {}) };
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

/**
 * Latency percentiles exactly as autocannon reports them under `overallRate`: every response of
 * L ms is recorded with HdrHistogram's coordinated-omission correction at a 1 ms expected
 * interval (the values L, L−1, …, 1), so the two sides of the comparison are read alike.
 */
class Latencies {
  /** diff[v] − diff[v+1]… : a difference array over whole milliseconds. */
  private readonly diff: number[] = [];
  count = 0;
  record(ms: number): void {
    const l = Math.max(1, Math.round(ms));
    this.diff[1] = (this.diff[1] ?? 0) + 1;
    this.diff[l + 1] = (this.diff[l + 1] ?? 0) - 1;
    this.count++;
  }
  percentile(p: number): number {
    const counts: number[] = [];
    let run = 0;
    let total = 0;
    for (let v = 1; v < this.diff.length; v++) {
      run += this.diff[v] ?? 0;
      counts[v] = run;
      total += run;
    }
    let seen = 0;
    for (let v = 1; v < counts.length; v++) {
      seen += counts[v] ?? 0;
      if (seen >= (p / 100) * total) return v;
    }
    return Number.NaN;
  }
}

/**
 * Replays the SQL with autocannon's `overallRate` arrival pattern, so the limit meets the load
 * the API meets: `connections` clients, each with its share of the rate per second, sending
 * that share back to back at the start of every second (a closed loop of up to `connections`
 * requests at once), alternating list and detail. Each client checks a `pg` connection out of
 * a pool of the server's size for its request.
 */
export async function replay(
  url: string,
  sql: CapturedSql,
  options: { rate: number; seconds: number; connections: number; pool: number; pickTicket: () => string; pickSource: () => string },
): Promise<{ achieved: number; p50: number; p99: number }> {
  const pool = new pg.Pool({ connectionString: url, max: options.pool });
  const run = async (statements: Statement[]) => {
    const c = await pool.connect();
    try {
      for (const s of statements) await c.query(s.name ? { name: s.name, text: s.text, values: s.values } : { text: s.text, values: s.values });
    } finally {
      c.release();
    }
  };
  const share = (i: number) => Math.floor(options.rate / options.connections) + (i < options.rate % options.connections ? 1 : 0);
  // Untimed first, as autocannon's warm-up run: connections opened, statements prepared.
  await offer(Math.min(2, options.seconds), new Latencies());
  const latencies = new Latencies();
  const t0 = performance.now();
  await offer(options.seconds, latencies);
  const elapsed = (performance.now() - t0) / 1000;
  await pool.end();
  return { achieved: latencies.count / elapsed, p50: latencies.percentile(50), p99: latencies.percentile(99) };

  async function offer(seconds: number, latencies: Latencies): Promise<void> {
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: options.connections }, async (_, i) => {
        let sent = 0;
        for (let second = 0; second < seconds; second++) {
          const wait = t0 + second * 1000 - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          for (let k = 0; k < share(i) && performance.now() < end; k++, sent++) {
            const statements =
              sent % 2 === 0
                ? sql.list.map((s) => swap(s, sql.source, options.pickSource()))
                : sql.detail.map((s) => swap(s, sql.ticket, options.pickTicket()));
            const start = performance.now();
            await run(statements);
            latencies.record(performance.now() - start);
          }
        }
      }),
    );
  }
}
