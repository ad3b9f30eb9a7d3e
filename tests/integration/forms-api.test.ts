/**
 * The field-type catalog through the real API on PostgreSQL: a ticket type with one field of
 * every type accepts each type's valid examples and refuses each invalid one with a coded
 * error naming the field; json-logic rules hide and require fields the same way in the
 * browser module and on the server; numbers stay gap-free under 20 concurrent creators.
 */
import { type CatalogType, EXAMPLE_DICTIONARIES, evaluateForm, exampleField, FIELD_CATALOG } from '@docket/runtime/forms/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** Layout types hold no value; computed values and serial numbers are the server's to set. */
const SERVER_SET = new Set(['section', 'computed', 'serialNumber']);
const VALUE_TYPES = (Object.keys(FIELD_CATALOG) as CatalogType[]).filter((t) => !SERVER_SET.has(t));
const keyOf = (type: string) => `f_${type}`;

const CATALOG_TYPE = {
  kind: 'ticketType',
  key: 'catalog',
  name: { en: 'Every field type' },
  category: 'other',
  process: 'general',
  form: { fields: [...VALUE_TYPES.map((t) => exampleField(t, keyOf(t))), exampleField('serialNumber', keyOf('serialNumber'))] },
};
const RULES_TYPE = {
  kind: 'ticketType',
  key: 'rules',
  name: { en: 'Rules' },
  category: 'other',
  process: 'general',
  form: {
    fields: [
      { key: 'onSite', type: 'switch', label: { en: 'On site' } },
      {
        key: 'address',
        type: 'text',
        label: { en: 'Address' },
        visible: { '==': [{ var: 'data.onSite' }, true] },
        required: { '==': [{ var: 'data.onSite' }, true] },
      },
    ],
  },
  numbering: { pattern: 'R{yyyyMMdd}{seq:3}', sequenceScope: ['ticketType', 'day'] },
};

describe('forms through the API on PostgreSQL', () => {
  let t: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    t = await postgresTestDatabase();
    server = await startTestServer(t);
    const dictionaries = Object.entries(EXAMPLE_DICTIONARIES).map(([key, items]) => ({
      kind: 'dictionary',
      key,
      name: { en: key },
      tree: items.some((i) => i.children?.length),
      items,
    }));
    for (const doc of [...dictionaries, CATALOG_TYPE, RULES_TYPE]) {
      const res = await server.inject({ method: 'POST', url: '/api/definitions', payload: doc });
      expect(res.statusCode, `${doc.key}: ${res.body}`).toBe(201);
    }
    const published = await server.inject({ method: 'POST', url: '/api/releases', payload: { note: 'catalog' } });
    expect(published.statusCode, published.body).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  const create = (type: string, data: Record<string, unknown>) => server.inject({ method: 'POST', url: '/api/tickets', payload: { type, data } });

  /** Attachment and signature values name uploaded files: upload one per example file and name it instead. */
  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('example')]);
  async function withUploads(value: unknown): Promise<unknown> {
    if (Array.isArray(value)) return Promise.all(value.map(withUploads));
    if (!value || typeof value !== 'object' || !('fileId' in value)) return value;
    const b = 'exampleboundary';
    const payload = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="example.png"\r\nContent-Type: image/png\r\n\r\n`),
      PNG,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    const up = await server.inject({ method: 'POST', url: '/api/files', payload, headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
    expect(up.statusCode, up.body).toBe(201);
    return { ...value, fileId: up.json().id };
  }

  it.each(VALUE_TYPES)('accepts every valid %s example and stores it as sent', async (type) => {
    for (const example of FIELD_CATALOG[type].examples.valid) {
      const value = await withUploads(example);
      const res = await create('catalog', { [keyOf(type)]: value });
      expect(res.statusCode, `${type} ${JSON.stringify(value)}: ${res.body}`).toBe(201);
      expect(res.json().data[keyOf(type)], `${type} ${JSON.stringify(value)}`).toBeDefined();
    }
  });

  it.each(VALUE_TYPES)('refuses every invalid %s example with its code, naming the field, and writes nothing', async (type) => {
    const count = async () => Number((await t.db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ticket'))[0]?.n);
    const before = await count();
    for (const { value, code } of FIELD_CATALOG[type].examples.invalid) {
      const res = await create('catalog', { [keyOf(type)]: value });
      expect(res.statusCode, `${type} ${JSON.stringify(value)}: ${res.body}`).toBe(400);
      const body = res.json();
      expect(body.code).toBe('FORM_INVALID');
      expect(body.errors, `${type} ${JSON.stringify(value)}`).toEqual(
        expect.arrayContaining([expect.objectContaining({ code, field: expect.stringMatching(new RegExp(`^${keyOf(type)}`)) })]),
      );
    }
    expect(await count()).toBe(before);
  });

  it('stores rich text without the script, handlers and javascript: links a writer put in it', async () => {
    const field = keyOf('richText');
    for (const [sent, stored] of [
      ['<b onclick=x()>ok</b><script>x</script>', '<b>ok</b>'],
      ['<a href="javascript:x()">y</a>', '<a>y</a>'],
    ]) {
      const res = await create('catalog', { [field]: sent });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data[field]).toBe(stored);
      const read = await server.inject({ method: 'GET', url: `/api/tickets/${res.json().id}` });
      expect(read.json().data[field]).toBe(stored);
    }
  });

  it('fills serial-number fields itself, one after another, and refuses values sent for them', async () => {
    const a = (await create('catalog', {})).json().data[keyOf('serialNumber')] as string;
    const b = (await create('catalog', {})).json().data[keyOf('serialNumber')] as string;
    expect(a).toMatch(/\d/);
    expect(Number(b.replace(/\D/g, '')) - Number(a.replace(/\D/g, ''))).toBe(1);
    const sent = await create('catalog', { [keyOf('serialNumber')]: 'SN-mine' });
    expect(sent.json().errors).toEqual([expect.objectContaining({ field: keyOf('serialNumber'), code: 'FIELD_NOT_EDITABLE' })]);
  });

  it('hides and requires the address by the same rule in the browser module and on the server', async () => {
    const form = RULES_TYPE.form as Parameters<typeof evaluateForm>[0];
    const off = evaluateForm(form, { data: { onSite: false } }, {});
    const on = evaluateForm(form, { data: { onSite: true } }, {});
    expect([off.fields.address?.visible, off.fields.address?.required]).toEqual([false, false]);
    expect([on.fields.address?.visible, on.fields.address?.required]).toEqual([true, true]);

    expect((await create('rules', { onSite: false })).statusCode).toBe(201);
    const missing = await create('rules', { onSite: true });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([expect.objectContaining({ field: 'address', code: 'FIELD_REQUIRED', pointer: '/data/address' })]);
    const hidden = await create('rules', { onSite: false, address: '1 Main St' });
    expect(hidden.statusCode).toBe(400);
    expect(hidden.json().errors).toEqual([expect.objectContaining({ field: 'address', code: 'FIELD_NOT_EDITABLE' })]);
    expect((await create('rules', { onSite: true, address: '1 Main St' })).statusCode).toBe(201);
  });

  it('numbers 20 tickets created at once without a gap or a duplicate', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => create('rules', { onSite: false })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const numbers = results.map((r) => r.json().number as string).sort();
    const seqs = numbers.map((n) => Number(n.slice(-3)));
    const first = seqs[0] as number;
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => first + i));
    expect(new Set(numbers).size).toBe(20);
  });

  it('names the fields and the existing record when a unique customer code is taken', async () => {
    const customer = { code: 'C-001', name: '张三', type: 'personal' };
    const first = await server.inject({ method: 'POST', url: '/api/records/customer', payload: { data: customer } });
    expect(first.statusCode, first.body).toBe(201);
    const again = await server.inject({ method: 'POST', url: '/api/records/customer', payload: { data: { ...customer, name: '李四' } } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'UNIQUE_VIOLATION', fields: ['code'], existingId: first.json().id });
    expect(again.json().detail).toMatch(/code/);
  });
});
