import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { type RecordCaller, RecordService } from '../records.ts';
import { installRecordTypes, RECORD_DEFINITIONS } from './records-fixtures.ts';

const agent: RecordCaller = { userId: 'agent', viewSensitive: true };
const ADMIN = { actor: 'tester', origin: { type: 'admin' as const } };

describe.each(BACKENDS)('a uniqueness rule added to a record type with records on %s', (_name, open) => {
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

  const customer = (code: string, name: string) => records.create(tenant, agent, 'customer', { data: { code, name, type: 'company', orgUnit: 'office-u' } });
  const releases = async () =>
    Number((await t.db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from release where tenant_id = ?', [tenant]))[0]?.n);
  const namesUnique = async () => {
    const base = RECORD_DEFINITIONS.find((d) => d.key === 'customer') as Record<string, unknown>;
    const doc = { ...base, uniqueness: [...(base.uniqueness as unknown[]), { fields: ['name'] }] };
    await t.store.saveDraft(tenant, { doc }, ADMIN);
    return t.store.publish(tenant, {}, ADMIN);
  };

  it('is refused while stored records break it, naming them, and then holds for the records already stored', async () => {
    const a = await customer('U-1', '王五公司');
    const b = await customer('U-2', '王五公司');
    const c = await customer('U-3', '赵六公司');
    const before = await releases();
    const refused = await namesUnique().catch((e) => e);
    expect(refused).toMatchObject({ code: 'DEF_INVALID' });
    expect(JSON.stringify(refused.issues)).toContain('UNIQUE_EXISTING_DUPLICATES');
    expect(JSON.stringify(refused.issues)).toContain(a.id);
    expect(JSON.stringify(refused.issues)).toContain(b.id);
    expect(await releases()).toBe(before);

    await records.update(tenant, agent, 'customer', b.id, { version: 1, data: { name: '王五二公司' } });
    await namesUnique();
    expect(await releases()).toBe(before + 1);
    // The stored 赵六公司 now holds its name: a new one with it is refused.
    const dup = await customer('U-4', '赵六公司').catch((e) => e);
    expect(dup).toMatchObject({ code: 'UNIQUE_VIOLATION', details: { fields: ['name'], existingId: c.id } });
  });
});
