/**
 * `api`: latency of the ticket API under a fixed offered load, as BENCHMARKS.md defines it.
 * A real `docket start` on PostgreSQL with 1,000,000 tickets (COPY, not the API); autocannon
 * offers 1,000 req/s over 100 connections (`overallRate`), half "list my tickets filtered by
 * a custom field" (a technician with the participant data scope) and half detail reads.
 * The limit: the very SQL those requests ran (captured from the ticket service, prepared
 * statements included), replayed through `pg` with the server's pool size and autocannon's
 * arrival pattern — no HTTP, no auth. Also reported: the same load on GET /api/me, the
 * cheapest signed-in route, as the floor this machine puts under any authenticated request.
 * Prints p50/p99 and `ratio_vs_psql` = direct p99 / API p99. Target: API p99 < 50 ms.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { withDatabase } from '../support/global-setup.ts';
import { generateTickets, SOURCES, TEMPLATE_ASSIGNEE, type Template } from './api-data.ts';
import { captureSql, replay } from './api-direct.ts';
import { printHeader, printResult, QUICK, round } from './lib.ts';

const ROOT = join(import.meta.dirname, '..', '..');
if (!process.env.DATABASE_URL) {
  const child = spawnSync(join(ROOT, 'scripts/with-postgres'), [process.execPath, import.meta.filename], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const TICKETS = Number(process.env.BENCH_API_TICKETS) || (QUICK ? 20_000 : 1_000_000);
const RATE = 1000;
/** A second, lighter offered load reported beside the defined one. */
const LIGHT_RATE = 200;
const CONNECTIONS = 100;
const SECONDS = QUICK ? 3 : 20;
const POOL = 10;
const ADMIN = { email: 'admin@bench.local', password: 'bench-admin-password' };
const TECH = { email: 'tech@bench.local', password: 'bench-tech-password' };
const log = (m: string) => console.log(`# ${m}`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

printHeader('api', { tickets: TICKETS, offered: `${RATE} req/s over ${CONNECTIONS} connections for ${SECONDS} s`, pool: POOL });
const adminUrl = process.env.DATABASE_URL as string;
const dbName = 'docket_api_bench';
/** BENCH_API_REUSE=1 (with a DATABASE_URL of your own): use again the database a BENCH_API_KEEP=1 run left. */
const REUSE = process.env.BENCH_API_REUSE === '1';
let reused = false;
{
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  reused = REUSE && (await c.query('select 1 from pg_database where datname = $1', [dbName])).rowCount === 1;
  if (!reused) {
    await c.query(`drop database if exists ${dbName} with (force)`);
    await c.query(`create database ${dbName} encoding 'UTF8' template template0`);
  }
  await c.end();
}
const url = withDatabase(adminUrl, dbName);
const dataDir = await mkdtemp(join(tmpdir(), 'docket-api-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server: ChildProcess = spawn(process.execPath, [join(ROOT, 'platform/bin/docket.js'), 'start'], {
  cwd: ROOT,
  env: {
    ...process.env,
    DATABASE_URL: url,
    PORT: String(port),
    DOCKET_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    DOCKET_ADMIN_EMAIL: ADMIN.email,
    DOCKET_ADMIN_PASSWORD: ADMIN.password,
    // BENCH_API_PROFILE=1 writes the server's CPU profile into tests/bench/profiles/.
    ...(process.env.BENCH_API_PROFILE === '1' ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(ROOT, 'tests/bench/profiles')}` } : {}),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const client = new pg.Client({ connectionString: url });

async function call(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return { json, res };
}

async function signIn(who: { email: string; password: string }) {
  const { json, res } = await call('POST', '/api/auth/login', who, {});
  const cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  return { cookie, 'x-csrf-token': String(json.csrfToken ?? '') };
}

/** Creates the technician and the template ticket through the API, then COPYs the tickets. */
async function freshData(admin: Record<string, string>) {
  const created = await call('POST', '/api/users', { email: TECH.email, name: 'Bench technician', password: TECH.password, roles: ['technician'] }, admin);
  const technician = String((created.json.user as { id?: string } | undefined)?.id ?? created.json.id);
  // The template: a ticket the API creates and assigns, whose engine state every copy clones.
  const ticket = await call('POST', '/api/tickets', { type: 'general', data: { title: '模板工单', onSite: false } }, admin);
  const step = (ticket.json.steps as { task: string; actions: string[] }[])[0];
  if (!step) throw new Error('the template ticket has no open step');
  const assigned = await call('POST', `/api/tickets/${ticket.json.id}/actions`, { task: step.task, action: 'assign', input: { to: TEMPLATE_ASSIGNEE } }, admin);
  const [inst] = (
    await client.query('select tenant_id, release_number, process_key, process_version, state from process_instance where ticket_id = $1', [ticket.json.id])
  ).rows;
  const [task] = (await client.query(`select id, node, name, status from task where ticket_id = $1 and state <> 'done'`, [ticket.json.id])).rows;
  const template: Template = {
    tenantId: inst.tenant_id,
    release: inst.release_number,
    status: String(assigned.json.status),
    statusCategory: String(assigned.json.statusCategory),
    state: inst.state,
    processKey: inst.process_key,
    processVersion: inst.process_version,
    task,
  };
  const { mine } = await generateTickets(client, template, TICKETS, technician, log);
  const t0 = performance.now();
  await client.query('vacuum analyze');
  log(`vacuum analyze in ${((performance.now() - t0) / 1000).toFixed(1)} s; the technician is on ${mine.length} tickets`);
  return { technician, tenantId: template.tenantId, mine };
}

/** The technician and their tickets in a database an earlier run kept. */
async function previousData() {
  const [user] = (await client.query('select tenant_id, id from app_user where email = $1', [TECH.email])).rows;
  if (!user) throw new Error(`${dbName} has no benchmark technician: run once with BENCH_API_KEEP=1 and without BENCH_API_REUSE`);
  const rows = (await client.query('select ticket_id from ticket_member where tenant_id = $1 and user_id = $2', [user.tenant_id, user.id])).rows;
  log(`reusing ${dbName}: the technician is on ${rows.length} tickets`);
  return { technician: String(user.id), tenantId: String(user.tenant_id), mine: rows.map((r) => String(r.ticket_id)) };
}

try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (server.exitCode !== null || i > 1200) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const admin = await signIn(ADMIN);
  await client.connect();
  const { technician, tenantId, mine } = reused ? await previousData() : await freshData(admin);

  const tech = await signIn(TECH);
  const pick = () => mine[Math.floor(Math.random() * mine.length)] as string;
  const source = () => SOURCES[Math.floor(Math.random() * SOURCES.length)] as string;
  const listPath = (s: string) => `/api/tickets?type=general&filter=${encodeURIComponent(`data.source:eq:${s}`)}&limit=20`;
  // The SQL one list and one detail request run, captured from the same service the server uses.
  const sql = await captureSql(url, tenantId, technician, { list: listPath('wechat'), detail: pick() });
  if (process.env.BENCH_API_SQL === '1') {
    for (const s of [...sql.list, ...sql.detail]) {
      const plan = await client.query(`explain analyze ${s.text}`, s.values as unknown[]);
      log(`${s.text.replace(/\s+/g, ' ')}  ${JSON.stringify(s.values)}\n${plan.rows.map((r) => `#   ${r['QUERY PLAN']}`).join('\n')}`);
    }
  }

  const offer = (seconds: number, rate = RATE) =>
    autocannon({
      url: base,
      connections: CONNECTIONS,
      overallRate: rate,
      duration: seconds,
      headers: { cookie: tech.cookie },
      requests: [
        { method: 'GET', setupRequest: (r) => ({ ...r, path: listPath(source()) }) },
        { method: 'GET', setupRequest: (r) => ({ ...r, path: `/api/tickets/${pick()}` }) },
      ],
    });
  await offer(QUICK ? 1 : 5); // warm-up: JIT, plan cache, buffer cache
  const api = await offer(SECONDS);
  log(`API: ${api.requests.average} req/s achieved, p50 ${api.latency.p50} ms, p99 ${api.latency.p99} ms, non-2xx ${api.non2xx}, errors ${api.errors}`);
  const direct = await replay(url, sql, { rate: RATE, seconds: SECONDS, connections: CONNECTIONS, pool: POOL, pickTicket: pick, pickSource: source });
  log(`direct SQL: ${direct.achieved} req/s, p50 ${direct.p50} ms, p99 ${direct.p99} ms (${sql.list.length} list + ${sql.detail.length} detail statements)`);
  // Beside the defined figure: the same mix at a rate this machine sustains, so latency is not all queueing.
  const light = await offer(SECONDS, LIGHT_RATE);
  const lightDirect = await replay(url, sql, {
    rate: LIGHT_RATE,
    seconds: SECONDS,
    connections: CONNECTIONS,
    pool: POOL,
    pickTicket: pick,
    pickSource: source,
  });
  // The floor: the same load on the cheapest signed-in route (session lookup, principal, a small JSON body).
  const floor = await autocannon({ url: `${base}/api/me`, connections: CONNECTIONS, overallRate: RATE, duration: SECONDS, headers: { cookie: tech.cookie } });
  log(`floor, GET /api/me at ${RATE} req/s: p50 ${floor.latency.p50} ms, p99 ${floor.latency.p99} ms`);
  log(
    `at ${LIGHT_RATE} req/s: API p50 ${light.latency.p50} ms, p99 ${light.latency.p99} ms; direct SQL p50 ${round(lightDirect.p50)} ms, p99 ${round(lightDirect.p99)} ms`,
  );
  printResult({
    bench: 'api',
    tickets: TICKETS,
    offered_rps: RATE,
    achieved_rps: round(api.requests.average),
    p50_ms: round(api.latency.p50),
    p99_ms: round(api.latency.p99),
    non_2xx: api.non2xx,
    errors: api.errors,
    peer: 'pg direct',
    direct_p50_ms: round(direct.p50),
    direct_p99_ms: round(direct.p99),
    ratio_vs_psql: round(direct.p99 / api.latency.p99),
    target_p99_ms: 50,
    light_rps: LIGHT_RATE,
    light_p99_ms: round(light.latency.p99),
    light_direct_p99_ms: round(lightDirect.p99),
    light_ratio_vs_psql: round(lightDirect.p99 / light.latency.p99),
    floor_me_p99_ms: round(floor.latency.p99),
  });
} finally {
  await client.end().catch(() => undefined);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
  // BENCH_API_KEEP=1 leaves the database for EXPLAIN sessions (with a DATABASE_URL of your own).
  if (process.env.BENCH_API_KEEP !== '1' && !REUSE) {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${dbName} with (force)`);
    await c.end();
  }
}
