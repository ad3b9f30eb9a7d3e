import type { TestDatabase } from '../../../../tests/support/databases.ts';

const ADMIN = { actor: 'tester', origin: { type: 'admin' as const } };
const label = (en: string) => ({ en, 'zh-CN': en });
const items = (...values: string[]) => values.map((value) => ({ value, label: label(value) }));

/** Record types shaped like the seeds': customers per 管理处 (office), their contacts, products with serial numbers. */
export const RECORD_DEFINITIONS = [
  { kind: 'dictionary', key: 'customer-types', name: label('Customer types'), items: items('personal', 'company') },
  { kind: 'dictionary', key: 'product-kinds', name: label('Product kinds'), items: items('aircon', 'boiler', 'lift') },
  {
    kind: 'recordType',
    key: 'customer',
    name: label('Customer'),
    titleField: 'name',
    numbering: { pattern: 'KH{yyyyMMdd}{seq:3}', sequenceScope: ['ticketType', 'day'] },
    uniqueness: [{ fields: ['code'], scope: ['orgUnit'] }],
    fields: [
      { key: 'code', type: 'text', label: label('Code'), required: true },
      { key: 'name', type: 'text', label: label('Name'), required: true },
      { key: 'type', type: 'radio', label: label('Type'), dictionary: 'customer-types', default: 'personal' },
      { key: 'phone', type: 'phone', label: label('Phone'), sensitive: true },
      { key: 'idNumber', type: 'idNumber', label: label('ID number'), sensitive: true, required: { '==': [{ var: 'data.type' }, 'personal'] } },
      { key: 'orgUnit', type: 'orgUnit', label: label('Office') },
      { key: 'tags', type: 'multiSelect', label: label('Tags'), options: items('vip', 'key-account') },
      { key: 'rooms', type: 'number', label: label('Rooms') },
    ],
  },
  {
    kind: 'recordType',
    key: 'contact',
    name: label('Contact'),
    titleField: 'name',
    fields: [
      { key: 'name', type: 'text', label: label('Name'), required: true },
      { key: 'customer', type: 'recordRef', recordType: 'customer', label: label('Customer'), required: true },
      { key: 'phone', type: 'phone', label: label('Phone'), sensitive: true, unique: true },
    ],
  },
  {
    kind: 'recordType',
    key: 'product',
    name: label('Product'),
    titleField: 'name',
    fields: [
      { key: 'serialNumber', type: 'text', label: label('Serial number'), required: true, unique: true },
      { key: 'name', type: 'text', label: label('Name'), required: true },
      { key: 'kind', type: 'select', label: label('Kind'), dictionary: 'product-kinds' },
      { key: 'price', type: 'money', label: label('Price') },
      { key: 'purchaseDate', type: 'date', label: label('Purchase date') },
      { key: 'customer', type: 'recordRef', recordType: 'customer', label: label('Customer') },
    ],
  },
];

/** Installs the record fixtures into a tenant as one release. */
export async function installRecordTypes(t: TestDatabase, tenantId: string): Promise<void> {
  for (const doc of RECORD_DEFINITIONS) await t.store.saveDraft(tenantId, { doc }, ADMIN);
  await t.store.publish(tenantId, {}, ADMIN);
}
