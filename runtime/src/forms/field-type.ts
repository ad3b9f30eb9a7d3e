import type { Static, TObject, TSchema } from 'typebox';
import type { FIELD_TYPE_PROPS, ScalarFieldType } from '../definitions/field-types.ts';
import type { FieldCode, ValueIssue } from './problems.ts';
import type { FormEnv } from './values.ts';

/** A value-holding field after `ref` resolution: the common properties plus its type's configuration. */
export interface FieldConfig {
  key: string;
  type: string;
  label?: Record<string, string>;
  help?: Record<string, string>;
  default?: unknown;
  required?: unknown;
  visible?: unknown;
  readOnly?: unknown;
  sensitive?: boolean;
  [prop: string]: unknown;
}

/** The configuration properties of one type, typed from the meta-model's schema. */
export type PropsOf<T extends ScalarFieldType> = Static<TObject<(typeof FIELD_TYPE_PROPS)[T]>>;

export interface ValueCheck {
  env: FormEnv;
  /** The value stored before this change: disabled options stay acceptable when unchanged. */
  stored?: unknown;
}

/** Values the catalog's own tests (and integration tests elsewhere) run through a field of this configuration. */
export interface FieldTypeExamples {
  /** Configuration of the example field (beyond key, type and label). */
  config?: Record<string, unknown>;
  valid: unknown[];
  invalid: { value: unknown; code: FieldCode }[];
}

/**
 * One entry of the field-type catalog: the stored JSON shape, the checks beyond that
 * shape, and the Formily component the designer and workspace render.
 */
// Method syntax on purpose: entries with typed values and props fit the catalog's general FieldType.
export interface FieldType<V = unknown, P = Record<string, unknown>> {
  /** The stored value shape; some types' shape depends on configuration (`multiple`, `withTime`…). */
  schema(field: FieldConfig & P): TSchema;
  /** How the shape is described to a person when a value does not fit it. */
  expected: { en: string; 'zh-CN': string };
  /** Formily component (antd v5 names, or Docket's own `Docket*`). */
  component: string;
  componentProps?(field: FieldConfig & P): Record<string, unknown>;
  /** Checks that need configuration or the environment; runs only on values that fit `schema`. */
  validate?(value: V, field: FieldConfig & P, check: ValueCheck): ValueIssue[];
  /** The stored form of a value that passed `validate` (rich text: unsafe markup removed). */
  clean?(value: V, field: FieldConfig & P): V;
  examples: FieldTypeExamples;
}

/** Declares a catalog entry with its configuration typed from FIELD_TYPE_PROPS. */
export function fieldType<T extends ScalarFieldType, V>(_type: T, spec: FieldType<V, PropsOf<T>>): FieldType<V, PropsOf<T>> {
  return spec;
}

/** Single id or a list of ids, by the field's `multiple` flag. */
export const manyOf = (field: { multiple?: boolean | undefined }) => field.multiple === true;

/** The (possibly multiple) values as a list. */
export const listOf = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Length in characters as people count them (code points, so 𠮷 is one). */
export const charLength = (s: string): number => [...s].length;

export function lengthIssues(value: string, min: number | undefined, max: number | undefined): ValueIssue[] {
  const n = charLength(value);
  if (min !== undefined && n < min) return [{ code: 'FIELD_TOO_SHORT', params: { limit: min, length: n } }];
  if (max !== undefined && n > max) return [{ code: 'FIELD_TOO_LONG', params: { limit: max, length: n } }];
  return [];
}
