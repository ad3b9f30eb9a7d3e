import { InputError } from '@docket/runtime';

export const FILTER_OPS = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'contains', 'isNull'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/**
 * One `filter=field:op:value` query parameter of a list route (tickets, records): `in` takes
 * a comma-separated list, `isNull` an optional true/false. Values stay strings; the service
 * types them against the field's definition.
 */
export function parseFilterParam(raw: string, index: number, code: string): { field: string; op: FilterOp; value: unknown } {
  const m = /^([^:]+):([a-zA-Z]+)(?::(.*))?$/s.exec(raw);
  const op = m?.[2] as FilterOp | undefined;
  const bad = (message: string): never => {
    throw new InputError(code, `filter "${raw}" ${message}`, {
      filter: raw,
      errors: [{ field: 'filter', pointer: `/filter/${index}`, code: 'FILTER_SYNTAX', message }],
    });
  };
  if (!m || !op || !(FILTER_OPS as readonly string[]).includes(op)) return bad(`is not field:op:value with op one of ${FILTER_OPS.join(', ')}`);
  const field = m[1] as string;
  if (op === 'isNull') return { field, op, value: m[3] === undefined ? true : m[3] !== 'false' };
  if (m[3] === undefined) return bad('needs a value');
  return { field, op, value: op === 'in' ? m[3].split(',') : m[3] };
}
