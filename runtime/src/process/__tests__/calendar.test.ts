import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Calendar } from '../../definitions/kinds/calendar.ts';
import { DocketError } from '../../errors.ts';
import { addWallTime, type BusinessCalendar, compileCalendar, isIsoDuration, parseIsoDuration, WALL_CLOCK } from '../calendar.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const OFFICE = [
  { from: '09:00', to: '12:00' },
  { from: '13:30', to: '18:00' },
];

/** A local wall-clock reading with an explicit offset, e.g. at('2026-03-13T17:00', '+08:00'). */
const at = (local: string, offset: string) => new Date(`${local}:00${offset}`);
const shanghai = (local: string) => at(local, '+08:00');

function calendar(timeZone: string, week: Calendar['week'], extra: Partial<Calendar> = {}): Calendar {
  return { kind: 'calendar', key: 'test', name: { en: 'Test' }, timeZone, week, ...extra };
}

function thrown(f: () => unknown): DocketError {
  try {
    f();
  } catch (e) {
    if (e instanceof DocketError) return e;
    throw e;
  }
  throw new Error('expected a DocketError');
}

let standard: BusinessCalendar;
beforeAll(async () => {
  const json = await readFile(new URL('../../../../definitions/calendars/default.json', import.meta.url), 'utf8');
  standard = compileCalendar(JSON.parse(json) as Calendar);
});

describe('ISO durations', () => {
  it('weeks, days, hours, minutes and (fractional) seconds become milliseconds', () => {
    expect(parseIsoDuration('PT4H')).toBe(4 * HOUR);
    expect(parseIsoDuration('PT30M')).toBe(30 * MINUTE);
    expect(parseIsoDuration('PT1.5S')).toBe(1500);
    expect(parseIsoDuration('P1DT2H30M')).toBe(26 * HOUR + 30 * MINUTE);
    expect(parseIsoDuration('P2W')).toBe(14 * 24 * HOUR);
    expect(parseIsoDuration('P1W1D')).toBe(8 * 24 * HOUR);
    expect(parseIsoDuration('PT0S')).toBe(0);
  });

  it('malformed durations are refused with BAD_DURATION naming the text', () => {
    for (const text of ['', 'P', 'PT', 'P1DT', '1H', 'PT1.5H', 'pt1h', 'P1H', 'PT-1H', ' PT1H', 'P99999999999999W']) {
      const e = thrown(() => parseIsoDuration(text));
      expect(e.code).toBe('BAD_DURATION');
      expect(e.message).toContain(JSON.stringify(text));
      expect(isIsoDuration(text)).toBe(false);
    }
  });

  it('years and months are refused because their length varies', () => {
    for (const text of ['P1Y', 'P1M', 'P1Y2M3D', 'P1MT2H']) {
      const e = thrown(() => parseIsoDuration(text));
      expect(e.code).toBe('BAD_DURATION');
      expect(e.message).toContain('years and months');
      expect(isIsoDuration(text)).toBe(false);
    }
    expect(isIsoDuration('PT1M')).toBe(true);
  });
});

describe('business time on the default calendar (Asia/Shanghai, 09:00–12:00 and 13:30–18:00)', () => {
  it('2 working hours from Friday 17:00 in Shanghai ends Monday 10:00', () => {
    expect(standard.addBusinessTime(shanghai('2026-03-13T17:00'), 2 * HOUR)).toEqual(shanghai('2026-03-16T10:00'));
  });

  it('a timeout reaching closing time ends at closing time, not at the next opening', () => {
    expect(standard.addBusinessTime(shanghai('2026-03-13T17:00'), HOUR)).toEqual(shanghai('2026-03-13T18:00'));
  });

  it('a timeout crossing the lunch break skips 12:00–13:30', () => {
    expect(standard.addBusinessTime(shanghai('2026-03-09T11:00'), 2 * HOUR)).toEqual(shanghai('2026-03-09T14:30'));
  });

  it("a full working day ends at that day's closing, not at the next opening", () => {
    expect(standard.addBusinessTime(shanghai('2026-03-09T09:00'), 7.5 * HOUR)).toEqual(shanghai('2026-03-09T18:00'));
    expect(standard.addBusinessTime(shanghai('2026-03-08T20:00'), 7.5 * HOUR)).toEqual(shanghai('2026-03-09T18:00'));
  });

  it('a start outside working hours counts from the next opening', () => {
    expect(standard.addBusinessTime(shanghai('2026-03-09T12:15'), 30 * MINUTE)).toEqual(shanghai('2026-03-09T14:00'));
    expect(standard.addBusinessTime(shanghai('2026-03-14T08:00'), 30 * MINUTE)).toEqual(shanghai('2026-03-16T09:30'));
    expect(standard.addBusinessTime(shanghai('2026-03-09T18:00'), 0)).toEqual(shanghai('2026-03-10T09:00'));
  });

  it('holidays are skipped and a 调休 Saturday counts', () => {
    // Wed 09-30 17:00: 1 h, National Day 10-01…10-07 closed, Thu and Fri 7.5 h each, then Saturday 10-10 is a workday.
    expect(standard.addBusinessTime(shanghai('2026-09-30T17:00'), parseIsoDuration('PT17H'))).toEqual(shanghai('2026-10-10T10:00'));
    expect(standard.isWorkingTime(shanghai('2026-10-01T10:00'))).toBe(false);
    expect(standard.isWorkingTime(shanghai('2026-10-10T10:00'))).toBe(true);
    expect(standard.isWorkingTime(shanghai('2026-10-11T10:00'))).toBe(false);
    expect(standard.nextOpening(shanghai('2026-02-13T18:30'))).toEqual(shanghai('2026-02-14T09:00'));
  });

  it('P1D in business mode is 24 working hours', () => {
    // Mon, Tue and Wed give 22.5 h; the last 1.5 h run Thursday 09:00–10:30.
    expect(standard.addBusinessTime(shanghai('2026-03-09T09:00'), parseIsoDuration('P1D'))).toEqual(shanghai('2026-03-12T10:30'));
    expect(standard.businessTimeBetween(shanghai('2026-03-09T09:00'), shanghai('2026-03-12T10:30'))).toBe(24 * HOUR);
  });

  it('working time between two instants counts only opening hours', () => {
    // Friday 11:00–12:00 and 13:30–18:00, nothing at the weekend, Monday 09:00–10:00.
    expect(standard.businessTimeBetween(shanghai('2026-03-13T11:00'), shanghai('2026-03-16T10:00'))).toBe(6.5 * HOUR);
    expect(standard.businessTimeBetween(shanghai('2026-03-14T00:00'), shanghai('2026-03-15T23:59'))).toBe(0);
    expect(standard.businessTimeBetween(shanghai('2026-03-16T10:00'), shanghai('2026-03-13T11:00'))).toBe(0);
  });

  it('a step paused over a weekend keeps its remaining working time', () => {
    const started = shanghai('2026-03-13T10:00');
    const due = standard.addBusinessTime(started, 8 * HOUR);
    expect(due).toEqual(shanghai('2026-03-16T10:30'));
    const pausedAt = shanghai('2026-03-13T16:00');
    const remaining = standard.businessTimeBetween(pausedAt, due);
    expect(remaining).toBe(3.5 * HOUR);
    const resumedAt = shanghai('2026-03-16T14:00');
    expect(standard.addBusinessTime(resumedAt, remaining)).toEqual(shanghai('2026-03-16T17:30'));
  });

  it('isWorkingTime treats opening hours as half-open', () => {
    expect(standard.isWorkingTime(shanghai('2026-03-09T09:00'))).toBe(true);
    expect(standard.isWorkingTime(shanghai('2026-03-09T12:00'))).toBe(false);
    expect(standard.nextOpening(shanghai('2026-03-09T12:00'))).toEqual(shanghai('2026-03-09T13:30'));
    expect(standard.nextOpening(shanghai('2026-03-09T10:00'))).toEqual(shanghai('2026-03-09T10:00'));
  });
});

describe('workdays, time zones and daylight saving', () => {
  it("a workday without hours uses Monday's hours", () => {
    const c = compileCalendar(calendar('Asia/Shanghai', { mon: OFFICE, tue: [{ from: '10:00', to: '11:00' }] }, { workdays: [{ date: '2026-03-14' }] }));
    expect(c.businessTimeBetween(shanghai('2026-03-14T00:00'), shanghai('2026-03-15T00:00'))).toBe(7.5 * HOUR);
  });

  it('DST spring-forward day in New York', () => {
    // 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT, so 01:00–04:00 holds two real hours.
    const c = compileCalendar(calendar('America/New_York', { sun: [{ from: '01:00', to: '04:00' }], mon: [{ from: '09:00', to: '17:00' }] }));
    expect(c.addBusinessTime(at('2026-03-08T01:00', '-05:00'), 2 * HOUR)).toEqual(at('2026-03-08T04:00', '-04:00'));
    expect(c.businessTimeBetween(at('2026-03-08T00:00', '-05:00'), at('2026-03-09T00:00', '-04:00'))).toBe(2 * HOUR);
    // Monday's 09:00 is now 13:00 UTC, not 14:00.
    expect(c.nextOpening(at('2026-03-08T05:00', '-04:00'))).toEqual(new Date('2026-03-09T13:00:00Z'));
  });

  it('an opening inside the spring-forward gap moves forward to the end of the gap', () => {
    const c = compileCalendar(calendar('America/New_York', { sun: [{ from: '02:30', to: '05:00' }] }));
    expect(c.nextOpening(at('2026-03-08T00:00', '-05:00'))).toEqual(at('2026-03-08T03:00', '-04:00'));
    expect(c.businessTimeBetween(at('2026-03-08T00:00', '-05:00'), at('2026-03-09T00:00', '-04:00'))).toBe(2 * HOUR);
  });

  it('an ambiguous fall-back time uses its first occurrence', () => {
    // 2026-11-01: 01:00–02:00 happens twice in New York (EDT, then EST).
    const c = compileCalendar(calendar('America/New_York', { sun: [{ from: '01:30', to: '03:00' }] }));
    expect(c.nextOpening(at('2026-11-01T00:00', '-04:00'))).toEqual(at('2026-11-01T01:30', '-04:00'));
    expect(c.businessTimeBetween(at('2026-11-01T00:00', '-04:00'), at('2026-11-02T00:00', '-05:00'))).toBe(2.5 * HOUR);
  });

  it('Berlin office hours follow local time across the change to summer time', () => {
    const c = compileCalendar(calendar('Europe/Berlin', { fri: [{ from: '09:00', to: '17:00' }], mon: [{ from: '09:00', to: '17:00' }] }));
    // Friday 27 March is CET (+01:00); Monday 30 March is CEST (+02:00).
    expect(c.addBusinessTime(at('2026-03-27T16:00', '+01:00'), 2 * HOUR)).toEqual(at('2026-03-30T10:00', '+02:00'));
  });

  it('a calendar that is never open is refused with CALENDAR_NEVER_OPEN', () => {
    const never = compileCalendar(calendar('Asia/Shanghai', {}));
    expect(thrown(() => never.addBusinessTime(shanghai('2026-03-13T10:00'), HOUR)).code).toBe('CALENDAR_NEVER_OPEN');
    expect(thrown(() => never.nextOpening(shanghai('2026-03-13T10:00'))).code).toBe('CALENDAR_NEVER_OPEN');
    expect(never.businessTimeBetween(shanghai('2026-01-01T00:00'), shanghai('2027-01-01T00:00'))).toBe(0);
    expect(never.isWorkingTime(shanghai('2026-03-13T10:00'))).toBe(false);

    const onlyOneDay = compileCalendar(calendar('Asia/Shanghai', {}, { workdays: [{ date: '2026-03-14', hours: OFFICE }] }));
    expect(onlyOneDay.addBusinessTime(shanghai('2026-03-01T00:00'), HOUR)).toEqual(shanghai('2026-03-14T10:00'));
    expect(thrown(() => onlyOneDay.addBusinessTime(shanghai('2026-03-14T10:00'), 8 * HOUR)).code).toBe('CALENDAR_NEVER_OPEN');

    // Hours that every holiday cancels: found by scanning 3 years, not by the quick check.
    const holidays = Array.from({ length: 4 * 366 }, (_, i) => ({ date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10) }));
    const allHolidays = compileCalendar(calendar('Asia/Shanghai', { mon: OFFICE }, { holidays }));
    expect(thrown(() => allHolidays.addBusinessTime(shanghai('2026-01-01T00:00'), HOUR)).code).toBe('CALENDAR_NEVER_OPEN');
  });

  it('without a calendar, time runs 24×7', () => {
    const start = shanghai('2026-03-13T17:00');
    expect(addWallTime(start, parseIsoDuration('P1D'))).toEqual(shanghai('2026-03-14T17:00'));
    expect(WALL_CLOCK.businessTimeBetween(start, shanghai('2026-03-14T17:00'))).toBe(24 * HOUR);
    expect(WALL_CLOCK.isWorkingTime(start)).toBe(true);
  });

  it('negative or fractional durations and invalid dates are refused', () => {
    expect(thrown(() => standard.addBusinessTime(shanghai('2026-03-13T17:00'), -1)).code).toBe('BAD_DURATION');
    expect(thrown(() => standard.addBusinessTime(shanghai('2026-03-13T17:00'), 0.5)).code).toBe('BAD_DURATION');
    expect(thrown(() => standard.addBusinessTime(new Date(Number.NaN), HOUR)).code).toBe('BAD_INSTANT');
  });
});

describe('properties', () => {
  const berlin = compileCalendar(
    calendar(
      'Europe/Berlin',
      {
        mon: [
          { from: '08:00', to: '12:00' },
          { from: '13:00', to: '17:00' },
        ],
        wed: [{ from: '08:00', to: '17:00' }],
        fri: [{ from: '08:00', to: '14:00' }],
        // Early on Sunday to cross both DST changes (02:00→03:00 in March, 03:00→02:00 in October).
        sun: [{ from: '01:30', to: '03:30' }],
      },
      { holidays: [{ date: '2026-04-03' }, { date: '2026-12-25' }], workdays: [{ date: '2026-10-24', hours: [{ from: '00:00', to: '24:00' }] }] },
    ),
  );
  // Half of the starts and durations are whole half-hours, so they often land exactly on openings and closings.
  const anyStart = fc.date({ min: new Date('2025-10-01T00:00:00Z'), max: new Date('2027-04-01T00:00:00Z'), noInvalidDate: true });
  const starts = fc.oneof(
    anyStart,
    anyStart.map((d) => new Date(Math.floor(d.getTime() / (30 * MINUTE)) * 30 * MINUTE)),
  );
  const durations = fc.oneof(
    fc.integer({ min: 0, max: 200 * HOUR }),
    fc.integer({ min: 0, max: 400 }).map((n) => n * 30 * MINUTE),
  );
  const calendars = () =>
    [
      ['default', standard],
      ['berlin', berlin],
    ] as const;

  it('working time between a start and start + d is d', () => {
    for (const [, c] of calendars()) {
      fc.assert(
        fc.property(starts, durations, (s, d) => {
          const due = c.addBusinessTime(s, d);
          expect(c.businessTimeBetween(s, due)).toBe(d);
          expect(due.getTime()).toBeGreaterThanOrEqual(s.getTime());
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('addBusinessTime is monotonic in the duration', () => {
    for (const [, c] of calendars()) {
      fc.assert(
        fc.property(starts, durations, durations, (s, d1, d2) => {
          const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1];
          expect(c.addBusinessTime(s, lo).getTime()).toBeLessThanOrEqual(c.addBusinessTime(s, hi).getTime());
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('the due instant of a positive duration is working time or a closing time', () => {
    for (const [, c] of calendars()) {
      fc.assert(
        fc.property(
          starts,
          durations.filter((d) => d > 0),
          (s, d) => {
            const due = c.addBusinessTime(s, d);
            expect(c.isWorkingTime(new Date(due.getTime() - 1))).toBe(true);
          },
        ),
        { numRuns: 1000 },
      );
    }
  });
});
