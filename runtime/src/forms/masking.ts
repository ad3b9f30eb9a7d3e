import { isEmpty } from './values.ts';

export const MASK = '****';

/**
 * How a `sensitive` value looks to someone without the viewSensitive permission: phones
 * keep their first 3 and last 4 digits (138****5678), ID numbers their first and last 4
 * (1101**********1234), anything else becomes ****.
 */
export function maskValue(type: string, value: unknown): unknown {
  if (isEmpty(value)) return value;
  if (typeof value === 'string') {
    if (type === 'phone' && value.length >= 8) return `${value.slice(0, 3)}${MASK}${value.slice(-4)}`;
    if (type === 'idNumber' && value.length > 8) return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
  }
  return MASK;
}
