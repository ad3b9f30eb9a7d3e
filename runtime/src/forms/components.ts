import type { Component } from '../definitions/kinds/component.ts';
import { type CheckScope, checkFields, defaultsOf } from './field-checks.ts';
import { type FieldDefs, type FieldList, resolveFields } from './fields.ts';
import { fieldProblem, pointerOf } from './problems.ts';
import { evaluateForm, type RolePermission, type RuleInput, type StepPermission } from './rules.ts';
import { isRecord, sameValue } from './values.ts';

/** What submission and reads need of a component definition (a published `Component` fits). */
export interface ComponentDef extends FieldList {
  key: string;
  rows: Component['rows'];
  name?: Record<string, string>;
  minRows?: number;
  maxRows?: number;
}

/**
 * Rows of an add-on component as a list: a single-row component may be given as one
 * object, and no value means no rows. (Too many rows for a single-row component are
 * reported by checkComponentRows, not hidden here.)
 */
export function componentRowsFor(_def: Pick<Component, 'rows'>, rows: unknown): unknown[] {
  if (rows === undefined || rows === null) return [];
  return Array.isArray(rows) ? rows : [rows];
}

export interface ComponentSubmission {
  def: ComponentDef;
  /** Submitted rows; absent on update leaves the stored rows as they are. */
  rows?: unknown;
  stored?: unknown;
}

export interface ComponentCheck {
  context: RuleInput;
  fieldDefs?: FieldDefs;
  stepPermissions?: Record<string, StepPermission>;
  rolePermissions?: Record<string, RolePermission>;
}

/** May the caller change this component's rows at all (the step and the role decide per component key)? */
function componentEditable(key: string, check: ComponentCheck): boolean {
  const step = check.stepPermissions?.[key];
  const role = check.rolePermissions?.[key];
  if (role === 'hidden' || role === 'read') return false;
  return check.stepPermissions === undefined || step === 'editable' || step === 'required';
}

/** Checks one component's rows (pointers /components/<key>/<row>/<field>) and returns the cleaned rows. */
export function checkComponentRows(input: ComponentSubmission, check: ComponentCheck, scope: CheckScope): Record<string, unknown>[] {
  const { def } = input;
  const at = ['components', def.key];
  const subject = { field: def.key, label: def.name };
  const storedRows = componentRowsFor(def, input.stored).filter(isRecord);
  if (input.rows === undefined && scope.mode === 'update') return storedRows;
  const rows = componentRowsFor(def, input.rows);
  if (!componentEditable(def.key, check)) {
    if (!sameValue(rows, storedRows)) scope.problems.push(fieldProblem(subject, pointerOf(at), 'FIELD_NOT_EDITABLE'));
    return storedRows;
  }
  const max = def.rows === 'single' ? 1 : def.maxRows;
  if (max !== undefined && rows.length > max) scope.problems.push(fieldProblem(subject, pointerOf(at), 'FIELD_TOO_MANY', { limit: max }));
  if (rows.length === 0 && check.stepPermissions?.[def.key] === 'required') scope.problems.push(fieldProblem(subject, pointerOf(at), 'FIELD_REQUIRED'));
  else if (def.minRows !== undefined && rows.length < def.minRows)
    scope.problems.push(fieldProblem(subject, pointerOf(at), 'FIELD_TOO_FEW', { limit: def.minRows }));

  const fields = resolveFields(def, check.fieldDefs);
  const defaults = defaultsOf(fields);
  const out: Record<string, unknown>[] = [];
  rows.forEach((row, i) => {
    if (!isRecord(row)) {
      scope.problems.push(fieldProblem(subject, pointerOf([...at, i]), 'FIELD_TYPE', { expected: 'a row object', expectedZh: '行对象' }));
      return;
    }
    const baseline = storedRows[i] ?? defaults;
    const filled = i >= storedRows.length ? { ...structuredClone(defaults), ...row } : row;
    const evaluation = evaluateForm(fields, { ...check.context, row: filled }, { target: 'row', env: scope.env });
    out.push(
      checkFields(fields, evaluation.fields, evaluation.values, Object.keys(row), baseline, storedRows[i], { ...scope, at: [...at, i], prefix: `${def.key}.` }),
    );
  });
  return out;
}
