import { describe, expect, it } from 'vitest';
import { maskValue } from '../masking.ts';
import { projectComponentsForRead, projectForRead } from '../visibility.ts';
import { GENERAL_FORM, SHENZHEN, t } from './helpers.ts';

const stored = { title: '漏水', contactPhone: '13812345678', address: SHENZHEN, onSite: true, legacyKey: 'x' };

describe('projectForRead', () => {
  it('masks sensitive fields for readers without viewSensitive, and shows them to those with it', () => {
    expect(projectForRead(GENERAL_FORM, stored, { viewSensitive: false }).contactPhone).toBe('138****5678');
    expect(projectForRead(GENERAL_FORM, stored, { viewSensitive: true }).contactPhone).toBe('13812345678');
  });

  it('leaves out fields hidden from the role or at the step, and keys that are not fields of the form', () => {
    const seen = projectForRead(GENERAL_FORM, stored, {
      viewSensitive: true,
      rolePermissions: { contactPhone: 'hidden', title: 'read' },
      stepPermissions: { address: 'hidden' },
    });
    expect(seen).toEqual({ title: '漏水', onSite: true });
  });

  it('masks sensitive columns inside sub-tables', () => {
    const form = {
      fields: [
        {
          key: 'owners',
          type: 'subTable',
          label: t('业主', 'Owners'),
          fields: [
            { key: 'name', type: 'text', label: t('姓名', 'Name') },
            { key: 'idNo', type: 'idNumber', label: t('身份证号', 'ID number'), sensitive: true },
          ],
        },
      ],
    };
    const seen = projectForRead(form, { owners: [{ name: '李雷', idNo: '11010519491231002X' }] }, { viewSensitive: false });
    expect(seen).toEqual({ owners: [{ name: '李雷', idNo: '1101**********002X' }] });
  });
});

describe('masking', () => {
  it('keeps the ends of phones and ID numbers and hides everything else entirely', () => {
    expect(maskValue('phone', '13812345678')).toBe('138****5678');
    expect(maskValue('idNumber', '110105194912311234')).toBe('1101**********1234');
    expect(maskValue('text', '6222 0000 1111 2222')).toBe('****');
    expect(maskValue('address', SHENZHEN)).toBe('****');
    expect(maskValue('phone', undefined)).toBeUndefined();
  });
});

describe('projectComponentsForRead', () => {
  const bank = { key: 'bank', rows: 'multiple' as const, fields: [{ key: 'account', type: 'text', label: t('账号', 'Account'), sensitive: true }] };
  const notes = { key: 'notes', rows: 'single' as const, fields: [{ key: 'text', type: 'text', label: t('备注', 'Note') }] };

  it('masks sensitive component fields and leaves out components hidden from the role', () => {
    const components = { bank: [{ account: '6222000011112222' }], notes: { text: 'hi' } };
    expect(projectComponentsForRead([bank, notes], components, { viewSensitive: false })).toEqual({ bank: [{ account: '****' }], notes: [{ text: 'hi' }] });
    expect(projectComponentsForRead([bank, notes], components, { viewSensitive: true, rolePermissions: { bank: 'hidden' } })).toEqual({
      notes: [{ text: 'hi' }],
    });
  });
});
