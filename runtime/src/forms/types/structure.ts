import Type from 'typebox';
import { type FieldType, fieldType } from '../field-type.ts';
import { DATE } from './dates.ts';
import { MoneyValue } from './numbers.ts';

/** Stored shape of a computed field by its `valueType`; the server always recomputes it. */
const COMPUTED_SCHEMAS = {
  number: () => Type.Number(),
  money: () => MoneyValue,
  text: () => Type.String(),
  boolean: () => Type.Boolean(),
  date: () => Type.String({ pattern: DATE }),
};

export const structureTypes = {
  computed: fieldType('computed', {
    schema: (f) => COMPUTED_SCHEMAS[f.valueType](),
    expected: { en: 'the computed value type', 'zh-CN': '计算结果类型' },
    component: 'PreviewText.Input',
    examples: {
      config: { valueType: 'money', expression: { '*': [{ var: 'data.qty' }, 10] } },
      valid: [{ amount: '30.00', currency: 'CNY' }],
      invalid: [{ value: 30, code: 'FIELD_TYPE' }],
    },
  }),
};

/**
 * A sub-table holds an array of row objects keyed by column; columns are validated like
 * top-level fields (see submission.ts). A section holds no value at all.
 */
export const subTableType: FieldType<Record<string, unknown>[], { minRows?: number; maxRows?: number }> = {
  schema: () => Type.Array(Type.Record(Type.String(), Type.Unknown())),
  expected: { en: 'a list of rows', 'zh-CN': '行列表' },
  component: 'ArrayTable',
  validate: (v, f) => {
    if (f.minRows !== undefined && v.length < f.minRows) return [{ code: 'FIELD_TOO_FEW', params: { limit: f.minRows } }];
    if (f.maxRows !== undefined && v.length > f.maxRows) return [{ code: 'FIELD_TOO_MANY', params: { limit: f.maxRows } }];
    return [];
  },
  examples: {
    config: { maxRows: 2, fields: [{ key: 'part', type: 'text', label: { en: 'Part', 'zh-CN': '备件' } }] },
    valid: [[{ part: 'valve' }], [{ part: 'valve' }, { part: 'pipe' }]],
    invalid: [
      { value: { part: 'valve' }, code: 'FIELD_TYPE' },
      { value: [{ part: 'a' }, { part: 'b' }, { part: 'c' }], code: 'FIELD_TOO_MANY' },
    ],
  },
};

export const sectionType: FieldType = {
  schema: () => Type.Never(),
  expected: { en: 'nothing (a section holds no value)', 'zh-CN': '无（分组不保存值）' },
  component: 'FormLayout',
  examples: { valid: [], invalid: [] },
};
