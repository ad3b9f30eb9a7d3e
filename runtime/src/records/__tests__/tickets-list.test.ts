import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import type { TicketQuery } from '../tickets-api.ts';
import { admin, caller, failure, REPAIR, type TicketWorld, ticketWorld } from './tickets-fixtures.ts';

describe.each(BACKENDS)('ticket lists on %s', (_name, open) => {
  let t: TestDatabase;
  let w: TicketWorld;
  const titles = async (query: TicketQuery) => (await w.service.list(w.tenant, admin(), { type: 'repair', limit: 200, ...query })).items.map((i) => i.title);

  beforeAll(async () => {
    t = await open();
    w = await ticketWorld(t);
    const make = (title: string, data: Record<string, unknown> = {}, description?: string) =>
      w.service.create(w.tenant, admin(), { type: 'repair', data: { title, ...data }, ...(description ? { description } : {}) });
    await make('厨房水管漏水', { amount: 9, note: '9' });
    await make('卫生间灯不亮', { amount: 100, note: '100', cost: { amount: '99.50', currency: 'CNY' } }, '灯泡 broken since Monday');
    await make('Leaking pipe in kitchen', { amount: 10, note: '10', visitDate: '2026-03-05', cost: { amount: '100.25', currency: 'CNY' } });
    await make('门锁坏了');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds tickets by Chinese words in the title, description and comments', async () => {
    expect(await titles({ search: '漏水' })).toEqual(['厨房水管漏水']);
    expect(await titles({ search: '水管漏水' })).toEqual(['厨房水管漏水']);
    expect(await titles({ search: '灯泡' })).toEqual(['卫生间灯不亮']);
    expect(await titles({ search: '漏电' })).toEqual([]);
    const [lock] = (await w.service.list(w.tenant, admin(), { search: '门锁' })).items;
    await w.service.comment(w.tenant, admin(), lock?.id as string, { body: '已联系锁匠，明天上门', visibility: 'internal' });
    expect(await titles({ search: '锁匠' })).toEqual(['门锁坏了']);
  });

  it('finds tickets by English words whatever their case', async () => {
    expect(await titles({ search: 'LEAKING' })).toEqual(['Leaking pipe in kitchen']);
    expect(await titles({ search: 'kitchen pipe' })).toEqual(['Leaking pipe in kitchen']);
    expect(await titles({ search: 'broken' })).toEqual(['卫生间灯不亮']);
  });

  it('compares number fields as numbers and text fields as text', async () => {
    expect(await titles({ filters: [{ field: 'data.amount', op: 'gt', value: '50' }] })).toEqual(['卫生间灯不亮']);
    expect(await titles({ filters: [{ field: 'data.amount', op: 'lte', value: 10 }], sort: { field: 'data.amount', direction: 'asc' } })).toEqual([
      '厨房水管漏水',
      'Leaking pipe in kitchen',
    ]);
    expect(await titles({ sort: { field: 'data.amount', direction: 'asc' } })).toEqual(['厨房水管漏水', 'Leaking pipe in kitchen', '卫生间灯不亮', '门锁坏了']);
    expect(await titles({ sort: { field: 'data.note', direction: 'asc' } })).toEqual(['Leaking pipe in kitchen', '卫生间灯不亮', '厨房水管漏水', '门锁坏了']);
    expect(await titles({ filters: [{ field: 'data.visitDate', op: 'gte', value: '2026-03-01' }] })).toEqual(['Leaking pipe in kitchen']);
    expect(await titles({ filters: [{ field: 'data.amount', op: 'in', value: ['9', 100] }], sort: { field: 'data.amount', direction: 'desc' } })).toEqual([
      '卫生间灯不亮',
      '厨房水管漏水',
    ]);
    expect(await titles({ filters: [{ field: 'data.amount', op: 'isNull' }] })).toEqual(['门锁坏了']);
    expect(await titles({ filters: [{ field: 'data.cost', op: 'gt', value: '99.9' }] })).toEqual(['Leaking pipe in kitchen']);
  });

  it('treats SQL in filter values and searches as plain values', async () => {
    for (const value of ["x' or '1'='1", "'; drop table ticket; --", '9) or (1=1']) {
      expect(await titles({ filters: [{ field: 'data.note', op: 'eq', value }] })).toEqual([]);
      expect(await titles({ filters: [{ field: 'title', op: 'contains', value }] })).toEqual([]);
      expect(await titles({ search: value })).toEqual([]);
    }
    expect(await titles({})).toHaveLength(4);
  });

  it('refuses unknown fields and values of the wrong type with BAD_FILTER naming the field', async () => {
    const unknown = await failure(w.service.list(w.tenant, admin(), { type: 'repair', filters: [{ field: 'data.colour', op: 'eq', value: 'red' }] }));
    expect(unknown).toMatchObject({ code: 'BAD_FILTER', details: { field: 'data.colour' } });
    const injected = await failure(w.service.list(w.tenant, admin(), { type: 'repair', filters: [{ field: "data.x') or true --", op: 'eq', value: 1 }] }));
    expect(injected.code).toBe('BAD_FILTER');
    const notNumber = await failure(w.service.list(w.tenant, admin(), { type: 'repair', filters: [{ field: 'data.amount', op: 'gt', value: 'ten' }] }));
    expect(notNumber).toMatchObject({ code: 'BAD_FILTER', details: { field: 'data.amount' } });
    const noType = await failure(w.service.list(w.tenant, admin(), { filters: [{ field: 'data.colour', op: 'eq', value: 'red' }] }));
    expect(noType).toMatchObject({ code: 'BAD_FILTER', details: { field: 'data.colour' } });
    const badSort = await failure(w.service.list(w.tenant, admin(), { sort: { field: 'password', direction: 'asc' } }));
    expect(badSort).toMatchObject({ code: 'BAD_FILTER', details: { field: 'password' } });
    expect((await failure(w.service.list(w.tenant, admin(), { limit: 201 }))).code).toBe('BAD_FILTER');
    expect((await failure(w.service.list(w.tenant, admin(), { cursor: 'garbage' }))).code).toBe('BAD_CURSOR');
  });

  it('pages with a cursor without duplicates or gaps, even when tickets arrive between pages', async () => {
    const before = (await w.service.list(w.tenant, admin(), { limit: 200 })).items.map((i) => i.id);
    for (const sort of [undefined, { field: 'data.amount', direction: 'asc' as const }, { field: 'title', direction: 'desc' as const }]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await w.service.list(w.tenant, admin(), { type: 'repair', limit: 2, ...(sort ? { sort } : {}), ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
        // A newcomer mid-way must not shift later pages into duplicates.
        if (pages++ === 0) await w.service.create(w.tenant, admin(), { type: 'repair', data: { title: `newcomer ${pages}`, amount: 1 } });
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(before));
    }
  });

  it('pages a participant-only caller through exactly their tickets, newest first, from their member index', async () => {
    const tech = caller({ id: 'tech-pager' }, ['participant']);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const made = await w.service.create(w.tenant, tech, { type: 'repair', data: { title: `mine ${i}`, amount: i } });
      mine.unshift(made.id);
      await w.service.create(w.tenant, admin(), { type: 'repair', data: { title: `not mine ${i}`, amount: i } });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await w.service.list(w.tenant, tech, { type: 'repair', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(mine);
    const filtered = await w.service.list(w.tenant, tech, { type: 'repair', filters: [{ field: 'data.amount', op: 'gte', value: 3 }] });
    expect(filtered.items.map((i) => i.title)).toEqual(['mine 4', 'mine 3']);
  });

  it('shows views: mine (my open steps), unassigned and overdue', async () => {
    const dispatcher = caller({ id: 'disp', roles: ['dispatcher'] }, ['all']);
    const mine = await w.service.list(w.tenant, dispatcher, { view: 'mine', limit: 200 });
    const all = await w.service.list(w.tenant, dispatcher, { limit: 200 });
    // Every new ticket waits at 指派工单 for the dispatcher role.
    expect(mine.items.length).toBe(all.items.length);
    expect((await w.service.list(w.tenant, caller({ id: 'tech9' }, ['all']), { view: 'mine' })).items).toEqual([]);
    expect((await w.service.list(w.tenant, dispatcher, { view: 'unassigned', limit: 200 })).items.length).toBe(all.items.length);
    expect((await w.service.list(w.tenant, dispatcher, { view: 'overdue' })).items).toEqual([]);
    w.setNow(new Date('2026-03-10T00:00:00Z'));
    expect((await w.service.list(w.tenant, dispatcher, { view: 'overdue', limit: 200 })).items.length).toBe(all.items.length);
    expect((await w.service.list(w.tenant, dispatcher, { statusCategory: ['closed'] })).items).toEqual([]);
  });

  it('filters and sorts on a form field without naming the type, while every type stores it alike', async () => {
    const across = async (query: TicketQuery) => (await w.service.list(w.tenant, admin(), { limit: 200, ...query })).items.map((i) => i.title);
    const filter = { field: 'data.amount', op: 'gte' as const, value: 10 };
    const sort = { field: 'data.amount', direction: 'asc' as const };
    const expected = await titles({ filters: [filter], sort });
    expect(expected.length).toBeGreaterThan(1);
    expect(await across({ filters: [filter], sort })).toEqual(expected);
    // A second type that stores `amount` as text: the key no longer means one thing across types.
    const survey = {
      ...REPAIR,
      key: 'survey',
      name: { en: 'Survey' },
      portal: { enabled: false },
      components: [],
      form: {
        fields: [
          { key: 'title', type: 'text', label: { en: 'Title' } },
          { key: 'amount', type: 'text', label: { en: 'Amount' } },
        ],
      },
    };
    await t.store.saveDraft(w.tenant, { doc: survey }, { actor: 'tester', origin: { type: 'admin' } });
    await t.store.publish(w.tenant, {}, { actor: 'tester', origin: { type: 'admin' } });
    const ambiguous = await failure(w.service.list(w.tenant, admin(), { filters: [filter] }));
    expect(ambiguous).toMatchObject({ code: 'BAD_FILTER', details: { field: 'data.amount' } });
    expect(ambiguous.message).toMatch(/name the type/);
    expect(await across({ filters: [{ field: 'data.note', op: 'eq', value: '9' }] })).toEqual(['厨房水管漏水']);
    // Naming the type still works as before.
    expect(await titles({ filters: [filter], sort })).toEqual(expected);
  });
});
