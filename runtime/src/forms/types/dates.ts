import Type from 'typebox';
import { fieldType } from '../field-type.ts';
import type { ValueIssue } from '../problems.ts';
import { daysBetween, type FormEnv, localDate, resolveDateBound } from '../values.ts';

export const DATE = '^\\d{4}-\\d{2}-\\d{2}$';
/** An instant with an explicit offset, so it means the same thing in every time zone. */
export const INSTANT = '^\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,9})?)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';
const TIME = '^([01]\\d|2[0-3]):[0-5]\\d$';

const realDate = (d: string) => {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
};
const NOT_A_DATE: ValueIssue = { code: 'FIELD_TYPE', params: { expected: 'a real calendar date', expectedZh: '存在的日期' } };

/** Date bounds compare calendar dates; an instant counts by its date in the tenant's time zone. */
function dateBoundIssues(date: string, min: string | undefined, max: string | undefined, env: FormEnv, path?: (string | number)[]): ValueIssue[] {
  const at = path ? { path } : {};
  if (min !== undefined && date < resolveDateBound(min, env)) return [{ code: 'FIELD_MIN', params: { limit: resolveDateBound(min, env) }, ...at }];
  if (max !== undefined && date > resolveDateBound(max, env)) return [{ code: 'FIELD_MAX', params: { limit: resolveDateBound(max, env) }, ...at }];
  return [];
}

/** The tenant-local date of an instant, or undefined when the instant is not real (2025-02-30T…). */
function instantDate(v: string, env: FormEnv): string | undefined {
  if (!realDate(v.slice(0, 10))) return undefined;
  return localDate(new Date(v), env.timeZone);
}

export const dateTypes = {
  date: fieldType('date', {
    schema: () => Type.String({ pattern: DATE }),
    expected: { en: 'a date YYYY-MM-DD', 'zh-CN': '日期（YYYY-MM-DD）' },
    component: 'DatePicker',
    validate: (v: string, f, { env }) => (realDate(v) ? dateBoundIssues(v, f.min, f.max, env) : [NOT_A_DATE]),
    examples: {
      config: { min: '2025-01-01', max: '2030-12-31' },
      valid: ['2025-01-01', '2028-02-29'],
      invalid: [
        { value: '2026/01/05', code: 'FIELD_TYPE' },
        { value: '2026-02-30', code: 'FIELD_TYPE' },
        { value: '2024-12-31', code: 'FIELD_MIN' },
        { value: '2031-01-01', code: 'FIELD_MAX' },
      ],
    },
  }),
  datetime: fieldType('datetime', {
    schema: () => Type.String({ pattern: INSTANT }),
    expected: { en: 'an ISO 8601 instant with an offset, e.g. 2026-03-01T09:30:00+08:00', 'zh-CN': '带时区的 ISO 8601 时间，如 2026-03-01T09:30:00+08:00' },
    component: 'DatePicker',
    componentProps: (f) => ({ showTime: { format: 'HH:mm', minuteStep: f.minuteStep ?? 1 } }),
    validate: (v: string, f, { env }) => {
      const date = instantDate(v, env);
      return date === undefined ? [NOT_A_DATE] : dateBoundIssues(date, f.min, f.max, env);
    },
    examples: {
      config: { min: '2025-01-01' },
      valid: ['2026-03-01T09:30:00+08:00', '2026-03-01T01:30:00Z', '2025-01-01T00:00+08:00'],
      invalid: [
        { value: '2026-03-01 09:30', code: 'FIELD_TYPE' },
        { value: '2026-03-01T09:30:00', code: 'FIELD_TYPE' },
        { value: '2026-02-30T09:30:00Z', code: 'FIELD_TYPE' },
        { value: '2024-12-31T23:59:00+08:00', code: 'FIELD_MIN' },
      ],
    },
  }),
  time: fieldType('time', {
    schema: () => Type.String({ pattern: TIME }),
    expected: { en: 'a time HH:mm', 'zh-CN': '时间（HH:mm）' },
    component: 'TimePicker',
    componentProps: (f) => ({ format: 'HH:mm', minuteStep: f.minuteStep ?? 1 }),
    examples: {
      valid: ['00:00', '09:30', '23:59'],
      invalid: [
        { value: '24:00', code: 'FIELD_TYPE' },
        { value: '9:30', code: 'FIELD_TYPE' },
        { value: '09:30:00', code: 'FIELD_TYPE' },
      ],
    },
  }),
  dateRange: fieldType('dateRange', {
    schema: (f) => {
      const end = Type.String({ pattern: f.withTime ? INSTANT : DATE });
      return Type.Object({ start: end, end }, { additionalProperties: false });
    },
    expected: { en: 'a range {"start": …, "end": …}', 'zh-CN': '起止范围 {"start": …, "end": …}' },
    component: 'DatePicker.RangePicker',
    componentProps: (f) => (f.withTime ? { showTime: { format: 'HH:mm' } } : {}),
    validate: (v: { start: string; end: string }, f, { env }) => {
      for (const part of ['start', 'end'] as const) {
        const ok = f.withTime ? instantDate(v[part], env) !== undefined : realDate(v[part]);
        if (!ok) return [{ ...NOT_A_DATE, path: [part] }];
      }
      const span = f.withTime ? (Date.parse(v.end) - Date.parse(v.start)) / 86_400_000 : daysBetween(v.start, v.end);
      if (span < 0) return [{ code: 'FIELD_RANGE_ORDER', path: ['end'] }];
      // A date range counts both ends (Mon–Wed is 3 days); a timed range counts elapsed time.
      const days = f.withTime ? span : span + 1;
      if (f.maxDays !== undefined && days > f.maxDays) return [{ code: 'FIELD_MAX', path: ['end'], params: { limit: `${f.maxDays} days`, days } }];
      return [];
    },
    examples: {
      config: { maxDays: 7 },
      valid: [
        { start: '2026-03-01', end: '2026-03-07' },
        { start: '2026-03-01', end: '2026-03-01' },
      ],
      invalid: [
        { value: ['2026-03-01', '2026-03-02'], code: 'FIELD_TYPE' },
        { value: { start: '2026-03-01' }, code: 'FIELD_TYPE' },
        { value: { start: '2026-03-02', end: '2026-03-01' }, code: 'FIELD_RANGE_ORDER' },
        { value: { start: '2026-03-01', end: '2026-03-08' }, code: 'FIELD_MAX' },
      ],
    },
  }),
};
