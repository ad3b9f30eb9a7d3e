/**
 * Where an engine action's time goes on PostgreSQL: a tool for the engine section of
 * docs/performance.md, not a benchmark. Runs part (b) of the `engine` bench against a local
 * DATABASE_URL (e.g. inside scripts/with-postgres), alternating with pgbench, and prints per
 * action: Node CPU, the cluster's CPU (postmaster and children, from /proc: it must run on the
 * database's machine), commits, and rows written / HOT updates / index scans per table.
 *
 *   scripts/with-postgres node tests/bench/engine-profile.ts [seconds=10] [rounds=3]
 *   NO_PGBENCH=1   Docket only
 *   CPU_PROFILE=/tmp/act   a V8 CPU profile of each timed window (/tmp/act.<round>.cpuprofile)
 *
 * The machine's wall-clock noise hits both rates; CPU per action is the steadier figure.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import pg from 'pg';
import { checkDatabase, initPgbench, openDocketDatabase, runActions, WORKERS } from './engine-postgres.ts';
import { median, round } from './lib.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('engine-profile: set DATABASE_URL (scripts/with-postgres sets one)');
const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);

const ctx = await openDocketDatabase(url);
const pgbench = process.env.NO_PGBENCH ? undefined : await initPgbench(url, 10);
const profiler = process.env.CPU_PROFILE ? new Session() : undefined;
profiler?.connect();
await profiler?.post('Profiler.enable');

async function query<T>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: ctx.db.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

const COUNTERS = ['n_tup_ins', 'n_tup_upd', 'n_tup_hot_upd', 'n_tup_del', 'idx_scan'] as const;
type TableStats = Record<(typeof COUNTERS)[number] | 'relname', string>;

async function counters(): Promise<{ tables: Map<string, TableStats>; commits: number }> {
  const tables = await query<TableStats>(`select relname, ${COUNTERS.join(', ')} from pg_stat_user_tables`);
  const [db] = await query<{ xact_commit: string }>('select xact_commit from pg_stat_database where datname = current_database()');
  return { tables: new Map(tables.map((t) => [t.relname, t])), commits: Number(db?.xact_commit) };
}

const [dir] = await query<{ data_directory: string }>('show data_directory');
const postmaster = Number(readFileSync(join(dir?.data_directory ?? '', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** CPU ms of the cluster: the postmaster with the children it reaped, and its live children. */
function serverCpuMs(): number {
  const fields = (pid: number | string) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  // Fields 14–17 of /proc/<pid>/stat (utime, stime, cutime, cstime), counted after "pid (comm)".
  const own = fields(postmaster);
  let ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(own[i]), 0);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const f = fields(pid);
      if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks * 10;
}

const settle = () => new Promise((res) => setTimeout(res, 1500)); // pg_stat_* lags by up to a second

try {
  await runActions(ctx, 4, 3000);
  const rates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let before = await counters();
    let cpu0 = 0;
    const run = await runActions(ctx, Math.ceil((1000 * seconds) / WORKERS / ctx.plan.length) + 2, seconds * 1000, async () => {
      await settle();
      before = await counters();
      cpu0 = serverCpuMs();
      await profiler?.post('Profiler.start');
    });
    const serverMs = serverCpuMs() - cpu0;
    if (profiler) writeFileSync(`${process.env.CPU_PROFILE}.${r}.cpuprofile`, JSON.stringify((await profiler.post('Profiler.stop')).profile));
    await settle();
    const after = await counters();
    const rate = (run.actions * 1000) / run.ms;
    const p0 = serverCpuMs();
    const tps = pgbench ? await pgbench.run(seconds) : Number.NaN;
    const pgbenchMs = (serverCpuMs() - p0) / (tps * seconds);
    rates.push(rate);
    ratios.push(rate / tps);
    console.log(
      `round ${r + 1}: Docket ${round(rate)} actions/s (${run.lateTickets} tickets created in the window), pgbench ${round(tps)} TPS, ratio ${round(rate / tps)}`,
    );
    console.log(
      `  CPU per act: Node ${round(run.cpuMsPerAction)} ms, PostgreSQL ${round(serverMs / run.actions)} ms (pgbench: PostgreSQL ${round(pgbenchMs)} ms per transaction)`,
    );
    console.log(`  commits per act ${round((after.commits - before.commits) / run.actions)}`);
    for (const [name, a] of after.tables) {
      const b = before.tables.get(name);
      const line = COUNTERS.map((k) => [k, (Number(a[k]) - Number(b?.[k] ?? 0)) / run.actions] as const)
        .filter(([, v]) => v > 0.001)
        .map(([k, v]) => `${k.replace('n_tup_', '')} ${round(v)}`)
        .join(', ');
      if (line) console.log(`  ${name.padEnd(20)} ${line}`);
    }
  }
  await checkDatabase(ctx);
  console.log(`median: Docket ${round(median(rates))} actions/s, ratio ${round(median(ratios))}`);
} finally {
  await pgbench?.close();
  await ctx.close();
}
