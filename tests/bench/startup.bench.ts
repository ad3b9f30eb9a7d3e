/**
 * `startup`: `npm start` → GET /api/health 200 on an existing (warm) data dir, idle RSS
 * of the Node process that serves (not npm), and the cold first start (new data dir:
 * PGlite initdb + migrations + core definitions). Peer in the same run: opening the
 * same warm PGlite data dir alone (PGlite.create + select 1) in a fresh Node process.
 * Targets: startup < 10 s, idle RSS < 250 MB.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printHeader, printResult, QUICK, REPEATS, round } from './lib.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The process serving `port`: the Node 24 process running `docket start`, not npm or sh. */
function serverPid(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const env = readFileSync(`/proc/${name}/environ`, 'utf8');
      const isNode = /(^|\/)node$/.test(argv[0] ?? '');
      if (isNode && argv.some((a) => a.endsWith('docket') || a.endsWith('docket.js')) && argv.includes('start') && env.split('\0').includes(`PORT=${port}`))
        return Number(name);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function startOnce(dataDir: string): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', PORT: String(port), DOCKET_DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      if (performance.now() - t0 > 120_000) throw new Error('no health within 120 s');
      await new Promise((r) => setTimeout(r, 25));
    }
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage settle: "idle"
    const pid = serverPid(port);
    const rss = pid ? rssMb(pid) : Number.NaN;
    return { ms, rss };
  } finally {
    const exited = new Promise((r) => child.on('exit', r));
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
    // npm exits before its child: wait until the data dir lock is released.
    for (let i = 0; i < 200 && readdirSync(dataDir).includes('docket.lock'); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

function pgliteOpenMs(dataDir: string): number {
  const script = `import { PGlite } from '@electric-sql/pglite';
const t0 = performance.now(); const db = await PGlite.create(${JSON.stringify(join(dataDir, 'pgdata'))}); await db.query('select 1');
console.log(performance.now() - t0); await db.close();`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(ROOT, 'runtime'), encoding: 'utf8' });
  return Number(out.trim().split('\n').pop());
}

printHeader('startup', { repeats: REPEATS });
const dataDir = await mkdtemp(join(tmpdir(), 'docket-bench-startup-'));
try {
  const cold = await startOnce(dataDir);
  console.log(`cold first start (initdb + migrations + core definitions): ${round(cold.ms)} ms`);
  const warm: { ms: number; rss: number }[] = [];
  const peer: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : REPEATS); i++) {
    warm.push(await startOnce(dataDir));
    peer.push(pgliteOpenMs(dataDir));
    console.log(
      `warm start ${i + 1}: ${round(warm[i]?.ms ?? 0)} ms to health 200, idle RSS ${round(warm[i]?.rss ?? 0)} MB; PGlite open alone ${round(peer[i] ?? 0)} ms`,
    );
  }
  const startupMs = median(warm.map((w) => w.ms));
  const rss = median(warm.map((w) => w.rss));
  const peerMs = median(peer);
  console.log(`median: startup ${round(startupMs)} ms (target < 10000), idle RSS ${round(rss)} MB (target < 250), PGlite open ${round(peerMs)} ms`);
  printResult({
    bench: 'startup',
    startup_ms: round(startupMs),
    idle_rss_mb: round(rss),
    cold_start_ms: round(cold.ms),
    peer: 'pglite-warm-open',
    peer_ms: round(peerMs),
    ratio_vs_pglite_open: round(startupMs / peerMs),
    target_startup_ms: 10000,
    target_idle_rss_mb: 250,
    repeats: warm.length,
  });
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
