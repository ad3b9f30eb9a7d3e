import jsonLogic, { type RulesLogic } from 'json-logic-js';
import type { RuleContext } from '../definitions/rule-context.ts';
import { type FieldDefs, type FieldList, type FormField, resolveFields } from './fields.ts';
import { DECIMAL } from './types/numbers.ts';
import { type FormEnv, isRecord, nowOf } from './values.ts';

// `method` calls arbitrary JavaScript methods; definitions are validated without it, and it is removed here too.
jsonLogic.rm_operation('method');

/** Permissions of the current process step (its tk:fields), by field or component key. */
export type StepPermission = 'editable' | 'required' | 'readonly' | 'hidden';
/** Role field permissions, by field or component key. */
export type RolePermission = 'hidden' | 'read' | 'edit';

export interface FieldState {
  visible: boolean;
  required: boolean;
  readOnly: boolean;
  /** Computed fields: the value the server stores. */
  value?: unknown;
  /** Sub-tables: the state of each column, per row. */
  rows?: Record<string, FieldState>[];
}

export interface EvaluateOptions {
  /** Where the form's values sit in the rule context: the ticket form (`data`), the receipt form, or a component row. */
  target?: 'data' | 'receipt' | 'row';
  fieldDefs?: FieldDefs;
  /** When given, fields not listed are read-only (the step decides what may change). */
  stepPermissions?: Record<string, StepPermission>;
  rolePermissions?: Record<string, RolePermission>;
  env?: FormEnv;
}

export interface FormEvaluation {
  fields: Record<string, FieldState>;
  /** The form's values with computed fields (and computed sub-table columns) recomputed. */
  values: Record<string, unknown>;
}

/** What evaluateForm reads; missing parts default to empty (a create form has no ticket and no step yet). */
export type RuleInput = Partial<Omit<RuleContext, 'ticket' | 'user'>> & {
  ticket?: Partial<RuleContext['ticket']> | null;
  user?: Partial<RuleContext['user']> | null;
};

/** A rule as a definition writes it: absent (the default), a boolean, or json-logic. */
export function evaluateRule(rule: unknown, context: Record<string, unknown>, fallback: boolean): boolean {
  if (rule === undefined || rule === null) return fallback;
  if (typeof rule === 'boolean') return rule;
  try {
    return jsonLogic.truthy(jsonLogic.apply(rule as RulesLogic, context));
  } catch {
    // Published rules only use known operators; should one still fail, the field keeps its default behaviour.
    return fallback;
  }
}

/** The value a computed field stores, coerced to its `valueType`; undefined when the expression yields nothing usable. */
export function computeValue(field: FormField, context: Record<string, unknown>, env?: FormEnv): unknown {
  let result: unknown;
  try {
    result = jsonLogic.apply(field.expression as RulesLogic, context);
  } catch {
    return undefined;
  }
  if (result === null || result === undefined) return undefined;
  switch (field.valueType) {
    case 'number': {
      const n = typeof result === 'number' ? result : typeof result === 'string' && result.trim() !== '' ? Number(result) : Number.NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'money':
      return toMoney(result, env?.currency ?? 'CNY');
    case 'boolean':
      return jsonLogic.truthy(result);
    case 'date':
      return typeof result === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(result) ? result : undefined;
    default:
      return typeof result === 'object' ? JSON.stringify(result) : String(result);
  }
}

const DECIMAL_RE = new RegExp(DECIMAL);
function toMoney(result: unknown, currency: string): unknown {
  if (isRecord(result) && typeof result.amount === 'string' && DECIMAL_RE.test(result.amount)) {
    return { amount: result.amount, currency: typeof result.currency === 'string' ? result.currency : currency };
  }
  if (typeof result === 'string' && DECIMAL_RE.test(result)) return { amount: result, currency };
  // json-logic arithmetic is floating point; two decimals is what a computed amount shows.
  if (typeof result === 'number' && Number.isFinite(result)) return { amount: result.toFixed(2), currency };
  return undefined;
}

interface Access {
  step?: StepPermission;
  role?: RolePermission;
  stepGiven: boolean;
}
const accessFor = (key: string, o: EvaluateOptions): Access => ({
  step: o.stepPermissions?.[key],
  role: o.rolePermissions?.[key],
  stepGiven: o.stepPermissions !== undefined,
});

/** Visible, read-only and required for one field, from its rules and the step's and role's permissions. */
function stateOf(field: FormField, context: Record<string, unknown>, inherited: { visible: boolean; readOnly: boolean }, access?: Access): FieldState {
  const hiddenBy = access?.step === 'hidden' || access?.role === 'hidden';
  const visible = inherited.visible && !hiddenBy && evaluateRule(field.visible, context, true);
  const stepLocks = access?.stepGiven === true && access.step !== 'editable' && access.step !== 'required';
  // Hidden by permission means "not yours to write" (read-only too); hidden by a rule only hides.
  const readOnly =
    hiddenBy ||
    inherited.readOnly ||
    field.type === 'computed' ||
    field.type === 'serialNumber' ||
    access?.role === 'read' ||
    stepLocks ||
    evaluateRule(field.readOnly, context, false);
  // Only what a person can fill in can be required: invisible and read-only fields never are.
  const required = visible && !readOnly && (access?.step === 'required' || evaluateRule(field.required, context, false));
  return { visible, required, readOnly };
}

function baseContext(context: RuleInput, env?: FormEnv): Record<string, unknown> {
  return {
    data: {},
    receipt: {},
    components: {},
    ticket: null,
    user: null,
    step: null,
    ...context,
    now: context.now ?? (env ? nowOf(env) : new Date()).toISOString(),
  };
}

const rowsOf = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map((r) => (isRecord(r) ? { ...r } : r)) : []) as Record<string, unknown>[];

/**
 * Evaluates a form's rules over the rule context: which fields are visible, required
 * and read-only, and what computed fields hold. The browser and the server call this
 * same function, so they agree. Computed fields may read values declared before them;
 * computed sub-table columns are computed row by row, before the fields after the table.
 */
export function evaluateForm(form: FieldList | FormField[], context: RuleInput, options: EvaluateOptions = {}): FormEvaluation {
  const target = options.target ?? 'data';
  const fields = Array.isArray(form) ? (form as FormField[]) : resolveFields(form, options.fieldDefs);
  const values: Record<string, unknown> = { ...(context[target] as Record<string, unknown> | undefined) };
  const ctx = { ...baseContext(context, options.env), [target]: values };

  const sectionVisible = new Map<string, boolean>();
  const states: Record<string, FieldState> = {};
  for (const field of fields) {
    if (field.type === 'section') {
      const visible = evaluateRule(field.visible, ctx, true);
      sectionVisible.set(field.key, visible);
      states[field.key] = { visible, required: false, readOnly: true };
      continue;
    }
    if (field.type === 'computed') {
      const value = computeValue(field, ctx, options.env);
      if (value === undefined) delete values[field.key];
      else values[field.key] = value;
    }
    const inherited = { visible: field.section === undefined || sectionVisible.get(field.section) !== false, readOnly: false };
    const state = stateOf(field, ctx, inherited, accessFor(field.key, options));
    if (field.type === 'computed') state.value = values[field.key];
    if (field.type === 'subTable') {
      const rows = rowsOf(values[field.key]);
      if (Array.isArray(values[field.key])) values[field.key] = rows;
      state.rows = rows.map((row) => (isRecord(row) ? rowStates(field.columns ?? [], row, ctx, state, options.env) : {}));
    }
    states[field.key] = state;
  }
  return { fields: states, values };
}

/** Column states of one sub-table row (rules see the row as `row`); computes the row's computed columns in place. */
function rowStates(columns: FormField[], row: Record<string, unknown>, ctx: Record<string, unknown>, table: FieldState, env?: FormEnv) {
  const rowCtx = { ...ctx, row };
  const out: Record<string, FieldState> = {};
  for (const column of columns) {
    if (column.type === 'computed') {
      const value = computeValue(column, rowCtx, env);
      if (value === undefined) delete row[column.key];
      else row[column.key] = value;
    }
    const state = stateOf(column, rowCtx, { visible: table.visible, readOnly: table.readOnly });
    if (column.type === 'computed') state.value = row[column.key];
    out[column.key] = state;
  }
  return out;
}

/** A person may change the value now. */
export const isEditable = (state: FieldState | undefined): boolean => state?.visible === true && !state.readOnly;
