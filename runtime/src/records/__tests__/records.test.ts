import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { type RecordCaller, RecordService } from '../records.ts';
import { installRecordTypes } from './records-fixtures.ts';

const agent: RecordCaller = { userId: 'agent', viewSensitive: true };
const viewer: RecordCaller = { userId: 'viewer', viewSensitive: false };
const code = (c: string) => expect.objectContaining({ code: c });
const cny = (amount: string) => ({ amount, currency: 'CNY' });

describe.each(BACKENDS)('records on %s', (_name, open) => {
  let t: TestDatabase;
  let tenant: string;
  let records: RecordService;
  let now = new Date('2026-03-02T02:00:00Z');
  beforeAll(async () => {
    t = await open();
    tenant = await t.newTenant();
    await installRecordTypes(t, tenant);
    records = new RecordService(t.db.orm, { now: () => now });
  });
  afterAll(async () => {
    await t?.close();
  });

  const customer = (data: Record<string, unknown>) =>
    records.create(tenant, agent, 'customer', { data: { name: '张三', idNumber: '110101199003074514', ...data } });
  const count = async (type: string) =>
    Number((await t.db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from record where tenant_id = ? and type_key = ?', [tenant, type]))[0]?.n);

  it('creates a customer with its number, title and declared defaults', async () => {
    const c = await customer({ code: 'C-001', orgUnit: 'office-a', phone: '13800138000' });
    expect(c).toMatchObject({ type: 'customer', number: 'KH20260302001', title: '张三', version: 1, createdBy: 'agent' });
    expect(c.data).toMatchObject({ code: 'C-001', type: 'personal', phone: '13800138000' });
    expect(await records.get(tenant, agent, 'customer', c.id)).toEqual(c);
    expect((await customer({ code: 'C-002', orgUnit: 'office-a' })).number).toBe('KH20260302002');
  });

  it('refuses missing required values and unknown fields, naming each one, and writes nothing', async () => {
    const before = await count('customer');
    const err = await records.create(tenant, agent, 'customer', { data: { code: 'X', colour: 'red' } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'RECORD_INVALID' });
    expect(err.details.errors).toEqual([
      expect.objectContaining({ field: 'colour', pointer: '/data/colour', code: 'UNKNOWN_FIELD' }),
      expect.objectContaining({ field: 'name', pointer: '/data/name', code: 'REQUIRED' }),
      expect.objectContaining({ field: 'idNumber', code: 'REQUIRED' }),
    ]);
    // The ID number is required only for personal customers (a json-logic rule).
    await expect(records.create(tenant, agent, 'customer', { data: { code: 'X', name: 'Acme', type: 'company' } })).resolves.toBeDefined();
    expect(await count('customer')).toBe(before + 1);
  });

  it('checks each value against its field type (forms catalog), pointing at the value', async () => {
    const err = await records.create(tenant, agent, 'product', { data: { serialNumber: 'T-1', name: 'AC', price: '12', kind: 'rocket' } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'RECORD_INVALID' });
    expect(err.details.errors.map((e: { field: string; pointer: string }) => [e.field, e.pointer])).toEqual([
      ['kind', '/data/kind'],
      ['price', '/data/price'],
    ]);
  });

  it('keeps customer codes unique per office, ignoring case and spacing', async () => {
    const first = await customer({ code: 'VIP 7', orgUnit: 'office-b' });
    await expect(customer({ code: 'VIP 7', orgUnit: 'office-c' })).resolves.toBeDefined();
    const err = await customer({ code: ' vip   7', orgUnit: 'office-b' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'UNIQUE_VIOLATION', details: { fields: ['code'], existingId: first.id } });
    expect(err.details.issues[0]).toMatchObject({ field: 'code', pointer: '/data/code', params: { scope: ['orgUnit'] } });
  });

  // Customers are numbered, so creators also queue on the number counter; products are not, so they race on the key alone.
  it.each([
    ['customer code in one office', () => customer({ code: 'RACE-1', orgUnit: 'office-d' })],
    ['product serial number', () => records.create(tenant, agent, 'product', { data: { serialNumber: 'RACE-SN', name: 'AC' } })],
  ])('lets exactly one of ten concurrent creators of the same %s win', async (_what, create) => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, create));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value.id;
    expect(lost).toHaveLength(9);
    for (const e of lost) expect(e).toMatchObject({ code: 'UNIQUE_VIOLATION', details: { existingId: winner } });
  });

  it('moves unique keys on update and frees them on delete', async () => {
    const a = await customer({ code: 'MOVE-1', orgUnit: 'office-e' });
    const moved = await records.update(tenant, agent, 'customer', a.id, { version: 1, data: { code: 'MOVE-2' } });
    expect(moved).toMatchObject({ version: 2, data: expect.objectContaining({ code: 'MOVE-2' }) });
    const b = await customer({ code: 'MOVE-1', orgUnit: 'office-e' });
    await expect(customer({ code: 'MOVE-2', orgUnit: 'office-e' })).rejects.toThrow(code('UNIQUE_VIOLATION'));
    await records.remove(tenant, agent, 'customer', a.id, 2);
    await expect(customer({ code: 'MOVE-2', orgUnit: 'office-e' })).resolves.toBeDefined();
    await expect(records.get(tenant, agent, 'customer', a.id)).rejects.toThrow(code('NOT_FOUND'));
    await expect(records.update(tenant, agent, 'customer', b.id, { version: 1, data: { code: 'MOVE-2' } })).rejects.toThrow(code('UNIQUE_VIOLATION'));
  });

  it('refuses a stale version with CONFLICT and clears values set to null', async () => {
    const c = await customer({ code: 'VER-1', phone: '13900000000' });
    await records.update(tenant, agent, 'customer', c.id, { version: 1, data: { name: '李四' } });
    const err = await records.update(tenant, agent, 'customer', c.id, { version: 1, data: { name: '王五' } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', details: { currentVersion: 2 } });
    const cleared = await records.update(tenant, agent, 'customer', c.id, { version: 2, data: { phone: null } });
    expect(cleared.title).toBe('李四');
    expect(cleared.data).not.toHaveProperty('phone');
  });

  it('requires record references to name a live record of the right type', async () => {
    const c = await customer({ code: 'REF-1' });
    const p = await records.create(tenant, agent, 'product', { data: { serialNumber: 'SN-REF', name: 'AC', customer: c.id } });
    const missing = '01890000-0000-7000-8000-000000000000';
    for (const wrong of [missing, p.id]) {
      const err = await records.create(tenant, agent, 'contact', { data: { name: 'x', customer: wrong } }).catch((e) => e);
      expect(err).toMatchObject({
        code: 'RECORD_REF_MISSING',
        details: { errors: [expect.objectContaining({ field: 'customer', code: 'RECORD_REF_MISSING' })] },
      });
    }
    const bad = await records.create(tenant, agent, 'contact', { data: { name: 'x', customer: 'not-an-id' } }).catch((e) => e);
    expect(bad.details.errors).toEqual([expect.objectContaining({ field: 'customer', code: 'INVALID_VALUE' })]);
    await expect(records.create(tenant, agent, 'contact', { data: { name: '联系人', customer: c.id } })).resolves.toBeDefined();
  });

  it('masks sensitive values for callers without the permission, and erases them on request', async () => {
    const c = await customer({ code: 'PII-1', phone: '13712345678', orgUnit: 'office-pii' });
    const masked = await records.list(tenant, viewer, 'customer', { filters: [{ field: 'data.orgUnit', op: 'eq', value: 'office-pii' }] });
    expect(masked.items[0]?.data).toMatchObject({ phone: '****', idNumber: '****', code: 'PII-1' });
    expect((await records.get(tenant, viewer, 'customer', c.id)).data.phone).toBe('****');
    const { erased } = await t.db.orm.em.fork().transactional((em) => records.eraseSensitive(em, tenant, c.id, 'dpo'));
    expect(erased.sort()).toEqual(['idNumber', 'phone']);
    const after = await records.get(tenant, agent, 'customer', c.id);
    expect(after.data).not.toHaveProperty('phone');
    expect(after.data).not.toHaveProperty('idNumber');
    const audit = await t.db.orm.em
      .fork()
      .execute<{ action: string }[]>('select action, details from audit_event where tenant_id = ? and subject = ? order by id', [tenant, `record:${c.id}`]);
    expect(audit.map((a) => a.action)).toEqual(['record.created', 'record.erased']);
    expect(JSON.stringify(audit)).not.toContain('13712345678');
    expect(JSON.stringify(audit)).not.toContain('110101199003074514');
  });

  describe('lists', () => {
    const ids: string[] = [];
    beforeAll(async () => {
      const rows = [
        { serialNumber: 'L-1', name: 'Boiler north', kind: 'boiler', price: cny('1200.50'), purchaseDate: '2025-01-10' },
        { serialNumber: 'L-2', name: 'Aircon lobby', kind: 'aircon', price: cny('800'), purchaseDate: '2025-06-01' },
        { serialNumber: 'L-3', name: 'Aircon roof', kind: 'aircon', price: cny('15000'), purchaseDate: '2026-01-01' },
        { serialNumber: 'L-4', name: 'Lift A', kind: 'lift', price: cny('99.99'), purchaseDate: '2024-12-31' },
        { serialNumber: 'L-5', name: 'Lift B', kind: 'lift' },
      ];
      for (const [i, data] of rows.entries()) {
        now = new Date(Date.UTC(2026, 2, 3, 0, i));
        ids.push((await records.create(tenant, agent, 'product', { data })).id);
      }
    });
    const serials = async (query: Parameters<RecordService['list']>[3]) =>
      (
        await records.list(tenant, agent, 'product', {
          ...query,
          filters: [{ field: 'data.serialNumber', op: 'contains', value: 'L-' }, ...(query?.filters ?? [])],
        })
      ).items
        .map((r) => r.data.serialNumber)
        .sort();

    it('filters on typed values: eq, in, contains, money and date ranges, empty', async () => {
      expect(await serials({ filters: [{ field: 'data.kind', op: 'eq', value: 'aircon' }] })).toEqual(['L-2', 'L-3']);
      expect(await serials({ filters: [{ field: 'data.kind', op: 'in', value: ['boiler', 'lift'] }] })).toEqual(['L-1', 'L-4', 'L-5']);
      expect(await serials({ filters: [{ field: 'data.name', op: 'contains', value: 'AIRCON' }] })).toEqual(['L-2', 'L-3']);
      expect(await serials({ filters: [{ field: 'data.price', op: 'gte', value: '1000' }] })).toEqual(['L-1', 'L-3']);
      expect(await serials({ filters: [{ field: 'data.price', op: 'lt', value: 100 }] })).toEqual(['L-4']);
      expect(
        await serials({
          filters: [
            { field: 'data.purchaseDate', op: 'gte', value: '2025-01-01' },
            { field: 'data.purchaseDate', op: 'lt', value: '2026-01-01' },
          ],
        }),
      ).toEqual(['L-1', 'L-2']);
      expect(await serials({ filters: [{ field: 'data.price', op: 'isNull' }] })).toEqual(['L-5']);
      expect(await serials({ search: 'lift' })).toEqual(['L-4', 'L-5']);
    });

    it('treats filter values as values, never as SQL', async () => {
      expect(await serials({ filters: [{ field: 'data.name', op: 'contains', value: "'; drop table record; --" }] })).toEqual([]);
      expect(await serials({ filters: [{ field: 'data.name', op: 'contains', value: '%' }] })).toEqual([]);
      expect(await count('product')).toBeGreaterThan(0);
    });

    it('pages newest first with a cursor, without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await records.list(tenant, agent, 'product', {
          limit: 2,
          filters: [{ field: 'data.serialNumber', op: 'in', value: ['L-1', 'L-2', 'L-3', 'L-4', 'L-5'] }],
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('explains a bad filter, limit or cursor instead of failing', async () => {
      await expect(records.list(tenant, agent, 'product', { filters: [{ field: 'data.colour', op: 'eq', value: 'x' }] })).rejects.toMatchObject({
        code: 'INVALID_FILTER',
        details: { errors: [expect.objectContaining({ field: 'data.colour', pointer: '/filters/0', code: 'FILTER_FIELD' })] },
      });
      await expect(records.list(tenant, agent, 'product', { filters: [{ field: 'data.price', op: 'gt', value: 'lots' }] })).rejects.toThrow(
        code('INVALID_FILTER'),
      );
      await expect(records.list(tenant, agent, 'product', { filters: [{ field: 'data.kind', op: 'in', value: [] }] })).rejects.toThrow(code('INVALID_FILTER'));
      await expect(records.list(tenant, agent, 'product', { limit: 1000 })).rejects.toThrow(code('INVALID_LIMIT'));
      await expect(records.list(tenant, agent, 'product', { cursor: 'garbage' })).rejects.toThrow(code('BAD_CURSOR'));
      await expect(records.list(tenant, agent, 'room', {})).rejects.toThrow(code('NOT_FOUND'));
    });

    it('leaves deleted records out', async () => {
      await records.remove(tenant, agent, 'product', ids[4] as string);
      expect(await serials({})).toEqual(['L-1', 'L-2', 'L-3', 'L-4']);
    });
  });
});
