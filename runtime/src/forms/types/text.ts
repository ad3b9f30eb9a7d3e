import Type from 'typebox';
import { fieldType, lengthIssues } from '../field-type.ts';
import { idNumberDefect } from '../id-number.ts';
import type { ValueIssue } from '../problems.ts';
import { cleanRichText } from '../rich-text.ts';
import { localDate, nowOf } from '../values.ts';

/** Caps that apply when a definition sets none, so one value cannot bloat a ticket row. */
export const DEFAULT_MAX_LENGTH = { text: 1000, textarea: 10000, richText: 1_000_000 } as const;

const text = () => Type.String();
const aString = { en: 'text', 'zh-CN': '文本' };

export const MOBILE = /^1[3-9]\d{9}$/;
// Area code 0xx(x), optional dash, 7–8 digit number, optional extension; 400/800 service numbers.
const LANDLINE = /^0\d{2,3}-?[1-9]\d{6,7}(-\d{1,6})?$|^[48]00-?\d{3}-?\d{4}$/;
// The WHATWG (HTML input type=email) grammar, plus at least one dot in the domain.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

const patterns = new Map<string, RegExp>();
function patternIssues(value: string, source: string | undefined, hint: Record<string, string> | undefined): ValueIssue[] {
  if (source === undefined) return [];
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, 'u');
    patterns.set(source, re);
  }
  if (re.test(value)) return [];
  return [{ code: 'FIELD_PATTERN', params: { pattern: source, ...(hint ? { hint: hint.en ?? hint['zh-CN'], hintZh: hint['zh-CN'] ?? hint.en } : {}) } }];
}

export const textTypes = {
  text: fieldType('text', {
    schema: text,
    expected: aString,
    component: 'Input',
    validate: (v: string, f) => [...lengthIssues(v, f.minLength, f.maxLength ?? DEFAULT_MAX_LENGTH.text), ...patternIssues(v, f.pattern, f.patternMessage)],
    examples: {
      config: { minLength: 2, maxLength: 8, pattern: '^[A-Z]' },
      valid: ['AB', 'Room 301', 'A楼𠮷'],
      invalid: [
        { value: 12, code: 'FIELD_TYPE' },
        { value: 'A', code: 'FIELD_TOO_SHORT' },
        { value: 'ABCDEFGHI', code: 'FIELD_TOO_LONG' },
        { value: 'room', code: 'FIELD_PATTERN' },
      ],
    },
  }),
  textarea: fieldType('textarea', {
    schema: text,
    expected: aString,
    component: 'Input.TextArea',
    componentProps: (f) => ({ rows: f.rows ?? 3 }),
    validate: (v: string, f) => lengthIssues(v, f.minLength, f.maxLength ?? DEFAULT_MAX_LENGTH.textarea),
    examples: {
      config: { maxLength: 20 },
      valid: ['漏水\n请尽快处理', 'x'],
      invalid: [
        { value: ['line'], code: 'FIELD_TYPE' },
        { value: 'x'.repeat(21), code: 'FIELD_TOO_LONG' },
      ],
    },
  }),
  richText: fieldType('richText', {
    schema: text,
    expected: { en: 'HTML text', 'zh-CN': 'HTML 文本' },
    component: 'DocketRichText',
    validate: (v: string, f) => lengthIssues(v, undefined, f.maxLength ?? DEFAULT_MAX_LENGTH.richText),
    clean: (v: string) => cleanRichText(v),
    examples: {
      config: { maxLength: 40 },
      valid: ['<p>Hello <b>world</b></p>'],
      invalid: [
        { value: { html: '<p/>' }, code: 'FIELD_TYPE' },
        { value: `<p>${'x'.repeat(40)}</p>`, code: 'FIELD_TOO_LONG' },
      ],
    },
  }),
  phone: fieldType('phone', {
    schema: text,
    expected: aString,
    component: 'Input',
    componentProps: () => ({ inputMode: 'tel' }),
    validate: (v: string, f) =>
      MOBILE.test(v) || (!f.mobileOnly && LANDLINE.test(v)) ? [] : [{ code: 'FIELD_PHONE', params: { mobileOnly: f.mobileOnly === true } }],
    examples: {
      valid: ['13812345678', '19900001111', '010-12345678', '075512345678', '400-123-4567'],
      invalid: [
        { value: 13812345678, code: 'FIELD_TYPE' },
        { value: '12812345678', code: 'FIELD_PHONE' },
        { value: '1381234567', code: 'FIELD_PHONE' },
        { value: '+86 138 1234 5678', code: 'FIELD_PHONE' },
      ],
    },
  }),
  email: fieldType('email', {
    schema: text,
    expected: aString,
    component: 'Input',
    componentProps: () => ({ inputMode: 'email' }),
    validate: (v: string) => (v.length <= 254 && EMAIL.test(v) ? [] : [{ code: 'FIELD_EMAIL' }]),
    examples: {
      valid: ['li.lei@example.com', 'ops+docket@mail.example.cn'],
      invalid: [
        { value: 'li.lei', code: 'FIELD_EMAIL' },
        { value: 'li lei@example.com', code: 'FIELD_EMAIL' },
        { value: 'li@localhost', code: 'FIELD_EMAIL' },
      ],
    },
  }),
  idNumber: fieldType('idNumber', {
    schema: text,
    expected: aString,
    component: 'Input',
    validate: (v: string, _f, { env }) => {
      const defect = idNumberDefect(v, localDate(nowOf(env), env.timeZone));
      return defect ? [{ code: 'FIELD_ID_NUMBER', params: { ...defect } }] : [];
    },
    examples: {
      valid: ['11010519491231002X', '440308199901010012'],
      invalid: [
        { value: '110105194912310021', code: 'FIELD_ID_NUMBER' },
        { value: '11010519491231002x', code: 'FIELD_ID_NUMBER' },
        { value: '110105194902300026', code: 'FIELD_ID_NUMBER' },
        { value: '1101051949123100', code: 'FIELD_ID_NUMBER' },
      ],
    },
  }),
  serialNumber: fieldType('serialNumber', {
    schema: () => Type.String({ maxLength: 100 }),
    expected: { en: 'text of at most 100 characters', 'zh-CN': '不超过 100 个字符的文本' },
    component: 'PreviewText.Input',
    examples: { config: { pattern: 'SN{yyyy}{seq:6}' }, valid: ['SN2026000001'], invalid: [{ value: 2026000001, code: 'FIELD_TYPE' }] },
  }),
};
