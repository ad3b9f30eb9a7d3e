import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.ts';
import { type SubmissionInput, throwIfProblems, validateSubmission } from '../submission.ts';
import { ENV, GENERAL_FORM, SHENZHEN, t } from './helpers.ts';

const create = (values: Record<string, unknown>, extra: Partial<SubmissionInput> = {}) =>
  validateSubmission({ form: GENERAL_FORM, values, mode: 'create', env: ENV, ...extra });
const codes = (r: { problems: { code: string; pointer: string }[] }) => r.problems.map((p) => `${p.code} ${p.pointer}`);

describe('creating a general ticket', () => {
  it('fills defaults and returns only fields with a value', () => {
    const r = create({ title: '水管漏水', address: SHENZHEN, description: '' });
    expect(r.problems).toEqual([]);
    expect(r.values).toEqual({ title: '水管漏水', source: 'phone', onSite: true, address: SHENZHEN });
  });

  it('requires the address for an on-site visit, and not otherwise', () => {
    expect(codes(create({ title: '漏水' }))).toEqual(['FIELD_REQUIRED /data/address']);
    expect(codes(create({ title: '漏水', onSite: false }))).toEqual([]);
  });

  it('refuses an address for a visit-less ticket, where the field is hidden', () => {
    expect(codes(create({ title: '漏水', onSite: false, address: SHENZHEN }))).toEqual(['FIELD_NOT_EDITABLE /data/address']);
  });

  it('reports every problem at once, each naming its field in both languages', () => {
    const r = create({ title: 'x'.repeat(201), contactPhone: '12345', serviceItem: ['repair'], color: 'red', address: { province: '广东省' } });
    expect(codes(r)).toEqual([
      'FIELD_UNKNOWN /data/color',
      'FIELD_TOO_LONG /data/title',
      'FIELD_PHONE /data/contactPhone',
      'FIELD_NOT_LEAF /data/serviceItem',
      'FIELD_INCOMPLETE /data/address/city',
    ]);
    expect(r.problems[1]).toMatchObject({ field: 'title', message: { en: 'Title must be at most 200 characters', 'zh-CN': '标题最多 200 个字符' } });
    expect(r.values).not.toHaveProperty('color');
  });

  it('throws one FORM_INVALID input error carrying every problem', () => {
    const r = create({ onSite: false });
    try {
      throwIfProblems(r.problems);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect(e).toMatchObject({ code: 'FORM_INVALID', message: 'Title is required', details: { errors: [{ field: 'title', code: 'FIELD_REQUIRED' }] } });
    }
    expect(() => throwIfProblems([])).not.toThrow();
  });
});

describe('updating at a process step', () => {
  const stored = { title: '漏水', source: 'phone', onSite: true, address: SHENZHEN, contactPhone: '13812345678' };
  const update = (values: Record<string, unknown>, extra: Partial<SubmissionInput> = {}) =>
    validateSubmission({ form: GENERAL_FORM, values, stored, mode: 'update', env: ENV, ...extra });

  it('lets the step change only the fields it lists', () => {
    const stepPermissions = { description: 'editable' as const };
    const r = update({ description: '已联系业主', title: '改标题' }, { stepPermissions });
    expect(codes(r)).toEqual(['FIELD_NOT_EDITABLE /data/title']);
    expect(r.values).toMatchObject({ title: '漏水', description: '已联系业主' });
    expect(codes(update({ title: '漏水', description: 'ok' }, { stepPermissions }))).toEqual([]);
  });

  it('keeps absent fields, clears null ones, and requires what the step requires', () => {
    const r = update({ contactPhone: null }, { stepPermissions: { contactPhone: 'required' } });
    expect(codes(r)).toEqual(['FIELD_REQUIRED /data/contactPhone']);
    const cleared = update({ address: null, onSite: false });
    expect(cleared.problems).toEqual([]);
    expect(cleared.values).toEqual({ title: '漏水', source: 'phone', onSite: false, contactPhone: '13812345678' });
  });

  it('never lets a role write a field hidden from it', () => {
    expect(codes(update({ contactPhone: '13900000000' }, { rolePermissions: { contactPhone: 'hidden' } }))).toEqual(['FIELD_NOT_EDITABLE /data/contactPhone']);
    expect(codes(update({ title: '新标题' }, { rolePermissions: { title: 'read' } }))).toEqual(['FIELD_NOT_EDITABLE /data/title']);
  });

  it('treats a masked sensitive value sent back as unchanged', () => {
    const r = update({ contactPhone: '138****5678' }, { stepPermissions: {} });
    expect(r.problems).toEqual([]);
    expect(r.values.contactPhone).toBe('13812345678');
  });

  it('keeps a dictionary option that was disabled after the ticket chose it', () => {
    const env = { ...ENV, dictionaries: () => [{ value: 'fax', label: t('传真', 'Fax'), disabled: true }] };
    const old = { ...stored, source: 'fax' };
    const r = validateSubmission({ form: GENERAL_FORM, values: { source: 'fax', title: '新' }, stored: old, mode: 'update', env });
    expect(r.problems).toEqual([]);
    expect(codes(create({ title: 'x', onSite: false, source: 'fax' }, { env }))).toEqual(['FIELD_OPTION_DISABLED /data/source']);
  });
});

describe('sub-tables', () => {
  const form = {
    fields: [
      {
        key: 'items',
        type: 'subTable',
        label: t('备件', 'Parts'),
        maxRows: 3,
        fields: [
          { key: 'part', type: 'text', label: t('备件', 'Part'), required: true },
          { key: 'qty', type: 'number', label: t('数量', 'Qty'), min: 1, precision: 0, default: 1 },
          { key: 'total', type: 'computed', label: t('小计', 'Total'), valueType: 'number', expression: { '*': [{ var: 'row.qty' }, 10] } },
        ],
      },
    ],
  };

  it('validates every row, with pointers to the cell', () => {
    const r = validateSubmission({
      form,
      mode: 'create',
      env: ENV,
      values: { items: [{ part: '阀门', qty: 2 }, { part: '管件' }, { part: '', qty: 1.5, colour: 'red' }] },
    });
    expect(r.problems.map((p) => `${p.code} ${p.field} ${p.pointer}`)).toEqual([
      'FIELD_UNKNOWN items.colour /data/items/2/colour',
      'FIELD_REQUIRED items.part /data/items/2/part',
      'FIELD_PRECISION items.qty /data/items/2/qty',
    ]);
    expect(r.values.items).toEqual([
      { part: '阀门', qty: 2, total: 20 },
      { part: '管件', qty: 1, total: 10 },
      { qty: 1.5, total: 15 },
    ]);
  });

  it('limits the number of rows', () => {
    const rows = Array.from({ length: 4 }, () => ({ part: 'x' }));
    expect(codes(validateSubmission({ form, mode: 'create', env: ENV, values: { items: rows } }))).toEqual(['FIELD_TOO_MANY /data/items']);
  });
});

describe('add-on components', () => {
  const shipping = {
    key: 'shipping',
    name: t('物流信息', 'Shipping'),
    rows: 'single' as const,
    fields: [
      { key: 'carrier', type: 'text', label: t('快递公司', 'Carrier'), required: true },
      { key: 'trackingNo', type: 'text', label: t('运单号', 'Tracking number'), pattern: '^[A-Z0-9]{8,20}$' },
    ],
  };
  const parts = {
    key: 'parts',
    name: t('备件', 'Parts'),
    rows: 'multiple' as const,
    maxRows: 2,
    fields: [{ key: 'sku', type: 'text', label: t('编码', 'SKU'), required: { '==': [{ var: 'data.onSite' }, true] } }],
  };
  const submit = (components: SubmissionInput['components'], extra: Partial<SubmissionInput> = {}) =>
    validateSubmission({ form: GENERAL_FORM, values: { title: 'x', onSite: false }, mode: 'create', env: ENV, components, ...extra });

  it('accept one object for a single-row component and validate its fields with component pointers', () => {
    const r = submit([{ def: shipping, rows: { carrier: '顺丰', trackingNo: 'sf-1' } }]);
    expect(r.problems.map((p) => `${p.code} ${p.field} ${p.pointer}`)).toEqual(['FIELD_PATTERN shipping.trackingNo /components/shipping/0/trackingNo']);
    expect(r.components.shipping).toEqual([{ carrier: '顺丰', trackingNo: 'sf-1' }]);
  });

  it('refuse a second row on a single-row component and too many rows on a multiple one', () => {
    expect(codes(submit([{ def: shipping, rows: [{ carrier: 'a' }, { carrier: 'b' }] }]))).toEqual(['FIELD_TOO_MANY /components/shipping']);
    expect(codes(submit([{ def: parts, rows: [{}, {}, {}] }]))).toEqual(['FIELD_TOO_MANY /components/parts']);
  });

  it('let component rules read the ticket data', () => {
    const onSite = validateSubmission({
      form: GENERAL_FORM,
      values: { title: 'x', address: SHENZHEN },
      mode: 'create',
      env: ENV,
      components: [{ def: parts, rows: [{}] }],
    });
    expect(codes(onSite)).toEqual(['FIELD_REQUIRED /components/parts/0/sku']);
    expect(codes(submit([{ def: parts, rows: [{}] }]))).toEqual([]);
  });

  it('refuse changes to a component the step does not open', () => {
    const r = submit([{ def: parts, rows: [{ sku: 'A1' }], stored: [] }], { stepPermissions: { title: 'editable', onSite: 'editable' } });
    expect(codes(r)).toEqual(['FIELD_NOT_EDITABLE /components/parts']);
    expect(r.components.parts).toEqual([]);
  });
});
