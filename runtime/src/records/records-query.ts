import { InputError } from '../errors.ts';
import type { RecordField, RecordTypeRuntime } from './records-catalog.ts';

/** Typed list filters: `field` is `data.<key>` or a system column (number, title, createdAt, updatedAt, createdBy, updatedBy). */
export type RecordFilterOp = 'eq' | 'ne' | 'in' | 'contains' | 'lt' | 'lte' | 'gt' | 'gte' | 'isNull';
export interface RecordFilter {
  field: string;
  op: RecordFilterOp;
  value?: unknown;
}

export interface RecordQuery {
  filters?: RecordFilter[];
  /** Case-insensitive substring of the title or number. */
  search?: string;
  sort?: { field: 'updatedAt' | 'createdAt'; direction: 'asc' | 'desc' };
  /** Opaque cursor from the previous page. */
  cursor?: string;
  /** 1..200, default 50. */
  limit?: number;
}

type Kind = 'number' | 'money' | 'array' | 'text';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMERIC = /^-?\d+(\.\d+)?$/;
const ARRAY_TYPES = new Set(['multiSelect', 'checkbox', 'cascader', 'attachment', 'dateRange']);

function kindOf(f: RecordField): Kind {
  if (f.type === 'number' || f.type === 'rating') return 'number';
  if (f.type === 'money') return 'money';
  if (ARRAY_TYPES.has(f.type) || (f as { multiple?: boolean }).multiple) return 'array';
  return 'text';
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface Fragment {
  sql: string;
  params: unknown[];
}

function bad(index: number, field: string, code: string, message: string): never {
  throw new InputError('INVALID_FILTER', `Filter ${index} on "${field}": ${message}`, {
    errors: [{ field, pointer: `/filters/${index}`, code, message }],
  });
}

/** Query-string values arrive as text: "5" means 5 for a number field and "true" true for a switch. */
function coerce(field: RecordField, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => coerce(field, x));
  if (typeof v !== 'string') return v;
  if (kindOf(field) === 'number' && NUMERIC.test(v)) return Number(v);
  if (field.type === 'switch' && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

function dataFilter(f: RecordFilter, index: number, field: RecordField): Fragment {
  const key = field.key;
  const kind = kindOf(field);
  const v = f.op === 'eq' || f.op === 'ne' || f.op === 'in' ? coerce(field, f.value) : f.value;
  const numeric = (x: unknown) => {
    if (typeof x === 'number' && Number.isFinite(x)) return String(x);
    if (typeof x === 'string' && NUMERIC.test(x)) return x;
    return bad(index, f.field, 'FILTER_VALUE', 'needs a number');
  };
  switch (f.op) {
    case 'eq':
    case 'ne': {
      if (v === undefined || v === null) bad(index, f.field, 'FILTER_VALUE', `${f.op} needs a value (use isNull for empty)`);
      const sql = 'data @> ?::jsonb';
      return { sql: f.op === 'eq' ? sql : `not (${sql})`, params: [JSON.stringify({ [key]: v })] };
    }
    case 'in': {
      if (!Array.isArray(v) || v.length === 0 || v.length > 500) bad(index, f.field, 'FILTER_VALUE', 'in needs a list of 1 to 500 values');
      if (kind === 'array')
        return { sql: 'exists (select 1 from jsonb_array_elements(?::jsonb) x where data -> ? @> jsonb_build_array(x))', params: [JSON.stringify(v), key] };
      return { sql: '?::jsonb @> (data -> ?)', params: [JSON.stringify(v), key] };
    }
    case 'contains': {
      if (typeof v !== 'string' && typeof v !== 'number') bad(index, f.field, 'FILTER_VALUE', 'contains needs a text value');
      if (kind === 'array') return { sql: 'data -> ? @> ?::jsonb', params: [key, JSON.stringify([v])] };
      return { sql: '(data ->> ?) ilike ?', params: [key, likePattern(String(v))] };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[f.op];
      if (kind === 'number')
        return { sql: `(case when jsonb_typeof(data -> ?) = 'number' then (data ->> ?)::numeric end) ${op} ?::numeric`, params: [key, key, numeric(v)] };
      // Money is {"amount": "12.50", "currency": "CNY"}: ranges compare the amount.
      if (kind === 'money') {
        const amount = `(case when (data -> ? ->> 'amount') ~ ? then (data -> ? ->> 'amount')::numeric end)`;
        return { sql: `${amount} ${op} ?::numeric`, params: [key, NUMERIC.source, key, numeric(v)] };
      }
      if (kind === 'array' || typeof v !== 'string') bad(index, f.field, 'FILTER_OP', `${f.op} works on numbers, money, dates and text`);
      return { sql: `(data ->> ?) collate "C" ${op} ?`, params: [key, v] };
    }
    case 'isNull': {
      const sql = "(data -> ? is null or data -> ? = 'null'::jsonb or data ->> ? = '' or data -> ? = '[]'::jsonb)";
      return { sql: v === false ? `not ${sql}` : sql, params: [key, key, key, key] };
    }
    default:
      return bad(index, f.field, 'FILTER_OP', `unknown operator "${String(f.op)}"`);
  }
}

const SYSTEM: Record<string, { column: string; ops: RecordFilterOp[]; time?: boolean }> = {
  number: { column: 'number', ops: ['eq', 'in', 'contains', 'isNull'] },
  title: { column: 'title', ops: ['eq', 'contains', 'isNull'] },
  createdBy: { column: 'created_by', ops: ['eq', 'in'] },
  updatedBy: { column: 'updated_by', ops: ['eq', 'in'] },
  createdAt: { column: 'created_at', ops: ['lt', 'lte', 'gt', 'gte'], time: true },
  updatedAt: { column: 'updated_at', ops: ['lt', 'lte', 'gt', 'gte'], time: true },
};

function systemFilter(f: RecordFilter, index: number): Fragment {
  const col = SYSTEM[f.field];
  if (!col) return bad(index, f.field, 'FILTER_FIELD', `unknown field; use data.<field key> or one of ${Object.keys(SYSTEM).join(', ')}`);
  if (!col.ops.includes(f.op)) bad(index, f.field, 'FILTER_OP', `${f.op} is not available here; use ${col.ops.join(', ')}`);
  const v = f.value;
  if (f.op === 'isNull') return { sql: `${col.column} is ${v === false ? 'not ' : ''}null`, params: [] };
  if (f.op === 'in') {
    if (!Array.isArray(v) || v.length === 0 || v.length > 500 || !v.every((x) => typeof x === 'string'))
      bad(index, f.field, 'FILTER_VALUE', 'in needs 1 to 500 texts');
    return { sql: `${col.column} in (select jsonb_array_elements_text(?::jsonb))`, params: [JSON.stringify(v)] };
  }
  if (typeof v !== 'string') return bad(index, f.field, 'FILTER_VALUE', 'needs a text value');
  if (col.time) {
    if (Number.isNaN(Date.parse(v))) bad(index, f.field, 'FILTER_VALUE', 'needs an ISO date-time');
    const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[f.op as 'lt'];
    return { sql: `${col.column} ${op} ?::timestamptz`, params: [v] };
  }
  if (f.op === 'contains') return { sql: `${col.column} ilike ?`, params: [likePattern(v)] };
  return { sql: `${col.column} = ?`, params: [v] };
}

export function encodeCursor(sortValue: string, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && UUID.test(v[1]) && !Number.isNaN(Date.parse(v[0])))
      return v as [string, string];
  } catch {}
  throw new InputError('BAD_CURSOR', 'The cursor is not one this list returned', {
    errors: [{ field: 'cursor', pointer: '/cursor', code: 'BAD_CURSOR', message: 'unknown cursor' }],
  });
}

const COLUMNS = `id, type_key, release_number, number, title, data, version, created_by, updated_by, created_at, updated_at`;

/**
 * One page of live records of a type. The SQL text is fixed fragments only: field keys
 * and values always travel as parameters, and keys must name fields of the type.
 */
export function listQuery(type: RecordTypeRuntime, tenantId: string, query: RecordQuery): Fragment & { limit: number; sortColumn: string } {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new InputError('INVALID_LIMIT', 'limit must be 1 to 200', {
      errors: [{ field: 'limit', pointer: '/limit', code: 'INVALID_LIMIT', message: 'limit must be 1 to 200' }],
    });
  }
  const where = ['tenant_id = ?', 'type_key = ?', 'deleted_at is null'];
  const params: unknown[] = [tenantId, type.key];
  (query.filters ?? []).forEach((f, i) => {
    let frag: Fragment;
    if (f.field.startsWith('data.')) {
      const field = type.fields.get(f.field.slice(5));
      if (!field) bad(i, f.field, 'FILTER_FIELD', `${type.key} has no field "${f.field.slice(5)}"`);
      frag = dataFilter(f, i, field);
    } else frag = systemFilter(f, i);
    where.push(frag.sql);
    params.push(...frag.params);
  });
  if (query.search?.trim()) {
    where.push('(title ilike ? or number ilike ?)');
    params.push(likePattern(query.search.trim()), likePattern(query.search.trim()));
  }
  const sortColumn = query.sort?.field === 'createdAt' ? 'created_at' : 'updated_at';
  const desc = (query.sort?.direction ?? 'desc') === 'desc';
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor);
    where.push(`(${sortColumn}, id) ${desc ? '<' : '>'} (?::timestamptz, ?::uuid)`);
    params.push(at, id);
  }
  const dir = desc ? 'desc' : 'asc';
  const sql = `select ${COLUMNS}, ${sortColumn}::text as sort_key from record where ${where.join(' and ')} order by ${sortColumn} ${dir}, id ${dir} limit ?`;
  return { sql, params: [...params, limit + 1], limit, sortColumn };
}
