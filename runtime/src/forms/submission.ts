import { InputError } from '../errors.ts';
import { type ComponentSubmission, checkComponentRows } from './components.ts';
import { checkFields, defaultsOf, withRowDefaults } from './field-checks.ts';
import { type FieldDefs, type FieldList, type FormField, resolveFields } from './fields.ts';
import { maskValue } from './masking.ts';
import type { FieldProblem } from './problems.ts';
import { evaluateForm, type RolePermission, type RuleInput, type StepPermission } from './rules.ts';
import { type FormEnv, isEmpty } from './values.ts';

export interface SubmissionInput {
  form: FieldList;
  /** Submitted values by field key. On update: changed fields only; absent keys stay, null clears. */
  values?: Record<string, unknown>;
  /** Current values (update). */
  stored?: Record<string, unknown>;
  mode: 'create' | 'update';
  components?: ComponentSubmission[];
  /** The rest of the rule context: ticket, user, step, now, and `data` when this is the receipt form. */
  context?: RuleInput;
  /** Which form this is: the ticket form (`data`) or the receipt form (`receipt`). */
  target?: 'data' | 'receipt';
  fieldDefs?: FieldDefs;
  /** From the current step's tk:fields; when given, fields not listed are read-only. */
  stepPermissions?: Record<string, StepPermission>;
  rolePermissions?: Record<string, RolePermission>;
  env: FormEnv;
}

export interface SubmissionResult {
  /** The full cleaned values to store: known fields with a value, defaults filled, computed fields recomputed. */
  values: Record<string, unknown>;
  /** Cleaned rows by component key (only the components given). */
  components: Record<string, Record<string, unknown>[]>;
  problems: FieldProblem[];
}

/** Submitted over stored; a sensitive value sent back exactly as it was shown masked means "unchanged". */
function merge(fields: FormField[], input: SubmissionInput, stored: Record<string, unknown>): Record<string, unknown> {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const merged: Record<string, unknown> = input.mode === 'update' ? { ...stored } : {};
  for (const [key, value] of Object.entries(input.values ?? {})) {
    const field = byKey.get(key);
    if (!field || field.type === 'section' || field.type === 'computed') continue;
    if (value === null) delete merged[key];
    else if (field.sensitive && !isEmpty(stored[key]) && typeof value === 'string' && value === maskValue(field.type, stored[key])) merged[key] = stored[key];
    else merged[key] = value;
  }
  if (input.mode === 'create') for (const [key, value] of Object.entries(defaultsOf(fields))) if (merged[key] === undefined) merged[key] = value;
  withRowDefaults(fields, merged, stored);
  return merged;
}

/**
 * Validates a create or update of a form (and its add-on components) the way every
 * channel must: the API, the web app, imports. Returns every problem at once and the
 * cleaned values; nothing is written when problems are reported.
 */
export function validateSubmission(input: SubmissionInput): SubmissionResult {
  const target = input.target ?? 'data';
  const fields = resolveFields(input.form, input.fieldDefs);
  const stored = input.stored ?? {};
  const merged = merge(fields, input, stored);
  const { stepPermissions, rolePermissions, env } = input;
  const evaluation = evaluateForm(
    fields,
    { ...input.context, [target]: merged },
    { target, env, ...(stepPermissions ? { stepPermissions } : {}), ...(rolePermissions ? { rolePermissions } : {}) },
  );
  const scope = { at: [target], prefix: '', mode: input.mode, env: input.env, problems: [] as FieldProblem[] };
  const baseline = input.mode === 'create' ? defaultsOf(fields) : stored;
  const values = checkFields(fields, evaluation.fields, evaluation.values, Object.keys(input.values ?? {}), baseline, stored, scope);

  const components: Record<string, Record<string, unknown>[]> = {};
  const check = { ...input, context: { ...input.context, [target]: values } };
  for (const component of input.components ?? []) components[component.def.key] = checkComponentRows(component, check, scope);
  return { values, components, problems: scope.problems };
}

/** Refuses the whole write when anything is wrong: 400 FORM_INVALID with every problem in `errors`. */
export function throwIfProblems(problems: FieldProblem[]): void {
  if (problems.length === 0) return;
  const first = problems[0] as FieldProblem;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new InputError('FORM_INVALID', `${first.message.en}${more}`, { errors: problems });
}
