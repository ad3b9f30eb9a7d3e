import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { checkDictionaryRemovals, dictionaryDelta, recordDictionaryUse } from '../dictionaries.ts';
import { type RecordCaller, RecordService } from '../records.ts';
import { installRecordTypes } from './records-fixtures.ts';

const agent: RecordCaller = { userId: 'agent', viewSensitive: true };
const item = (value: string) => ({ value, label: { en: value } });

describe('dictionary usage deltas', () => {
  const fields = [
    { key: 'kind', type: 'select', dictionary: 'kinds' },
    { key: 'areas', type: 'cascader', dictionary: 'areas' },
    { key: 'free', type: 'text' },
  ];
  it('counts values a write adds and gives back the ones it drops', () => {
    const delta = dictionaryDelta(fields, { kind: 'a', areas: ['bj', 'bj-hd'] }, { kind: 'b', areas: ['bj', 'bj-cy'], free: 'x' });
    expect(delta.sort((x, y) => (x.dictionary + x.value).localeCompare(y.dictionary + y.value))).toEqual([
      { dictionary: 'areas', value: 'bj-cy', delta: 1 },
      { dictionary: 'areas', value: 'bj-hd', delta: -1 },
      { dictionary: 'kinds', value: 'a', delta: -1 },
      { dictionary: 'kinds', value: 'b', delta: 1 },
    ]);
  });
});

describe.each(BACKENDS)('dictionary items in use on %s', (_name, open) => {
  let t: TestDatabase;
  let tenant: string;
  let records: RecordService;
  beforeAll(async () => {
    t = await open();
    tenant = await t.newTenant();
    await installRecordTypes(t, tenant);
    records = new RecordService(t.db.orm);
  });
  afterAll(async () => {
    await t?.close();
  });
  const removals = (items: string[]) => t.db.orm.em.fork().transactional((em) => checkDictionaryRemovals(em, tenant, 'product-kinds', items.map(item)));

  it('refuses removing an item a record uses, allows disabling it, and frees it when the record goes', async () => {
    const p = await records.create(tenant, agent, 'product', { data: { serialNumber: 'D-1', name: 'AC', kind: 'aircon' } });
    expect(await removals(['boiler', 'lift'])).toEqual([
      expect.objectContaining({ code: 'DICT_ITEM_IN_USE', severity: 'error', kind: 'dictionary', key: 'product-kinds', params: { value: 'aircon', uses: 1 } }),
    ]);
    // Disabled items stay in the list, so they are not removals.
    expect(
      await t.db.orm.em.fork().transactional((em) => checkDictionaryRemovals(em, tenant, 'product-kinds', [{ ...item('aircon'), disabled: true }])),
    ).toEqual([]);
    const moved = await records.update(tenant, agent, 'product', p.id, { version: 1, data: { kind: 'boiler' } });
    expect((await removals(['boiler'])).map((i) => i.params?.value)).toEqual([]);
    expect((await removals(['lift'])).map((i) => i.params?.value)).toEqual(['boiler']);
    await records.remove(tenant, agent, 'product', p.id, moved.version);
    expect(await removals([])).toEqual([]);
  });

  it('counts uses the ticket service reports, and never below zero', async () => {
    const use = (delta: number) =>
      t.db.orm.em.fork().transactional((em) => recordDictionaryUse(em, tenant, [{ dictionary: 'product-kinds', value: 'lift', delta }]));
    await use(1);
    await use(1);
    await use(-1);
    expect((await removals([])).map((i) => i.params)).toEqual([{ value: 'lift', uses: 1 }]);
    await use(-5);
    expect(await removals([])).toEqual([]);
  });

  it('finds values anywhere in a tree dictionary', async () => {
    await t.db.orm.em.fork().transactional((em) => recordDictionaryUse(em, tenant, [{ dictionary: 'areas', value: 'bj-hd', delta: 1 }]));
    const tree = [{ ...item('bj'), children: [item('bj-hd')] }];
    expect(await t.db.orm.em.fork().transactional((em) => checkDictionaryRemovals(em, tenant, 'areas', tree))).toEqual([]);
    expect(await t.db.orm.em.fork().transactional((em) => checkDictionaryRemovals(em, tenant, 'areas', [item('bj')]))).toHaveLength(1);
  });
});
