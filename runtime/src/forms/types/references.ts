import Type from 'typebox';
import { fieldType, manyOf } from '../field-type.ts';
import type { ValueIssue } from '../problems.ts';

/**
 * People, teams, org units and records are stored by id: one id, or a list when the
 * field is `multiple`. Whether the id exists in the tenant is checked by the record
 * service against the database, not here (this module has no database).
 */
const Id = Type.String({ minLength: 1, maxLength: 200 });
const idSchema = (f: { multiple?: boolean | undefined }) => (manyOf(f) ? Type.Array(Id) : Id);
const duplicates = (v: string | string[]): ValueIssue[] =>
  Array.isArray(v) ? v.flatMap((id, i) => (v.indexOf(id) !== i ? [{ code: 'FIELD_DUPLICATE' as const, path: [i], params: { value: id } }] : [])) : [];
const anId = { en: 'an id (a list of ids when several are allowed)', 'zh-CN': 'ID（允许多个时为 ID 列表）' };
const examples = (one: string, two: string) => ({
  config: { multiple: true },
  valid: [[one], [one, two]],
  invalid: [
    { value: one, code: 'FIELD_TYPE' as const },
    { value: [one, ''], code: 'FIELD_TYPE' as const },
    { value: [one, one], code: 'FIELD_DUPLICATE' as const },
  ],
});

export const referenceTypes = {
  user: fieldType('user', {
    schema: idSchema,
    expected: anId,
    component: 'DocketUserPicker',
    componentProps: (f) => ({ multiple: manyOf(f), ...(f.roles ? { roles: f.roles } : {}) }),
    validate: duplicates,
    examples: examples('u-zhang', 'u-li'),
  }),
  team: fieldType('team', {
    schema: idSchema,
    expected: anId,
    component: 'DocketTeamPicker',
    componentProps: (f) => ({ multiple: manyOf(f) }),
    validate: duplicates,
    examples: examples('plumbing', 'electrical'),
  }),
  orgUnit: fieldType('orgUnit', {
    schema: idSchema,
    expected: anId,
    component: 'DocketOrgUnitPicker',
    componentProps: (f) => ({ multiple: manyOf(f) }),
    validate: duplicates,
    examples: examples('office-a', 'building-3'),
  }),
  recordRef: fieldType('recordRef', {
    schema: idSchema,
    expected: anId,
    component: 'DocketRecordPicker',
    componentProps: (f) => ({ recordType: f.recordType, multiple: manyOf(f), ...(f.filter ? { filter: f.filter } : {}) }),
    validate: duplicates,
    examples: { ...examples('c-1001', 'c-1002'), config: { recordType: 'customer', multiple: true } },
  }),
};
