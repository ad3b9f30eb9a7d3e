import Value from 'typebox/value';
import type { ScalarFieldType } from '../definitions/field-types.ts';
import type { FieldConfig, FieldType } from './field-type.ts';
import { type FieldProblem, fieldProblem, pointerOf, type ValueIssue } from './problems.ts';
import { choiceTypes, EXAMPLE_DICTIONARIES } from './types/choices.ts';
import { dateTypes } from './types/dates.ts';
import { fileTypes } from './types/files.ts';
import { numberTypes } from './types/numbers.ts';
import { placeTypes } from './types/places.ts';
import { referenceTypes } from './types/references.ts';
import { sectionType, structureTypes, subTableType } from './types/structure.ts';
import { textTypes } from './types/text.ts';
import { type FormEnv, isEmpty } from './values.ts';

/** Every field type a form can hold (all but `ref`, which resolves to a reusable field of one of these). */
export type CatalogType = ScalarFieldType | 'subTable' | 'section';

/** The field-type catalog: stored shape, checks, Formily component and examples of every type. */
export const FIELD_CATALOG: Record<CatalogType, FieldType> = {
  ...textTypes,
  ...numberTypes,
  ...dateTypes,
  ...choiceTypes,
  ...placeTypes,
  ...referenceTypes,
  ...fileTypes,
  ...structureTypes,
  subTable: subTableType as FieldType,
  section: sectionType,
};

export const isCatalogType = (type: string): type is CatalogType => Object.hasOwn(FIELD_CATALOG, type);

export interface ValueLocation {
  /** Pointer segments of the value, e.g. ['data', 'items', 2, 'qty']. */
  at: (string | number)[];
  /** Reported `field`, e.g. 'items.qty'; defaults to the field's key. */
  name?: string;
  /** The value before this change (disabled options stay acceptable when unchanged). */
  stored?: unknown;
}

/**
 * Checks one non-empty value against its field: first the stored shape (FIELD_TYPE),
 * then the type's own checks. Empty values pass: whether they are allowed is the
 * `required` rule's business (submission.ts).
 */
export function validateFieldValue(value: unknown, field: FieldConfig, env: FormEnv, where: ValueLocation): FieldProblem[] {
  if (isEmpty(value)) return [];
  const subject = { field: where.name ?? field.key, label: field.label };
  const entry = isCatalogType(field.type) ? FIELD_CATALOG[field.type] : undefined;
  if (!entry) return [fieldProblem(subject, pointerOf(where.at), 'FIELD_UNKNOWN', { type: field.type })];
  const schema = entry.schema(field);
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).find((e) => e.instancePath !== '') ?? { instancePath: '' };
    const extra = first.instancePath.split('/').slice(1);
    return [fieldProblem(subject, pointerOf(where.at) + (extra.length ? `/${extra.join('/')}` : ''), 'FIELD_TYPE', typeParams(entry))];
  }
  const issues: ValueIssue[] = entry.validate?.(value, field, { env, stored: where.stored }) ?? [];
  return issues.map((i) => fieldProblem(subject, pointerOf([...where.at, ...(i.path ?? [])]), i.code, i.params));
}

/** The form a valid value is stored in (rich text rebuilt from its allowlist; other types unchanged). */
export function cleanFieldValue(value: unknown, field: FieldConfig): unknown {
  const entry = isCatalogType(field.type) ? FIELD_CATALOG[field.type] : undefined;
  return entry?.clean && !isEmpty(value) ? entry.clean(value, field) : value;
}

const typeParams = (entry: FieldType) => ({ expected: entry.expected.en, expectedZh: entry.expected['zh-CN'] });

/** A field of `type` configured as its examples expect. */
export function exampleField(type: CatalogType, key = 'example'): FieldConfig {
  return { key, type, label: { en: `Example ${type}`, 'zh-CN': `示例${type}` }, ...FIELD_CATALOG[type].examples.config };
}

/** The environment the catalog's examples are checked in (fixed clock, Shanghai time, the example dictionary). */
export function exampleEnv(): FormEnv {
  return { timeZone: 'Asia/Shanghai', now: '2026-03-01T08:00:00+08:00', dictionaries: (key) => EXAMPLE_DICTIONARIES[key] };
}
export { EXAMPLE_DICTIONARIES };

/** Formily component and props for a field, as the designer palette and the workspace render it. */
export function formilyComponent(field: FieldConfig): { component: string; props: Record<string, unknown> } {
  const entry = isCatalogType(field.type) ? FIELD_CATALOG[field.type] : undefined;
  if (!entry) return { component: 'Input', props: {} };
  return { component: entry.component, props: entry.componentProps?.(field) ?? {} };
}
