import Type from 'typebox';
import { fieldType } from '../field-type.ts';
import type { ValueIssue } from '../problems.ts';

/**
 * Addresses hold region names as the DocketAddress picker shows them (广东省 / 深圳市 /
 * 南山区) plus free-text detail; `level` says how deep the region must go.
 */
const Part = Type.String({ maxLength: 100 });
const AddressValue = Type.Object(
  { province: Part, city: Type.Optional(Part), district: Type.Optional(Part), detail: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
type Address = { province: string; city?: string; district?: string; detail?: string };
const LEVELS = ['province', 'city', 'district'] as const;
const PART_NAMES: Record<(typeof LEVELS)[number] | 'detail', string> = { province: '省份', city: '城市', district: '区县', detail: '详细地址' };

export const placeTypes = {
  address: fieldType('address', {
    schema: () => AddressValue,
    expected: { en: 'an address {province, city, district, detail}', 'zh-CN': '地址 {province, city, district, detail}' },
    component: 'DocketAddress',
    componentProps: (f) => ({ level: f.level ?? 'district', withDetail: f.withDetail === true }),
    validate: (v: Address, f) => {
      const depth = LEVELS.indexOf(f.level ?? 'district');
      const missing = LEVELS.slice(0, depth + 1).find((part) => !v[part]?.trim());
      if (missing) return [{ code: 'FIELD_INCOMPLETE', path: [missing], params: { part: missing, partZh: PART_NAMES[missing] } }];
      return [];
    },
    examples: {
      config: { level: 'district', withDetail: true },
      valid: [
        { province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 3 栋 301' },
        { province: '北京市', city: '北京市', district: '朝阳区' },
      ],
      invalid: [
        { value: '广东省深圳市南山区', code: 'FIELD_TYPE' },
        { value: { province: '广东省', city: '深圳市', district: '南山区', street: 'x' }, code: 'FIELD_TYPE' },
        { value: { province: '广东省', city: '深圳市' }, code: 'FIELD_INCOMPLETE' },
        { value: { province: '广东省', city: ' ', district: '南山区' }, code: 'FIELD_INCOMPLETE' },
      ],
    },
  }),
  location: fieldType('location', {
    schema: () => Type.Object({ lat: Type.Number(), lng: Type.Number() }, { additionalProperties: false }),
    expected: { en: 'coordinates {lat, lng}', 'zh-CN': '坐标 {lat, lng}' },
    component: 'DocketLocation',
    validate: (v: { lat: number; lng: number }) => {
      const issues: ValueIssue[] = [];
      if (!(Math.abs(v.lat) <= 90)) issues.push({ code: 'FIELD_MAX', path: ['lat'], params: { limit: 'latitude ±90' } });
      if (!(Math.abs(v.lng) <= 180)) issues.push({ code: 'FIELD_MAX', path: ['lng'], params: { limit: 'longitude ±180' } });
      return issues;
    },
    examples: {
      valid: [
        { lat: 22.5431, lng: 113.9365 },
        { lat: -33.86, lng: 151.21 },
      ],
      invalid: [
        { value: [22.5, 113.9], code: 'FIELD_TYPE' },
        { value: { lat: '22.5', lng: 113.9 }, code: 'FIELD_TYPE' },
        { value: { lat: 91, lng: 113.9 }, code: 'FIELD_MAX' },
      ],
    },
  }),
};
