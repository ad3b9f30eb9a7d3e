import { describe, expect, it } from 'vitest';
import type { ReusableField } from '../../definitions/kinds/field.ts';
import { evaluateForm } from '../rules.ts';
import { ENV, GENERAL_FORM, GENERAL_RECEIPT, t } from './helpers.ts';

const eq = (v: string, x: unknown) => ({ '==': [{ var: v }, x] });

describe('evaluateForm on the general ticket type', () => {
  it('hides the service address and does not require it when no on-site visit is needed', () => {
    const { fields } = evaluateForm(GENERAL_FORM, { data: { onSite: false } }, { env: ENV });
    expect(fields.address).toEqual({ visible: false, required: false, readOnly: false });
    expect(fields.appointment?.visible).toBe(false);
  });

  it('shows and requires the service address for an on-site visit', () => {
    const { fields } = evaluateForm(GENERAL_FORM, { data: { onSite: true } }, { env: ENV });
    expect(fields.address).toEqual({ visible: true, required: true, readOnly: false });
    expect(fields.title?.required).toBe(true);
  });

  it('evaluates the receipt form against the ticket data: the signature is required after an on-site visit', () => {
    const receipt = (onSite: boolean) => evaluateForm(GENERAL_RECEIPT, { data: { onSite }, receipt: {} }, { target: 'receipt', env: ENV }).fields;
    expect(receipt(true).signature?.required).toBe(true);
    expect(receipt(false).signature?.required).toBe(false);
  });
});

describe('sections', () => {
  const form = {
    fields: [
      { key: 'onSite', type: 'switch', label: t('上门', 'On site') },
      { key: 'visit', type: 'section', label: t('上门信息', 'Visit'), visible: eq('data.onSite', true) },
      { key: 'floor', type: 'text', label: t('楼层', 'Floor'), required: true },
      { key: 'closing', type: 'section', label: t('其他', 'Other') },
      { key: 'note', type: 'text', label: t('备注', 'Note'), required: true },
    ],
  };

  it('hide the fields under them, up to the next section, and those are not required', () => {
    const { fields } = evaluateForm(form, { data: { onSite: false } });
    expect(fields.floor).toMatchObject({ visible: false, required: false });
    expect(fields.note).toMatchObject({ visible: true, required: true });
    expect(evaluateForm(form, { data: { onSite: true } }).fields.floor).toMatchObject({ visible: true, required: true });
  });
});

describe('computed fields', () => {
  const form = {
    fields: [
      {
        key: 'items',
        type: 'subTable',
        label: t('明细', 'Items'),
        fields: [
          { key: 'qty', type: 'number', label: t('数量', 'Qty') },
          { key: 'price', type: 'money', label: t('单价', 'Price') },
          {
            key: 'total',
            type: 'computed',
            label: t('小计', 'Total'),
            valueType: 'money',
            expression: { '*': [{ var: 'row.qty' }, { var: 'row.price.amount' }] },
          },
        ],
      },
      {
        key: 'sum',
        type: 'computed',
        label: t('合计', 'Sum'),
        valueType: 'money',
        expression: { reduce: [{ var: 'data.items' }, { '+': [{ var: 'accumulator' }, { var: 'current.total.amount' }] }, 0] },
      },
      { key: 'big', type: 'computed', label: t('大额', 'Large'), valueType: 'boolean', expression: { '>': [{ var: 'data.sum.amount' }, 100] } },
    ],
  };
  const price = (amount: string) => ({ amount, currency: 'CNY' });

  it('compute row by row, then fields that read the rows, ignoring what the client sent', () => {
    const data = {
      items: [
        { qty: 2, price: price('12.50'), total: price('1.00') },
        { qty: 3, price: price('30.10') },
      ],
      sum: price('0.01'),
    };
    const { values, fields } = evaluateForm(form, { data });
    expect(values.items).toEqual([
      { qty: 2, price: price('12.50'), total: price('25.00') },
      { qty: 3, price: price('30.10'), total: price('90.30') },
    ]);
    expect(values.sum).toEqual(price('115.30'));
    expect(values.big).toBe(true);
    expect(fields.sum).toMatchObject({ readOnly: true, value: price('115.30') });
    expect(fields.items?.rows?.[1]?.total).toMatchObject({ readOnly: true, value: price('90.30') });
  });
});

describe('permissions', () => {
  it('make fields a step does not list read-only, hide what it hides and require what it requires', () => {
    const { fields } = evaluateForm(
      GENERAL_FORM,
      { data: { onSite: true } },
      { stepPermissions: { description: 'editable', contactPhone: 'required', attachments: 'hidden' } },
    );
    expect(fields.title).toMatchObject({ readOnly: true, required: false });
    expect(fields.description).toMatchObject({ readOnly: false });
    expect(fields.contactPhone).toMatchObject({ readOnly: false, required: true });
    expect(fields.attachments).toMatchObject({ visible: false });
  });

  it('follow role field permissions: read means read-only, hidden means invisible', () => {
    const { fields } = evaluateForm(GENERAL_FORM, { data: {} }, { rolePermissions: { title: 'read', contactPhone: 'hidden' } });
    expect(fields.title).toMatchObject({ visible: true, readOnly: true, required: false });
    expect(fields.contactPhone?.visible).toBe(false);
  });
});

describe('reusable fields', () => {
  const ownerPhone: ReusableField = { kind: 'field', key: 'owner-phone', name: t('业主电话', 'Owner phone'), type: 'phone', mobileOnly: true, sensitive: true };

  it('resolve against the definitions passed in, keeping the form key and its rule overrides', () => {
    const form = { fields: [{ key: 'ownerPhone', type: 'ref', ref: 'owner-phone', required: true }] };
    const { fields } = evaluateForm(form, { data: {} }, { fieldDefs: new Map([['owner-phone', ownerPhone]]) });
    expect(fields.ownerPhone).toMatchObject({ visible: true, required: true });
  });

  it('refuse a form whose reusable field is missing, naming it', () => {
    const form = { fields: [{ key: 'ownerPhone', type: 'ref', ref: 'owner-phone' }] };
    expect(() => evaluateForm(form, { data: {} })).toThrow(/owner-phone/);
  });
});
