import { createHash } from 'node:crypto';
import type { RulesLogic } from 'json-logic-js';
import { evaluate } from '../process/context.ts';
import type { RecordTypeRuntime, UniqueConstraint } from './records-catalog.ts';

/** One problem with one submitted value: what the API returns in `errors`. */
export interface FieldIssue {
  field: string;
  /** RFC 6901 pointer into the request body. */
  pointer: string;
  code: string;
  message: string;
  messages: { en: string; 'zh-CN': string };
  params?: Record<string, unknown>;
}

export const MASK = '****';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function fieldIssue(field: string, code: string, en: string, zh: string, params?: Record<string, unknown>): FieldIssue {
  return { field, pointer: `/data/${field}`, code, message: en, messages: { en, 'zh-CN': zh }, ...(params ? { params } : {}) };
}

export const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

/** A rule property (required / visible) as a boolean: absent = fallback, `true`/`false` as is, else json-logic over `data`. */
function holds(rule: unknown, data: Record<string, unknown>, fallback: boolean): boolean {
  if (rule === undefined) return fallback;
  if (typeof rule === 'boolean') return rule;
  return Boolean(evaluate(rule as RulesLogic, { data }));
}

/** The values a create stores: submitted ones plus declared defaults for fields left out. */
export function withDefaults(type: RecordTypeRuntime, data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  for (const f of type.fields.values()) if (out[f.key] === undefined && f.default !== undefined) out[f.key] = structuredClone(f.default);
  return out;
}

/**
 * Checks what the record service itself owns: unknown keys, required values (of visible
 * fields) and record-reference shapes. Per-type value checks come from the forms module.
 */
export function checkValues(type: RecordTypeRuntime, data: Record<string, unknown>, submitted: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(submitted)) {
    if (!type.fields.has(key)) {
      issues.push(fieldIssue(key, 'UNKNOWN_FIELD', `"${key}" is not a field of ${type.key}`, `"${key}" 不是 ${type.key} 的字段`));
    }
  }
  for (const f of type.fields.values()) {
    const value = data[f.key];
    if (isEmpty(value)) {
      if (holds(f.visible, data, true) && holds(f.required, data, false)) {
        issues.push(fieldIssue(f.key, 'REQUIRED', `${labelOf(f)} is required`, `${labelOf(f, 'zh-CN')}为必填项`));
      }
      continue;
    }
    if (f.type === 'recordRef') {
      const ids = f.multiple ? value : [value];
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && UUID.test(id))) {
        const expected = f.multiple ? 'a list of record ids' : 'a record id';
        issues.push(fieldIssue(f.key, 'INVALID_VALUE', `${labelOf(f)} must be ${expected}`, `${labelOf(f, 'zh-CN')}必须是记录 ID`));
      }
    }
  }
  return issues;
}

function labelOf(f: { key: string; label?: Record<string, string> }, locale: 'en' | 'zh-CN' = 'en'): string {
  return f.label?.[locale] ?? f.label?.en ?? f.key;
}

/** Record ids named by recordRef fields, grouped by the record type they must have. */
export function recordRefs(type: RecordTypeRuntime, data: Record<string, unknown>): { field: string; recordType: string; ids: string[] }[] {
  const out: { field: string; recordType: string; ids: string[] }[] = [];
  for (const f of type.fields.values()) {
    if (f.type !== 'recordRef' || isEmpty(data[f.key])) continue;
    const v = data[f.key];
    out.push({ field: f.key, recordType: f.recordType ?? '', ids: (Array.isArray(v) ? v : [v]) as string[] });
  }
  return out;
}

/** Case-, width- and whitespace-insensitive form of a value, so "AB 1" and " ab  1" count as the same code. */
function normalise(v: unknown): unknown {
  if (typeof v === 'string') return v.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  if (Array.isArray(v)) return v.map(normalise).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, normalise((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export interface UniqueKey {
  constraint: UniqueConstraint;
  valueKey: string;
}

/** The side-table keys a record's values claim; constraints with an empty unique value claim nothing (like SQL nulls). */
export function uniqueKeys(type: RecordTypeRuntime, data: Record<string, unknown>): UniqueKey[] {
  const keys: UniqueKey[] = [];
  for (const c of type.unique) {
    if (c.fields.some((f) => isEmpty(data[f]))) continue;
    const text = JSON.stringify(normalise([...c.scope.map((f) => data[f] ?? null), ...c.fields.map((f) => data[f])]));
    // Long values would overflow a btree entry; a hash keeps the key bounded and still exact.
    const valueKey = text.length > 400 ? `sha256:${createHash('sha256').update(text).digest('hex')}` : text;
    keys.push({ constraint: c, valueKey });
  }
  return keys;
}

/** Sensitive values replaced by the mask (empty ones stay empty, so "has a phone" still shows). */
export function maskSensitive(type: RecordTypeRuntime, data: Record<string, unknown>): Record<string, unknown> {
  if (type.sensitive.size === 0) return data;
  const out = { ...data };
  for (const key of type.sensitive) if (!isEmpty(out[key])) out[key] = MASK;
  return out;
}

export interface Change {
  field: string;
  before: unknown;
  after: unknown;
}

/** Field-by-field differences for the audit log, sensitive values masked. */
export function changesOf(type: RecordTypeRuntime, before: Record<string, unknown>, after: Record<string, unknown>): Change[] {
  const changes: Change[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key] ?? null;
    const a = after[key] ?? null;
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    const masked = type.sensitive.has(key);
    changes.push({ field: `data.${key}`, before: masked && b !== null ? MASK : b, after: masked && a !== null ? MASK : a });
  }
  return changes;
}

export function titleOf(type: RecordTypeRuntime, data: Record<string, unknown>): string | null {
  const v = data[type.definition.titleField];
  if (isEmpty(v)) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
