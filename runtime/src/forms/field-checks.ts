import { cleanFieldValue, validateFieldValue } from './catalog.ts';
import type { FormField } from './fields.ts';
import { type FieldProblem, fieldProblem, pointerOf } from './problems.ts';
import { type FieldState, isEditable } from './rules.ts';
import { type FormEnv, isEmpty, isRecord, sameValue } from './values.ts';

/** Where a set of values sits and how problems about it are named. */
export interface CheckScope {
  /** Pointer segments of the object holding the values: ['data'], ['data', 'items', 2], ['components', 'shipping', 0]. */
  at: (string | number)[];
  /** Prefix of reported field names: '' at the top, 'items.' in a sub-table, 'shipping.' in a component. */
  prefix: string;
  mode: 'create' | 'update';
  env: FormEnv;
  problems: FieldProblem[];
}

/** Default values of fields that declare one (computed fields are never defaulted). */
export function defaultsOf(fields: FormField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f.default !== undefined && f.type !== 'computed' && f.type !== 'section') out[f.key] = structuredClone(f.default);
  return out;
}

/** Fills defaults into sub-table rows the caller added (rows beyond the stored ones). */
export function withRowDefaults(fields: FormField[], values: Record<string, unknown>, stored: Record<string, unknown>): void {
  for (const f of fields) {
    const rows = values[f.key];
    if (f.type !== 'subTable' || !Array.isArray(rows)) continue;
    const known = Array.isArray(stored[f.key]) ? (stored[f.key] as unknown[]).length : 0;
    const defaults = defaultsOf(f.columns ?? []);
    values[f.key] = rows.map((row, i) => (i >= known && isRecord(row) ? { ...structuredClone(defaults), ...row } : row));
  }
}

/** Computed sub-table columns are the server's; they do not count as a change by the caller. */
function comparable(field: FormField, value: unknown): unknown {
  const computed = (field.columns ?? []).filter((c) => c.type === 'computed').map((c) => c.key);
  if (field.type !== 'subTable' || computed.length === 0 || !Array.isArray(value)) return value;
  return value.map((row) => (isRecord(row) ? Object.fromEntries(Object.entries(row).filter(([k]) => !computed.includes(k))) : row));
}

/**
 * Checks the values of one object (a form, a sub-table row, a component row) after rules
 * ran, and returns the cleaned object: only known fields with a value. `baseline` is what
 * the object held before (stored values, or defaults on create); a field the caller may
 * not change keeps it.
 */
export function checkFields(
  fields: FormField[],
  states: Record<string, FieldState>,
  values: Record<string, unknown>,
  sentKeys: readonly string[],
  baseline: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
  scope: CheckScope,
): Record<string, unknown> {
  const known = new Map(fields.filter((f) => f.type !== 'section').map((f) => [f.key, f]));
  for (const key of sentKeys) {
    if (!known.has(key)) scope.problems.push(fieldProblem({ field: scope.prefix + key }, pointerOf([...scope.at, key]), 'FIELD_UNKNOWN'));
  }
  const out: Record<string, unknown> = {};
  for (const field of known.values()) {
    const state = states[field.key];
    const at = [...scope.at, field.key];
    const subject = { field: scope.prefix + field.key, label: field.label };
    let value = values[field.key];
    if (field.type === 'computed') {
      // Recomputed by rules; whatever the caller sent is ignored.
    } else if (!isEditable(state)) {
      // A field hidden by its own rule may still be emptied (the form drops what it no longer shows).
      const clearing = state?.readOnly === false && isEmpty(value);
      if (!clearing && !sameValue(comparable(field, value), comparable(field, baseline[field.key]))) {
        scope.problems.push(fieldProblem(subject, pointerOf(at), 'FIELD_NOT_EDITABLE'));
        value = baseline[field.key];
      }
    } else if (isEmpty(value)) {
      if (state?.required) scope.problems.push(fieldProblem(subject, pointerOf(at), 'FIELD_REQUIRED'));
    } else if (scope.mode === 'update' && sameValue(value, stored?.[field.key]) && field.type !== 'subTable') {
      // Unchanged values were valid when written under this release; they never block an update.
    } else {
      const problems = validateFieldValue(value, field, scope.env, { at, name: subject.field, stored: stored?.[field.key] });
      scope.problems.push(...problems);
      if (problems.length === 0) value = cleanFieldValue(value, field);
      if (field.type === 'subTable' && !problems.some((p) => p.code === 'FIELD_TYPE'))
        value = checkRows(field, state, value as unknown[], baseline, stored, { ...scope, at });
    }
    if (!isEmpty(value)) out[field.key] = value;
  }
  return out;
}

/** Sub-table rows: each row's columns are checked like fields, with pointers such as /data/items/2/qty. */
function checkRows(
  table: FormField,
  state: FieldState | undefined,
  rows: unknown[],
  baseline: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
  scope: CheckScope,
): Record<string, unknown>[] {
  const columns = table.columns ?? [];
  const baseRows = Array.isArray(baseline[table.key]) ? (baseline[table.key] as Record<string, unknown>[]) : [];
  const storedRows = Array.isArray(stored?.[table.key]) ? (stored?.[table.key] as Record<string, unknown>[]) : [];
  return rows.map((row, i) =>
    checkFields(
      columns,
      state?.rows?.[i] ?? {},
      row as Record<string, unknown>,
      Object.keys(row as object),
      baseRows[i] ?? defaultsOf(columns),
      storedRows[i],
      {
        ...scope,
        at: [...scope.at, i],
        prefix: `${scope.prefix}${table.key}.`,
      },
    ),
  );
}
