import { describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../../definitions/field-types.ts';
import { type CatalogType, exampleEnv, exampleField, FIELD_CATALOG, validateFieldValue } from '../catalog.ts';
import { idNumberCheckChar } from '../id-number.ts';
import { exampleMoney } from './helpers.ts';

const check = (type: CatalogType, value: unknown, config: Record<string, unknown> = {}, stored?: unknown) =>
  validateFieldValue(value, { ...exampleField(type), ...config }, exampleEnv(), { at: ['data', 'example'], stored });

describe('the field-type catalog', () => {
  it('covers every field type of the meta-model', () => {
    expect(Object.keys(FIELD_CATALOG).sort()).toEqual(FIELD_TYPES.filter((t) => t !== 'ref').sort());
  });

  for (const type of Object.keys(FIELD_CATALOG) as CatalogType[]) {
    const { valid, invalid } = FIELD_CATALOG[type].examples;
    if (valid.length > 0)
      it(`${type}: accepts its valid examples`, () => {
        for (const value of valid) expect(check(type, value), JSON.stringify(value)).toEqual([]);
      });
    if (invalid.length > 0)
      it(`${type}: rejects its invalid examples with the stated code, naming the field`, () => {
        for (const { value, code } of invalid) {
          const problems = check(type, value);
          expect(
            problems.map((p) => p.code),
            JSON.stringify(value),
          ).toEqual([code]);
          expect(problems[0]?.field).toBe('example');
          expect(problems[0]?.pointer.startsWith('/data/example')).toBe(true);
          expect(problems[0]?.message.en).toContain(`Example ${type}`);
          expect(problems[0]?.message['zh-CN']).toContain(`示例${type}`);
        }
      });
  }
});

describe('money', () => {
  it('keeps amounts as decimal strings: 12.345 fails at precision 2, a JSON number never passes', () => {
    expect(check('money', exampleMoney('12.345'), { precision: 2 })).toMatchObject([{ code: 'FIELD_PRECISION', pointer: '/data/example/amount' }]);
    expect(check('money', exampleMoney('12.34'), { precision: 2 })).toEqual([]);
    expect(check('money', { amount: 12.34, currency: 'CNY' })).toMatchObject([{ code: 'FIELD_TYPE', pointer: '/data/example/amount' }]);
  });

  it('compares bounds exactly, beyond float precision', () => {
    expect(check('money', exampleMoney('0.30'), { min: '0.3', max: '0.3' })).toEqual([]);
    expect(check('money', exampleMoney('999999999999999.99'), { min: undefined, max: '999999999999999.98' })).toMatchObject([{ code: 'FIELD_MAX' }]);
  });

  it('defaults to two decimal places when the definition sets no precision', () => {
    expect(check('money', exampleMoney('1.001'), { precision: undefined })).toMatchObject([{ code: 'FIELD_PRECISION', params: { precision: 2 } }]);
  });
});

describe('ID numbers', () => {
  it('accepts real-format numbers whose ISO 7064 MOD 11-2 check character matches', () => {
    expect(idNumberCheckChar('11010519491231002')).toBe('X');
    expect(check('idNumber', '11010519491231002X')).toEqual([]);
  });

  it('rejects a wrong check digit, an impossible birth date and a birth date after today', () => {
    expect(check('idNumber', '110105194912310021')[0]?.message.en).toContain('check digit');
    const feb30 = `11010519490230002`;
    expect(check('idNumber', feb30 + idNumberCheckChar(feb30))[0]?.message.en).toContain('birth date');
    const future = `11010520300101002`;
    expect(check('idNumber', future + idNumberCheckChar(future))).toMatchObject([{ code: 'FIELD_ID_NUMBER' }]);
  });
});

describe('phones', () => {
  it('allows landlines unless the field is mobile-only', () => {
    expect(check('phone', '010-12345678')).toEqual([]);
    expect(check('phone', '010-12345678', { mobileOnly: true })).toMatchObject([{ code: 'FIELD_PHONE' }]);
    expect(check('phone', '13812345678', { mobileOnly: true })).toEqual([]);
  });
});

describe('dates', () => {
  it('reads min "today" in the tenant time zone', () => {
    // 00:30Z on March 1st: already March 1st in Shanghai, still February 28th in New York.
    const env = { ...exampleEnv(), now: '2026-03-01T00:30:00Z' };
    const field = { ...exampleField('date'), min: 'today', max: undefined };
    expect(validateFieldValue('2026-02-28', field, env, { at: ['data', 'example'] })).toMatchObject([{ code: 'FIELD_MIN', params: { limit: '2026-03-01' } }]);
    expect(validateFieldValue('2026-02-28', field, { ...env, timeZone: 'America/New_York' }, { at: ['data', 'example'] })).toEqual([]);
  });

  it('counts an instant by its date in the tenant time zone', () => {
    // 16:30Z on Feb 28 is already March 1st in Shanghai.
    expect(check('datetime', '2026-02-28T16:30:00Z', { min: '2026-03-01' })).toEqual([]);
    expect(check('datetime', '2026-02-28T15:30:00Z', { min: '2026-03-01' })).toMatchObject([{ code: 'FIELD_MIN' }]);
  });
});

describe('choices', () => {
  it('accepts a disabled option the field already held, and refuses it as a new choice', () => {
    expect(check('select', 'legacy', {}, 'legacy')).toEqual([]);
    expect(check('select', 'legacy', {}, 'normal')).toMatchObject([{ code: 'FIELD_OPTION_DISABLED' }]);
    expect(check('multiSelect', ['normal', 'legacy'], {}, ['legacy'])).toEqual([]);
    expect(check('cascader', ['repair', 'gas'], {}, ['repair', 'gas'])).toEqual([]);
  });

  it('reads options from a dictionary and reports a dictionary that is not there', () => {
    expect(check('select', 'water-leak', { options: undefined, dictionary: 'example-service-items' })).toMatchObject([{ code: 'FIELD_OPTION' }]);
    expect(check('select', 'cleaning', { options: undefined, dictionary: 'example-service-items' })).toEqual([]);
    expect(check('select', 'x', { options: undefined, dictionary: 'nope' })).toMatchObject([{ code: 'FIELD_DICTIONARY_UNKNOWN' }]);
  });

  it('points at the bad entry of a multiple cascader', () => {
    expect(check('cascader', [['cleaning'], ['repair', 'flood']], { multiple: true })).toMatchObject([{ code: 'FIELD_OPTION', pointer: '/data/example/1/1' }]);
  });
});

describe('attachments', () => {
  it('points at the offending file', () => {
    const files = [
      { fileId: 'a', name: 'a.jpg', size: 10, contentType: 'image/jpeg' },
      { fileId: 'b', name: 'b.zip', size: 10, contentType: 'application/zip' },
    ];
    expect(check('attachment', files)).toMatchObject([{ code: 'FIELD_FILE_TYPE', pointer: '/data/example/1/contentType' }]);
  });
});
