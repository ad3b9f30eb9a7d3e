/**
 * Shared helpers for the benchmarks in tests/bench (see ../shared/design/BENCHMARKS.md):
 * every benchmark runs Docket and its peer in the same run, repeats each measurement
 * at least 3 times, reports the median and prints one JSON object as its last line.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/** `BENCH_QUICK=1`: shrink every workload to a tiny smoke run (tests check that benchmarks run). */
export const QUICK = process.env.BENCH_QUICK === '1';

/** Repeats per measurement: at least 3 (BENCHMARKS.md); `BENCH_REPEATS` may ask for more. */
export const REPEATS = Math.max(3, Number(process.env.BENCH_REPEATS) || (QUICK ? 3 : 5));

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface MeasureOptions {
  /** Timed runs (default REPEATS, which is at least 3; fewer only for interleaving sides run by run). */
  repeats?: number;
  /** Untimed runs first, so the JIT and caches are warm (default 1). */
  warmup?: number;
}

/** Runs `fn` `warmup` times untimed, then `repeats` times timed; returns each timed duration in ms. */
export async function measure(fn: () => unknown, { repeats = REPEATS, warmup = 1 }: MeasureOptions = {}): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const durations: number[] = [];
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const t0 = performance.now();
    await fn();
    durations.push(performance.now() - t0);
  }
  return durations;
}

/**
 * How many times `fn` must run back to back to take at least `targetMs`
 * (so one timed run is long enough for the clock and the JIT). Also warms `fn` up.
 */
export async function calibrate(fn: () => unknown, targetMs: number): Promise<number> {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const ms = performance.now() - t0;
    if (ms >= targetMs) return n;
    // Aim 20% past the target; at least double when the last run was too short to tell.
    n = ms < targetMs / 8 ? n * 8 : Math.ceil((n * targetMs * 1.2) / Math.max(ms, 0.001));
  }
}

/** Per second from a count and a duration in ms. */
export const perSecond = (count: number, ms: number): number => (count * 1000) / ms;

/** Rounds for display and JSON: 3 significant digits, whole numbers above 1000. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 1000) return Math.round(x);
  return Number(x.toPrecision(3));
}

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  date: string;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** Human-readable header: benchmark name and the machine facts docs/performance.md records. */
export function printHeader(name: string, extra: Record<string, unknown> = {}): MachineFacts {
  const m = machineFacts();
  console.log(`# bench ${name}${QUICK ? ' (BENCH_QUICK: smoke run, figures are meaningless)' : ''}`);
  console.log(`# ${m.date} · ${m.cpus} CPU × ${m.cpuModel} · node ${m.node} · ${m.platform}`);
  for (const [k, v] of Object.entries(extra)) console.log(`# ${k}: ${v}`);
  return m;
}

/** The benchmark's result: one JSON object on one line. Call it last. */
export function printResult(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}
