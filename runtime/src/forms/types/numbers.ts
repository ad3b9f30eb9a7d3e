import Type from 'typebox';
import { fieldType } from '../field-type.ts';
import type { ValueIssue } from '../problems.ts';
import { compareDecimal, decimalPlaces } from '../values.ts';

/** Money amounts: a decimal string, never a JSON number, so 0.1 + 0.2 stays exact. */
export const DECIMAL = '^-?\\d{1,15}(\\.\\d{1,6})?$';
export const MoneyValue = Type.Object(
  { amount: Type.String({ pattern: DECIMAL }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
  { additionalProperties: false },
);
export type Money = { amount: string; currency: string };
/** Money fields allow two decimal places unless the definition says otherwise. */
export const DEFAULT_MONEY_PRECISION = 2;

function boundIssues<T>(v: T, min: T | undefined, max: T | undefined, compare: (a: T, b: T) => number, path?: (string | number)[]): ValueIssue[] {
  const at = path ? { path } : {};
  if (min !== undefined && compare(v, min) < 0) return [{ code: 'FIELD_MIN', params: { limit: min }, ...at }];
  if (max !== undefined && compare(v, max) > 0) return [{ code: 'FIELD_MAX', params: { limit: max }, ...at }];
  return [];
}
const numeric = (a: number, b: number) => a - b;

export const numberTypes = {
  number: fieldType('number', {
    schema: () => Type.Number(),
    expected: { en: 'a number', 'zh-CN': '数字' },
    component: 'NumberPicker',
    componentProps: (f) => ({ ...(f.precision !== undefined ? { precision: f.precision } : {}), ...(f.min !== undefined ? { min: f.min } : {}) }),
    validate: (v: number, f) => {
      if (!Number.isFinite(v)) return [{ code: 'FIELD_TYPE', params: { expected: 'a finite number', expectedZh: '有限数字' } }];
      if (f.precision !== undefined && Number(v.toFixed(f.precision)) !== v) return [{ code: 'FIELD_PRECISION', params: { precision: f.precision } }];
      return boundIssues(v, f.min, f.max, numeric);
    },
    examples: {
      config: { min: 1, max: 99, precision: 1 },
      valid: [1, 2.5, 99],
      invalid: [
        { value: '5', code: 'FIELD_TYPE' },
        { value: 0, code: 'FIELD_MIN' },
        { value: 100, code: 'FIELD_MAX' },
        { value: 1.25, code: 'FIELD_PRECISION' },
      ],
    },
  }),
  money: fieldType('money', {
    schema: () => MoneyValue,
    expected: { en: 'an amount such as {"amount": "12.50", "currency": "CNY"}', 'zh-CN': '金额，如 {"amount": "12.50", "currency": "CNY"}' },
    component: 'DocketMoney',
    componentProps: (f) => ({ currency: f.currency ?? 'CNY', precision: f.precision ?? DEFAULT_MONEY_PRECISION }),
    validate: (v: Money, f) => {
      if (f.currency !== undefined && v.currency !== f.currency) return [{ code: 'FIELD_CURRENCY', path: ['currency'], params: { currency: f.currency } }];
      const precision = f.precision ?? DEFAULT_MONEY_PRECISION;
      if (decimalPlaces(v.amount) > precision) return [{ code: 'FIELD_PRECISION', path: ['amount'], params: { precision } }];
      return boundIssues(v.amount, f.min, f.max, compareDecimal, ['amount']);
    },
    examples: {
      config: { currency: 'CNY', min: '0', max: '10000', precision: 2 },
      valid: [
        { amount: '12.50', currency: 'CNY' },
        { amount: '0', currency: 'CNY' },
        { amount: '10000.00', currency: 'CNY' },
      ],
      invalid: [
        { value: 12.5, code: 'FIELD_TYPE' },
        { value: { amount: 12.5, currency: 'CNY' }, code: 'FIELD_TYPE' },
        { value: { amount: '12.5' }, code: 'FIELD_TYPE' },
        { value: { amount: '12.345', currency: 'CNY' }, code: 'FIELD_PRECISION' },
        { value: { amount: '-0.01', currency: 'CNY' }, code: 'FIELD_MIN' },
        { value: { amount: '10000.01', currency: 'CNY' }, code: 'FIELD_MAX' },
        { value: { amount: '1.00', currency: 'USD' }, code: 'FIELD_CURRENCY' },
      ],
    },
  }),
  rating: fieldType('rating', {
    schema: () => Type.Number(),
    expected: { en: 'a number of stars', 'zh-CN': '评分数字' },
    component: 'Rate',
    componentProps: (f) => ({ count: f.max ?? 5, allowHalf: f.allowHalf === true }),
    validate: (v: number, f) => {
      const step = f.allowHalf ? 0.5 : 1;
      if (!Number.isInteger(v / step)) return [{ code: 'FIELD_STEP', params: { step } }];
      return boundIssues(v, step, f.max ?? 5, numeric);
    },
    examples: {
      config: { max: 5, allowHalf: true },
      valid: [0.5, 3, 4.5, 5],
      invalid: [
        { value: '5', code: 'FIELD_TYPE' },
        { value: 0, code: 'FIELD_MIN' },
        { value: 5.5, code: 'FIELD_MAX' },
        { value: 3.3, code: 'FIELD_STEP' },
      ],
    },
  }),
  switch: fieldType('switch', {
    schema: () => Type.Boolean(),
    expected: { en: 'true or false', 'zh-CN': '是或否（true/false）' },
    component: 'Switch',
    examples: { valid: [true, false], invalid: [{ value: 'true', code: 'FIELD_TYPE' }] },
  }),
};
