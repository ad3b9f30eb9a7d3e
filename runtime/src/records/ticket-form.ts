import {
  type ComponentSubmission,
  type FieldCode,
  type FieldProblem,
  maskValue,
  type RolePermission,
  type RuleInput,
  throwIfProblems,
  validateSubmission,
} from '../forms/index.ts';
import type { FieldSpec, TicketTypeSpec } from './ticket-definitions.ts';

/**
 * The ticket service's one seam to runtime/src/forms: submission validation and read
 * masking. Every channel (API, web app, imports) validates with validateSubmission, so a
 * ticket form fails here exactly as it fails in the browser.
 */
export type { FieldProblem };
export { throwIfProblems };

export interface FormCheck {
  target: 'data' | 'receipt';
  mode: 'create' | 'update';
  /** Submitted values by field key (on update: changed keys only, null clears). */
  values: Record<string, unknown>;
  stored?: Record<string, unknown>;
  /** Submitted component rows by component key (ticket form only). */
  components?: Record<string, unknown>;
  storedComponents?: Record<string, unknown>;
  rolePermissions: Record<string, RolePermission>;
  /** The rest of the rule context: ticket, user, now. */
  context: RuleInput;
  timeZone: string;
  now: Date;
}

export interface FormResult {
  values: Record<string, unknown>;
  components: Record<string, Record<string, unknown>[]>;
  problems: FieldProblem[];
}

/** A problem the ticket service finds itself (system columns, permissions), shaped like the forms module's. */
export function problem(field: string, code: FieldCode, en: string, zh: string): FieldProblem {
  return { field, pointer: `/${field.split('.').join('/')}`, code, message: { en: `${field} ${en}`, 'zh-CN': `${field}${zh}` } };
}

/** Validates one form of a ticket type (and, for the ticket form, its add-on components). */
export function checkForm(spec: TicketTypeSpec, check: FormCheck): FormResult {
  const problems: FieldProblem[] = [];
  const submissions: ComponentSubmission[] = [];
  if (check.target === 'data') {
    const given = check.components ?? {};
    for (const key of Object.keys(given)) {
      if (!spec.componentDefs.has(key))
        problems.push(problem(`components.${key}`, 'FIELD_UNKNOWN', 'is not a component of this ticket type', '不是此工单类型的组件'));
    }
    for (const [key, def] of spec.componentDefs) {
      // A create checks every component (minimum rows); an update only the ones it sends.
      if (check.mode === 'update' && !(key in given)) continue;
      submissions.push({ def, rows: given[key], stored: check.storedComponents?.[key] });
    }
  }
  const form = check.target === 'data' ? spec.type.form : (spec.type.receiptForm ?? { fields: [] });
  const result = validateSubmission({
    form,
    values: check.values,
    stored: check.stored ?? {},
    mode: check.mode,
    components: submissions,
    context: check.context,
    target: check.target,
    fieldDefs: spec.fieldDefs,
    rolePermissions: check.rolePermissions,
    env: { timeZone: check.timeZone, now: check.now, dictionaries: (key) => spec.dictionaries.get(key) },
  });
  return { values: result.values, components: result.components, problems: [...problems, ...result.problems] };
}

/**
 * Form values as one caller may read them: `visible(key)` false drops the key, sensitive
 * values are masked when `masked`. Sub-table columns follow their own sensitivity.
 */
export function projectValues(
  fields: FieldSpec[],
  values: Record<string, unknown>,
  visible: (key: string) => boolean,
  masked: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byKey = fieldsByKey(fields);
  for (const [key, value] of Object.entries(values)) {
    const f = byKey.get(key);
    if (!visible(key)) continue;
    if (!f || !masked) out[key] = value;
    else if (f.sensitive) out[key] = maskValue(f.type, value);
    else if (f.columns && Array.isArray(value)) out[key] = value.map((row) => maskRow(f.columns as FieldSpec[], row));
    else out[key] = value;
  }
  return out;
}

/** Field specs by key, kept per (immutable, cached) field list: lists project every row with the same one. */
const keyed = new WeakMap<FieldSpec[], Map<string, FieldSpec>>();
function fieldsByKey(fields: FieldSpec[]): Map<string, FieldSpec> {
  const known = keyed.get(fields);
  if (known) return known;
  const map = new Map(fields.map((f) => [f.key, f]));
  keyed.set(fields, map);
  return map;
}

export function maskRow(columns: FieldSpec[], row: unknown): unknown {
  if (!row || typeof row !== 'object') return row;
  const out = { ...(row as Record<string, unknown>) };
  for (const c of columns) if (c.sensitive && c.key in out) out[c.key] = maskValue(c.type, out[c.key]);
  return out;
}
