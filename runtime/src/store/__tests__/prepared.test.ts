import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { readRows } from '../prepared.ts';

describe.each(BACKENDS)('hot-path reads on %s', (name, open) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('binds ? placeholders in order, with \\? for a literal question mark, as em.execute does', async () => {
    const em = t.db.orm.em.fork();
    const sql = `select ?::int as a, 'why\\?' as b, ?::text as c, ?::text as d`;
    const values = [41, `it's "quoted"?`, null];
    const [row] = await readRows<{ a: number; b: string; c: string; d: string | null }>(em, sql, values);
    expect(row).toEqual({ a: 41, b: 'why?', c: `it's "quoted"?`, d: null });
    expect(await em.execute(sql, values)).toEqual([row]);
  });

  it('passes dates and objects as em.execute would inline them', async () => {
    const em = t.db.orm.em.fork();
    const when = new Date('2026-03-01T08:30:00Z');
    const [row] = await readRows<{ at: string; n: string }>(em, `select (?::timestamptz at time zone 'UTC')::text as at, (?::jsonb)->>'n' as n`, [
      when,
      { n: 'x' },
    ]);
    expect(row).toEqual({ at: '2026-03-01 08:30:00', n: 'x' });
  });

  it('reads inside the caller transaction, seeing its uncommitted writes', async () => {
    const tenant = await t.newTenant();
    await t.db.orm.em.fork().transactional(async (em) => {
      await em.execute(`update tenant set name = 'renamed inside' where id = ?`, [tenant]);
      const [row] = await readRows<{ name: string }>(em, 'select name from tenant where id = ?', [tenant]);
      expect(row?.name).toBe('renamed inside');
    });
  });

  it(name === 'postgresql' ? 'prepares the statement by name on a PostgreSQL server' : 'never names statements on the embedded database', async () => {
    const em = t.db.orm.em.fork();
    for (let i = 0; i < 3; i++) await readRows(em, 'select ?::int + 1 as n', [i]);
    const names = (await readRows<{ name: string }>(em, `select name from pg_prepared_statements where name like 'dk\\_%'`, [])).map((r) => r.name);
    if (name === 'postgresql') expect(names.length).toBeGreaterThan(0);
    else expect(names).toEqual([]);
  });
});
