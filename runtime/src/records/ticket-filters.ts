import { FIELD_KEY_PATTERN } from '../definitions/schema-kit.ts';
import { InputError } from '../errors.ts';
import type { Sql } from './scope.ts';
import type { FieldSpec, TicketTypeSpec } from './ticket-definitions.ts';
import type { TicketFilter } from './tickets-api.ts';

/** How a column compares: decides the SQL cast of every value and which operators make sense. */
export type ValueKind = 'text' | 'number' | 'timestamp' | 'date' | 'boolean' | 'uuid' | 'list';

export interface Column {
  /** SQL over the ticket alias `t`; data fields are quoted only after their key is checked. */
  sql: string;
  kind: ValueKind;
}

const SYSTEM: Record<string, Column> = {
  number: { sql: 't.number', kind: 'text' },
  title: { sql: 't.title', kind: 'text' },
  type: { sql: 't.type_key', kind: 'text' },
  status: { sql: 't.status', kind: 'text' },
  statusCategory: { sql: 't.status_category', kind: 'text' },
  priority: { sql: 't.priority', kind: 'text' },
  assignee: { sql: 't.assignee', kind: 'text' },
  registrant: { sql: 't.creator', kind: 'text' },
  team: { sql: 't.team', kind: 'text' },
  orgUnit: { sql: 't.org_unit', kind: 'text' },
  channel: { sql: 't.channel', kind: 'text' },
  customer: { sql: 't.customer_id', kind: 'uuid' },
  customerId: { sql: 't.customer_id', kind: 'uuid' },
  product: { sql: 't.product_id', kind: 'uuid' },
  productId: { sql: 't.product_id', kind: 'uuid' },
  createdAt: { sql: 't.created_at', kind: 'timestamp' },
  updatedAt: { sql: 't.updated_at', kind: 'timestamp' },
  closedAt: { sql: 't.closed_at', kind: 'timestamp' },
  dueAt: { sql: 't.due_at', kind: 'timestamp' },
  deadline: { sql: 't.due_at', kind: 'timestamp' },
  rating: { sql: 't.rating', kind: 'number' },
};

const KEY = new RegExp(FIELD_KEY_PATTERN);
const NUMBER_TYPES = new Set(['number', 'rating']);
const LIST_TYPES = new Set(['multiSelect', 'checkbox']);

/**
 * The typed SQL expression of a form field. The same text is used by filters, sorts and the
 * expression indexes (ticket-indexes.ts), so the planner can match them. Only immutable
 * expressions: anything else is compared as text.
 */
export function dataColumn(field: FieldSpec): Column {
  const key = field.key;
  if (!KEY.test(key)) throw new InputError('BAD_FILTER', `"${key}" is not a field key`, { field: `data.${key}` });
  const text = `(t.data ->> '${key}')`;
  if (NUMBER_TYPES.has(field.type))
    return { sql: `(case when jsonb_typeof(t.data -> '${key}') = 'number' then (t.data ->> '${key}')::numeric end)`, kind: 'number' };
  if (field.type === 'money') {
    // Money is {amount, currency} with the amount a decimal string.
    const amount = `coalesce(t.data -> '${key}' ->> 'amount', t.data ->> '${key}')`;
    return { sql: `(case when ${amount} ~ '^-{0,1}[0-9]+([.][0-9]+){0,1}$' then (${amount})::numeric end)`, kind: 'number' };
  }
  if (field.type === 'switch')
    return { sql: `(case when jsonb_typeof(t.data -> '${key}') = 'boolean' then (t.data ->> '${key}')::boolean end)`, kind: 'boolean' };
  if (LIST_TYPES.has(field.type)) return { sql: `(t.data -> '${key}')`, kind: 'list' };
  // ISO dates order correctly as text; date-times are cast so different offsets compare as instants.
  if (field.type === 'date') return { sql: text, kind: 'date' };
  if (field.type === 'datetime') return { sql: text, kind: 'timestamp' };
  return { sql: text, kind: 'text' };
}

/** The key of the pseudo ticket type `acrossTypes` builds. */
export const ANY_TYPE = '*';

/**
 * For lists without `type`: the `data.<key>` fields filters and sorts may use across the
 * given ticket types — a key counts when every type that has it stores it alike (same
 * column expression), so `data.source:eq:wechat` means one thing whichever type a ticket is.
 */
export function acrossTypes(specs: TicketTypeSpec[]): TicketTypeSpec | undefined {
  const [first] = specs;
  if (!first) return undefined;
  const chosen = new Map<string, FieldSpec>();
  const conflicting = new Set<string>();
  for (const spec of specs) {
    for (const f of spec.fields) {
      if (conflicting.has(f.key) || f.type === 'subTable' || f.type === 'attachment' || !KEY.test(f.key)) continue;
      const seen = chosen.get(f.key);
      if (!seen) chosen.set(f.key, f);
      else if (dataColumn(seen).sql !== dataColumn(f).sql) {
        chosen.delete(f.key);
        conflicting.add(f.key);
      }
    }
  }
  return { ...first, key: ANY_TYPE, fields: [...chosen.values()] };
}

/** A system column or `data.<key>` of the ticket type; anything else is BAD_FILTER naming it. */
export function columnOf(name: string, spec: TicketTypeSpec | undefined, what = 'filter'): Column {
  const system = SYSTEM[name];
  if (system) return system;
  if (name.startsWith('data.')) {
    if (!spec) throw new InputError('BAD_FILTER', `${what} on ${name} needs a ticket type (query.type)`, { field: name });
    const field = spec.fields.find((f) => f.key === name.slice(5));
    if (!field || field.type === 'subTable' || field.type === 'attachment') {
      const where = spec.key === ANY_TYPE ? 'that every ticket type you can see stores alike (name the type with query.type)' : `of ticket type ${spec.key}`;
      throw new InputError('BAD_FILTER', `${name} is not a field ${where} that can be filtered or sorted`, { field: name });
    }
    return dataColumn(field);
  }
  throw new InputError('BAD_FILTER', `unknown ${what} field "${name}"`, { field: name });
}

const CAST: Record<ValueKind, string> = {
  text: '::text',
  number: '::numeric',
  timestamp: '::timestamptz',
  date: '::text',
  boolean: '::boolean',
  uuid: '::uuid',
  list: '::jsonb',
};

const DECIMAL = /^-?\d{1,30}(\.\d{1,20})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A filter value as the parameter its column's cast expects; a wrong one is BAD_FILTER naming the field. */
export function coerce(kind: ValueKind, value: unknown, field: string): string | boolean {
  const bad = (why: string) => new InputError('BAD_FILTER', `filter value for ${field} ${why}`, { field, value: String(value).slice(0, 100) });
  switch (kind) {
    case 'number': {
      const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!DECIMAL.test(s)) throw bad('must be a number');
      return s;
    }
    case 'timestamp': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw bad('must be an ISO date or date-time');
      return new Date(value).toISOString();
    }
    case 'date':
      if (typeof value !== 'string' || !DATE.test(value)) throw bad('must be a date YYYY-MM-DD');
      return value;
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw bad('must be true or false');
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) throw bad('must be an id');
      return value;
    case 'list':
    case 'text':
      if (typeof value !== 'string' && typeof value !== 'number') throw bad('must be a string');
      if (String(value).length > 500) throw bad('is too long');
      return kind === 'list' ? JSON.stringify([String(value)]) : String(value);
  }
}

/** Date-times stored as text compare as instants (the cast is not immutable, so it stays out of indexes). */
export const comparable = (col: Column): Column =>
  col.kind === 'timestamp' && col.sql.startsWith('(t.data') ? { ...col, sql: `${col.sql}::timestamptz` } : col;

const COMPARE: Record<string, string> = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const ORDERED = new Set<ValueKind>(['text', 'number', 'timestamp', 'date']);

/** One typed filter as SQL; every value is a parameter. */
export function filterSql(filter: TicketFilter, spec: TicketTypeSpec | undefined): Sql {
  const col = comparable(columnOf(filter.field, spec));
  const cast = CAST[col.kind];
  const bad = (why: string) => new InputError('BAD_FILTER', `${filter.field}: ${why}`, { field: filter.field, op: filter.op });
  if (filter.op === 'isNull') {
    const isNull = filter.value === undefined ? true : coerce('boolean', filter.value, filter.field);
    return { sql: `${col.sql} is ${isNull ? '' : 'not '}null`, params: [] };
  }
  if (col.kind === 'list') {
    if (filter.op !== 'contains' && filter.op !== 'eq') throw bad(`a multiple-choice field takes contains or isNull, not ${filter.op}`);
    return { sql: `coalesce(${col.sql} @> ?::jsonb, false)`, params: [coerce('list', filter.value, filter.field)] };
  }
  switch (filter.op) {
    case 'eq':
      return { sql: `${col.sql} = ?${cast}`, params: [coerce(col.kind, filter.value, filter.field)] };
    case 'ne':
      return { sql: `${col.sql} is distinct from ?${cast}`, params: [coerce(col.kind, filter.value, filter.field)] };
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (!ORDERED.has(col.kind)) throw bad(`${filter.op} needs an ordered field`);
      return { sql: `${col.sql} ${COMPARE[filter.op]} ?${cast}`, params: [coerce(col.kind, filter.value, filter.field)] };
    }
    case 'in': {
      const values = Array.isArray(filter.value) ? filter.value : undefined;
      if (!values || values.length === 0 || values.length > 100) throw bad('in takes a list of 1 to 100 values');
      return { sql: `${col.sql} in (${values.map(() => `?${cast}`).join(', ')})`, params: values.map((v) => coerce(col.kind, v, filter.field)) };
    }
    case 'contains':
      if (col.kind !== 'text') throw bad('contains needs a text field');
      return { sql: `strpos(lower(${col.sql}), lower(?::text)) > 0`, params: [coerce('text', filter.value, filter.field)] };
    default:
      throw bad(`unknown operator ${String(filter.op)}`);
  }
}
