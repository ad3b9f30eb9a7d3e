import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { allocateNumber, formatNumber, localDate, type NumberContext, type NumberingRule } from '../numbering.ts';

describe('formatNumber', () => {
  const parts = { yyyy: '2026', MM: '03', dd: '02', orgUnit: 'BJ01', seq: 7 };
  it('fills every date token, the org unit and the zero-padded sequence', () => {
    expect(formatNumber('WX{yyyyMMdd}{seq:4}', parts)).toBe('WX202603020007');
    expect(formatNumber('{orgUnit}-{yy}{MM}{dd}-{seq:3}', parts)).toBe('BJ01-260302-007');
    expect(formatNumber('{yyyy}/{yyMMdd}/{seq}', parts)).toBe('2026/260302/7');
  });
  it('widens past the padding instead of wrapping', () => {
    expect(formatNumber('{seq:4}', { ...parts, seq: 9999 })).toBe('9999');
    expect(formatNumber('{seq:4}', { ...parts, seq: 10000 })).toBe('10000');
  });
  it('refuses a pattern with an unknown token', () => {
    expect(() => formatNumber('X{hh}{seq:2}', parts)).toThrow(expect.objectContaining({ code: 'BAD_NUMBER_PATTERN' }));
  });
  it('reads the calendar date in the tenant time zone', () => {
    expect(localDate(new Date('2026-03-02T15:59:59Z'), 'Asia/Shanghai')).toEqual({ yyyy: '2026', MM: '03', dd: '02' });
    expect(localDate(new Date('2026-03-02T16:00:00Z'), 'Asia/Shanghai')).toEqual({ yyyy: '2026', MM: '03', dd: '03' });
    expect(() => localDate(new Date(), 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'BAD_TIME_ZONE' }));
  });
});

describe.each(BACKENDS)('number allocation on %s', (_name, open) => {
  let t: TestDatabase;
  let tenant: string;
  beforeAll(async () => {
    t = await open();
    tenant = await t.newTenant();
  });
  afterAll(async () => {
    await t?.close();
  });

  const ctx = (over: Partial<NumberContext> = {}): NumberContext => ({
    subject: 'repair',
    timeZone: 'Asia/Shanghai',
    now: new Date('2026-03-02T02:00:00Z'),
    ...over,
  });
  const allocate = (rule: NumberingRule, c: NumberContext) => t.db.orm.em.fork().transactional((em) => allocateNumber(em, tenant, rule, c));

  it('gives 20 concurrent creators 1..20 with no gap and no duplicate', async () => {
    const rule = { pattern: 'C{seq:3}', sequenceScope: ['ticketType' as const] };
    const numbers = await Promise.all(Array.from({ length: 20 }, () => allocate(rule, ctx({ subject: 'concurrent' }))));
    expect(numbers.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `C${String(i + 1).padStart(3, '0')}`));
  });

  it('gives the number of a rolled-back create to the next creator', async () => {
    const rule = { pattern: 'R{seq:2}' };
    expect(await allocate(rule, ctx({ subject: 'rollback' }))).toBe('R01');
    const failed = t.db.orm.em.fork().transactional(async (em) => {
      expect(await allocateNumber(em, tenant, rule, ctx({ subject: 'rollback' }))).toBe('R02');
      throw new Error('the ticket insert failed');
    });
    await expect(failed).rejects.toThrow('the ticket insert failed');
    expect(await allocate(rule, ctx({ subject: 'rollback' }))).toBe('R02');
  });

  it('starts a new daily sequence at local midnight in Asia/Shanghai', async () => {
    const rule = { pattern: 'WX{yyyyMMdd}{seq:4}', sequenceScope: ['ticketType' as const, 'day' as const] };
    const beforeMidnight = ctx({ subject: 'daily', now: new Date('2026-03-02T15:59:59Z') });
    const afterMidnight = ctx({ subject: 'daily', now: new Date('2026-03-02T16:00:00Z') });
    expect(await allocate(rule, beforeMidnight)).toBe('WX202603020001');
    expect(await allocate(rule, beforeMidnight)).toBe('WX202603020002');
    expect(await allocate(rule, afterMidnight)).toBe('WX202603030001');
    expect(await allocate(rule, beforeMidnight)).toBe('WX202603020003');
  });

  it('keeps one sequence per org unit when scoped by org unit', async () => {
    const rule = { pattern: '{orgUnit}-{seq:3}', sequenceScope: ['orgUnit' as const] };
    expect(await allocate(rule, ctx({ subject: 'a', orgUnit: 'north' }))).toBe('north-001');
    expect(await allocate(rule, ctx({ subject: 'b', orgUnit: 'north' }))).toBe('north-002');
    expect(await allocate(rule, ctx({ subject: 'a', orgUnit: 'south' }))).toBe('south-001');
  });

  it('honours start and widens past the padding', async () => {
    const rule = { pattern: 'P{seq:4}', start: 9999 };
    expect(await allocate(rule, ctx({ subject: 'wide' }))).toBe('P9999');
    expect(await allocate(rule, ctx({ subject: 'wide' }))).toBe('P10000');
  });

  it('keeps each tenant its own counters', async () => {
    const other = await t.newTenant();
    const rule = { pattern: 'T{seq:2}' };
    expect(await allocate(rule, ctx({ subject: 'tenants' }))).toBe('T01');
    expect(await t.db.orm.em.fork().transactional((em) => allocateNumber(em, other, rule, ctx({ subject: 'tenants' })))).toBe('T01');
  });
});
