import { type ComponentDef, componentRowsFor } from './components.ts';
import { type FieldDefs, type FieldList, type FormField, resolveFields } from './fields.ts';
import { maskValue } from './masking.ts';
import type { RolePermission, StepPermission } from './rules.ts';
import { isRecord } from './values.ts';

export interface ReadAccess {
  rolePermissions?: Record<string, RolePermission>;
  stepPermissions?: Record<string, StepPermission>;
  /** May see `sensitive` values unmasked. */
  viewSensitive: boolean;
  fieldDefs?: FieldDefs;
}

const hidden = (key: string, access: ReadAccess) => access.rolePermissions?.[key] === 'hidden' || access.stepPermissions?.[key] === 'hidden';

function projectValue(field: FormField, value: unknown, access: ReadAccess): unknown {
  if (field.type === 'subTable' && Array.isArray(value)) {
    return value.map((row) => (isRecord(row) ? projectObject(field.columns ?? [], row, { ...access, rolePermissions: {}, stepPermissions: {} }) : row));
  }
  return field.sensitive && !access.viewSensitive ? maskValue(field.type, value) : value;
}

function projectObject(fields: FormField[], values: Record<string, unknown>, access: ReadAccess): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.type === 'section' || hidden(field.key, access) || values[field.key] === undefined) continue;
    out[field.key] = projectValue(field, values[field.key], access);
  }
  return out;
}

/**
 * Form values as a reader may see them: fields hidden from the caller's role (or at the
 * current step) are left out, keys that are not fields of the form are dropped, and
 * `sensitive` values are masked without viewSensitive. Lists, detail, exports and audit
 * diffs all read through this. Visibility rules (`visible`) are a matter of layout, not
 * of access, and do not remove values here.
 */
export function projectForRead(form: FieldList, values: Record<string, unknown>, access: ReadAccess): Record<string, unknown> {
  return projectObject(resolveFields(form, access.fieldDefs), values, access);
}

/** Component rows as a reader may see them; a component hidden from the role or step is left out entirely. */
export function projectComponentsForRead(
  defs: ComponentDef[],
  components: Record<string, unknown>,
  access: ReadAccess,
): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const def of defs) {
    if (hidden(def.key, access) || components[def.key] === undefined) continue;
    const fields = resolveFields(def, access.fieldDefs);
    out[def.key] = componentRowsFor(def, components[def.key])
      .filter(isRecord)
      .map((row) => projectObject(fields, row, { ...access, rolePermissions: {}, stepPermissions: {} }));
  }
  return out;
}
