/**
 * Mainland China resident ID numbers (GB 11643-1999): 6-digit region, birth date
 * YYYYMMDD, 3-digit sequence, and an ISO 7064 MOD 11-2 check character (0–9 or X).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
const SHAPE = /^[1-9]\d{16}[\dX]$/;

export interface IdNumberDefect {
  reason: string;
  reasonZh: string;
}

/** The check character the first 17 digits call for. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

/** Why `id` is not a valid ID number, or undefined when it is. `today` is YYYY-MM-DD. */
export function idNumberDefect(id: string, today: string): IdNumberDefect | undefined {
  if (!SHAPE.test(id)) return { reason: '18 characters: 17 digits and a digit or capital X', reasonZh: '应为 18 位：17 位数字加一位数字或大写 X' };
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const parsed = new Date(`${birth}T00:00:00Z`);
  const real = !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === birth;
  if (!real || birth < '1900-01-01' || birth > today) return { reason: `the birth date ${birth} is not possible`, reasonZh: `出生日期 ${birth} 不成立` };
  if (idNumberCheckChar(id) !== id[17]) return { reason: 'the check digit does not match', reasonZh: '校验位不正确' };
  return undefined;
}
