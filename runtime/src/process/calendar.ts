// Time-zone math uses Intl.DateTimeFormat (one cached formatter per calendar), not luxon or @date-fns/tz: luxon resolves an
// ambiguous local time with an offset guessed from today's date, so a deadline would depend on the season it is computed in.
import { type Calendar, WEEKDAYS } from '../definitions/kinds/calendar.ts';
import { DocketError } from '../errors.ts';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** A calendar with no working time in this many consecutive days is treated as never open. */
const NEVER_OPEN_DAYS = 3 * 366;
/** Cached days per calendar before the cache starts over (~55 years). */
const MAX_CACHED_DAYS = 20_000;

// ISO 8601 durations without years or months (their length varies); weeks may combine with days like the schema's pattern.
const DURATION = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
const YEARS_OR_MONTHS = /^P[^T]*[YM]/;

function badDuration(text: unknown, reason: string): DocketError {
  return new DocketError('BAD_DURATION', `Invalid duration ${JSON.stringify(text)}: ${reason}`, { duration: text });
}

/**
 * Milliseconds in an ISO 8601 duration: `PnW`, `PnD`, `PTnH`, `PTnM`, `PTn(.n)S` and combinations such as `P1DT2H30M`.
 * A day is 24 hours; on a business calendar that means 24 *working* hours (see BusinessCalendar).
 */
export function parseIsoDuration(text: string): number {
  const m = typeof text === 'string' ? DURATION.exec(text) : null;
  if (!m) {
    const yearsOrMonths = typeof text === 'string' && YEARS_OR_MONTHS.test(text);
    throw badDuration(text, yearsOrMonths ? 'years and months have no fixed length; use weeks, days or hours' : 'expected e.g. PT4H, P1DT2H30M');
  }
  const whole = (s: string | undefined) => (s ? Number(s) : 0);
  const seconds = m[5] ? Math.round(Number(m[5].replace(',', '.')) * SECOND_MS) : 0;
  const ms = whole(m[1]) * 7 * DAY_MS + whole(m[2]) * DAY_MS + whole(m[3]) * HOUR_MS + whole(m[4]) * MINUTE_MS + seconds;
  if (!Number.isSafeInteger(ms)) throw badDuration(text, 'too long');
  return ms;
}

/** Whether parseIsoDuration accepts `text`. */
export function isIsoDuration(text: unknown): boolean {
  if (typeof text !== 'string' || !DURATION.test(text)) return false;
  try {
    parseIsoDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Working time on a calendar. Instants are half-open: an interval 09:00–12:00 is open at 09:00 and closed at 12:00. */
export interface BusinessCalendar {
  /**
   * The instant at which `ms` of working time has elapsed after `start`; counting begins at the next opening when
   * `start` is closed (so `ms = 0` gives `nextOpening(start)`). Durations are plain milliseconds, so `P1D` is 24 working
   * hours, as SLA tools such as Jira count them, not "one business day": write business timeouts in hours.
   */
  addBusinessTime(start: Date, ms: number): Date;
  /** Working milliseconds between two instants, 0 when `b <= a`. */
  businessTimeBetween(a: Date, b: Date): number;
  isWorkingTime(at: Date): boolean;
  /** The first working instant at or after `at` (`at` itself when open). */
  nextOpening(at: Date): Date;
}

/** Plain elapsed time, for timeouts without a calendar. */
export function addWallTime(start: Date, ms: number): Date {
  checkDuration(ms);
  return new Date(instant(start) + ms);
}

/** The 24×7 calendar: every instant is working time. */
export const WALL_CLOCK: BusinessCalendar = {
  addBusinessTime: addWallTime,
  businessTimeBetween: (a, b) => Math.max(0, instant(b) - instant(a)),
  isWorkingTime: () => true,
  nextOpening: (at) => new Date(instant(at)),
};

function instant(d: Date): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new DocketError('BAD_INSTANT', `Not a valid date: ${String(d)}`);
  return t;
}

function checkDuration(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) throw badDuration(ms, 'expected a whole, non-negative number of milliseconds');
}

/** One local date: `start`/`end` are its first instant and the next date's; `open` holds [from, to, from, to…] instants. */
interface Day {
  n: number;
  start: number;
  end: number;
  open: number[];
  total: number;
}

/** Minutes after local midnight: [from, to] pairs, sorted and merged. */
type Hours = number[];

const compiled = new WeakMap<Calendar, BusinessCalendar>();

/**
 * Compiles a calendar definition once (the result is cached per definition object). Local dates are days since
 * 1970-01-01; each date's working intervals are turned into instants on first use and cached.
 *
 * Hours are local wall-clock hours, so on a DST-change day 09:00–17:00 can be 7 or 9 real hours. Each boundary is
 * the first instant at which the local clock reads that time: a time in a spring-forward gap moves forward to the end
 * of the gap, an ambiguous time uses its first occurrence. A date that is both a holiday and a workday is a holiday.
 * A workday without `hours` uses Monday's hours (the first weekday from Monday that has any, if Monday has none).
 */
export function compileCalendar(calendar: Calendar): BusinessCalendar {
  let c = compiled.get(calendar);
  if (!c) {
    c = new CompiledCalendar(calendar);
    compiled.set(calendar, c);
  }
  return c;
}

class CompiledCalendar implements BusinessCalendar {
  private readonly key: string;
  private readonly offset: (t: number) => number;
  private readonly week: Hours[];
  private readonly holidays: Set<number>;
  private readonly workdays: Map<number, Hours>;
  /** No date after this one has working time (Infinity when some weekday has hours). */
  private readonly lastOpenDay: number;
  private readonly days = new Map<number, Day>();
  private readonly midnights = new Map<number, number>();
  /** The zone's offset at 00:00 UTC of day n. */
  private readonly probes = new Map<number, number>();

  constructor(calendar: Calendar) {
    this.key = calendar.key;
    this.offset = zoneOffset(calendar.timeZone);
    this.week = WEEKDAYS.map((d) => hours(calendar.week[d]));
    const usual = this.week.find((h) => h.length > 0) ?? [];
    this.holidays = new Set((calendar.holidays ?? []).map((h) => dayNumber(h.date)));
    this.workdays = new Map(
      (calendar.workdays ?? []).filter((w) => !this.holidays.has(dayNumber(w.date))).map((w) => [dayNumber(w.date), w.hours ? hours(w.hours) : usual]),
    );
    const openWorkdays = [...this.workdays].filter(([, h]) => h.length > 0).map(([n]) => n);
    this.lastOpenDay = usual.length > 0 ? Number.POSITIVE_INFINITY : Math.max(Number.NEGATIVE_INFINITY, ...openWorkdays);
  }

  addBusinessTime(start: Date, ms: number): Date {
    checkDuration(ms);
    let t = instant(start);
    let left = ms;
    let closed = 0;
    for (let d = this.dayOf(t); ; d = this.day(d.n + 1), t = d.start) {
      if (d.total === 0) {
        if (++closed > NEVER_OPEN_DAYS || d.n > this.lastOpenDay) throw this.neverOpen(start);
        continue;
      }
      closed = 0;
      if (t <= d.start && left > d.total) {
        left -= d.total;
        continue;
      }
      const o = d.open;
      for (let i = 0; i < o.length; i += 2) {
        const to = o[i + 1]!;
        if (to <= t) continue;
        const from = Math.max(o[i]!, t);
        if (left <= to - from) return new Date(from + left);
        left -= to - from;
      }
    }
  }

  businessTimeBetween(a: Date, b: Date): number {
    const t = instant(a);
    const end = instant(b);
    let sum = 0;
    if (end <= t) return sum;
    for (let d = this.dayOf(t); ; d = this.day(d.n + 1)) {
      if (t <= d.start && d.end <= end) sum += d.total;
      else {
        const o = d.open;
        for (let i = 0; i < o.length; i += 2) sum += Math.max(0, Math.min(o[i + 1]!, end) - Math.max(o[i]!, t));
      }
      if (d.end >= end) return sum;
    }
  }

  isWorkingTime(at: Date): boolean {
    const t = instant(at);
    const o = this.dayOf(t).open;
    for (let i = 0; i < o.length; i += 2) if (o[i]! <= t && t < o[i + 1]!) return true;
    return false;
  }

  nextOpening(at: Date): Date {
    return this.addBusinessTime(at, 0);
  }

  private neverOpen(from: Date): DocketError {
    return new DocketError('CALENDAR_NEVER_OPEN', `Calendar "${this.key}" has no working time after ${from.toISOString()}`, {
      calendar: this.key,
      from: from.toISOString(),
    });
  }

  /** The local date containing instant `t`. */
  private dayOf(t: number): Day {
    let d = this.day(Math.floor(t / DAY_MS));
    while (t < d.start) d = this.day(d.n - 1);
    while (t >= d.end) d = this.day(d.n + 1);
    return d;
  }

  private day(n: number): Day {
    let d = this.days.get(n);
    if (d) return d;
    if (this.days.size >= MAX_CACHED_DAYS) {
      this.days.clear();
      this.midnights.clear();
      this.probes.clear();
    }
    d = this.build(n);
    this.days.set(n, d);
    return d;
  }

  private build(n: number): Day {
    const start = this.midnight(n);
    const end = this.midnight(n + 1);
    const h = this.holidays.has(n) ? [] : (this.workdays.get(n) ?? this.week[((n % 7) + 10) % 7]!); // 1970-01-01 was a Thursday
    const open: number[] = [];
    const toInstant = this.localTime(n);
    for (let i = 0; i < h.length; i += 2) {
      const from = Math.max(start, toInstant(h[i]! * MINUTE_MS));
      const to = Math.min(end, toInstant(h[i + 1]! * MINUTE_MS));
      if (to <= from) continue;
      // Boundaries are monotonic in local time, but a DST jump can make neighbouring intervals touch.
      if (open.length > 0 && from <= open[open.length - 1]!) open[open.length - 1] = Math.max(open[open.length - 1]!, to);
      else open.push(from, to);
    }
    let total = 0;
    for (let i = 0; i < open.length; i += 2) total += open[i + 1]! - open[i]!;
    return { n, start, end, open, total };
  }

  private midnight(n: number): number {
    let t = this.midnights.get(n);
    if (t === undefined) {
      t = this.localTime(n)(0);
      this.midnights.set(n, t);
    }
    return t;
  }

  /** Maps milliseconds after local midnight of date `n` (up to 24 h) to instants. */
  private localTime(n: number): (ms: number) => number {
    const base = n * DAY_MS;
    // Offsets a day before and after this date; IANA zones never change offset twice within these three days.
    const before = this.probe(n - 1);
    const after = this.probe(n + 2);
    if (before === after) return (ms) => base + ms - before;
    return (ms) => this.resolve(base + ms, before, after);
  }

  private probe(n: number): number {
    let o = this.probes.get(n);
    if (o === undefined) {
      o = this.offset(n * DAY_MS);
      this.probes.set(n, o);
    }
    return o;
  }

  /** `local` is a wall-clock reading written as if it were UTC, on a date whose offset changes from `before` to `after`. */
  private resolve(local: number, before: number, after: number): number {
    const early = local - before;
    const late = local - after;
    const validEarly = this.offset(early) === before;
    const validLate = this.offset(late) === after;
    if (validEarly && validLate) return Math.min(early, late); // ambiguous: first occurrence
    if (validEarly) return early;
    if (validLate) return late;
    return this.transition(late, early); // in a spring-forward gap: the instant the clock jumps
  }

  /** The first whole second in (lo, hi] whose offset differs from lo's. */
  private transition(lo: number, hi: number): number {
    let a = Math.floor(lo / SECOND_MS);
    let b = Math.ceil(hi / SECOND_MS);
    const o = this.offset(a * SECOND_MS);
    while (b - a > 1) {
      const m = Math.floor((a + b) / 2);
      if (this.offset(m * SECOND_MS) === o) a = m;
      else b = m;
    }
    return b * SECOND_MS;
  }
}

/** Sorted, merged [from, to] minute pairs; empty or inverted intervals are ignored. */
function hours(list: readonly { from: string; to: string }[] | undefined): Hours {
  const pairs = (list ?? [])
    .map((h) => [minutes(h.from), minutes(h.to)] as const)
    .filter(([from, to]) => from < to)
    .sort((x, y) => x[0] - y[0]);
  const out: Hours = [];
  for (const [from, to] of pairs) {
    if (out.length > 0 && from <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, to);
    else out.push(from, to);
  }
  return out;
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. */
function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

/** The zone's UTC offset in ms at an instant (local wall clock minus UTC). */
function zoneOffset(timeZone: string): (t: number) => number {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new DocketError('BAD_TIME_ZONE', `Unknown time zone ${JSON.stringify(timeZone)}`, { timeZone });
  }
  return (t) => {
    const v = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    for (const p of format.formatToParts(t)) if (p.type in v) v[p.type as keyof typeof v] = Number(p.value);
    const wall = Date.UTC(v.year, v.month - 1, v.day, v.hour % 24, v.minute, v.second);
    return wall - Math.floor(t / SECOND_MS) * SECOND_MS;
  };
}
