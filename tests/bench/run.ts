/**
 * `npm run bench` runs every tests/bench/<name>.bench.ts; `npm run bench -- <name> [<name>…]`
 * runs the ones named. Each benchmark is a child process of the same Node executable, so
 * each gets a clean heap; they run one after another in sorted order. The environment
 * (BENCH_QUICK=1 for a smoke run, BENCH_REPEATS) passes through.
 *
 * The runner writes its own messages to stderr, so the last line on stdout is the last
 * benchmark's JSON result.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const SUFFIX = '.bench.ts';
const known = readdirSync(dir)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
  console.error('usage: npm run bench [-- <name> [<name>…]]   (BENCH_QUICK=1 for a smoke run)');
  console.error(`benchmarks: ${known.join(', ') || '(none)'}`);
  process.exit(0);
}

// Accept `definitions`, `definitions.bench.ts` or `tests/bench/definitions.bench.ts`.
const requested = args.map((a) => a.replace(/^.*\//, '').replace(/\.bench\.ts$/, ''));
const unknown = requested.filter((n) => !known.includes(n));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  console.error(`bench: known benchmarks: ${known.join(', ') || '(none)'}`);
  process.exit(1);
}
const selected = requested.length > 0 ? [...new Set(requested)].sort() : known;
if (selected.length === 0) {
  console.error(`bench: no *${SUFFIX} files in ${dir}`);
  process.exit(1);
}

function run(name: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, `${name}${SUFFIX}`)], { stdio: 'inherit' });
    child.on('error', (e) => {
      console.error(`bench: could not start ${name}: ${e.message}`);
      resolve({ code: 1, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

const failed: string[] = [];
for (const name of selected) {
  console.error(`bench: running ${name}${process.env.BENCH_QUICK === '1' ? ' (BENCH_QUICK=1)' : ''}`);
  const t0 = performance.now();
  const { code, signal } = await run(name);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (code === 0) console.error(`bench: ${name} done in ${secs} s`);
  else {
    failed.push(name);
    console.error(`bench: ${name} FAILED after ${secs} s (${signal ? `signal ${signal}` : `exit code ${code}`})`);
  }
}
if (failed.length > 0) {
  console.error(`bench: ${failed.length} of ${selected.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
