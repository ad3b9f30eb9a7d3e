import { sortKeys } from '../definitions/canonical-json.ts';
import type { DictionaryItem } from '../definitions/kinds/dictionary.ts';

/** What value checks need from outside the form: the same object in the browser and on the server. */
export interface FormEnv {
  /** The tenant's IANA time zone; `today` and date bounds are read in it. */
  timeZone: string;
  /** The current instant (default: the clock). Tests and replays pin it. */
  now?: Date | string;
  /** Items of a published dictionary by key; undefined when the dictionary does not exist. */
  dictionaries?: (key: string) => DictionaryItem[] | undefined;
  /** Currency of computed money values (default CNY). */
  currency?: string;
}

export const nowOf = (env: FormEnv): Date => (env.now instanceof Date ? env.now : env.now ? new Date(env.now) : new Date());

/** Empty means "no value": required checks fail on it and type checks skip it. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** Deep equality of JSON values, key order ignored; two empty values are equal. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const part = (type: string) => f.formatToParts(instant).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** A date bound from a definition: a fixed date, or `today` in the tenant's time zone. */
export const resolveDateBound = (bound: string, env: FormEnv): string => (bound === 'today' ? localDate(nowOf(env), env.timeZone) : bound);

/** Days between two YYYY-MM-DD dates (b − a). */
export const daysBetween = (a: string, b: string): number => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Number of digits after the point of a decimal string. */
export const decimalPlaces = (d: string): number => (d.includes('.') ? d.length - d.indexOf('.') - 1 : 0);

/** Exact comparison of decimal strings (no float rounding): −1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const scale = Math.max(decimalPlaces(a), decimalPlaces(b));
  const big = (d: string) => {
    const [int, frac = ''] = d.split('.');
    return BigInt(`${int}${frac.padEnd(scale, '0')}`.replace(/^(-?)0+(?=\d)/, '$1'));
  };
  const x = big(a);
  const y = big(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
