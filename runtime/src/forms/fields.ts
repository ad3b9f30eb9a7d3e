import type { FieldDef } from '../definitions/field-types.ts';
import type { ReusableField } from '../definitions/kinds/field.ts';
import { DocketError } from '../errors.ts';
import type { FieldConfig } from './field-type.ts';

/** A form field ready to evaluate: `ref`s resolved, sub-table columns resolved, and the section it sits in. */
export interface FormField extends FieldConfig {
  /** Key of the section heading above this field, if any: hiding a section hides its fields. */
  section?: string;
  /** Sub-tables only: the resolved columns. */
  columns?: FormField[];
}

/** Anything with a field list: a ticket form, a receipt form, a component. */
export interface FieldList {
  fields: readonly unknown[];
}

export type FieldDefs = ReadonlyMap<string, ReusableField>;

// Overrides a form may put on a `ref` field; everything else comes from the reusable definition.
const REF_OVERRIDES = ['help', 'placeholder', 'default', 'required', 'visible', 'readOnly'] as const;

/** Replaces a `ref` field by its reusable definition, keeping the form's key and overrides. */
export function resolveRef(def: FieldConfig, fieldDefs: FieldDefs | undefined): FieldConfig {
  if (def.type !== 'ref') return def;
  const reusable = fieldDefs?.get(def.ref as string);
  if (!reusable) {
    throw new DocketError('FORM_FIELD_REF_UNKNOWN', `Field ${def.key} refers to reusable field ${String(def.ref)}, which is not in this release`, {
      field: def.key,
      ref: def.ref,
    });
  }
  const { kind: _kind, key: _key, name, description: _description, version: _version, ...props } = reusable;
  const resolved: FieldConfig = { ...props, key: def.key, label: (def.label ?? name) as Record<string, string> };
  for (const prop of REF_OVERRIDES) if (def[prop] !== undefined) (resolved as Record<string, unknown>)[prop] = def[prop];
  return resolved;
}

/**
 * The fields of a form in order, ready for rules and validation. A section groups the
 * fields that follow it, up to the next section.
 */
export function resolveFields(list: FieldList | readonly FieldDef[], fieldDefs?: FieldDefs): FormField[] {
  const defs = (Array.isArray(list) ? list : (list as FieldList).fields) as FieldConfig[];
  let section: string | undefined;
  return defs.map((raw) => {
    const field: FormField = { ...resolveRef(raw, fieldDefs) };
    if (field.type === 'section') {
      section = field.key;
      return field;
    }
    if (section !== undefined) field.section = section;
    if (field.type === 'subTable') field.columns = resolveFields(field.fields as FieldDef[], fieldDefs).map(({ section: _s, ...c }) => c);
    return field;
  });
}

/** Fields that hold a value (sections do not). */
export const valueFields = (fields: FormField[]) => fields.filter((f) => f.type !== 'section');
