import Type from 'typebox';
import type { DictionaryItem } from '../../definitions/kinds/dictionary.ts';
import { type FieldConfig, fieldType, listOf, manyOf, type ValueCheck } from '../field-type.ts';
import type { ValueIssue } from '../problems.ts';
import { sameValue } from '../values.ts';

/**
 * Choice values are option values (strings), never labels, so renaming an option or
 * translating it leaves stored tickets alone. Disabled options stay valid on tickets
 * that already hold them but cannot be newly chosen.
 *
 * - select / radio: "urgent";  multiSelect / checkbox: ["a", "b"]
 * - cascader: the path from the root, ["repair", "plumbing", "water-leak"] (multiple: a list of paths),
 *   because the same leaf value may sit under two parents in a tree dictionary.
 * - treeSelect: the chosen node's value, "water-leak" (multiple: a list of values).
 */

/** The dictionary the examples use; tests install it under this key. */
export const EXAMPLE_DICTIONARIES: Record<string, DictionaryItem[]> = {
  'example-service-items': [
    {
      value: 'repair',
      label: { 'zh-CN': '维修', en: 'Repair' },
      children: [
        { value: 'water-leak', label: { 'zh-CN': '漏水', en: 'Water leak' } },
        { value: 'power-outage', label: { 'zh-CN': '停电', en: 'Power outage' } },
        { value: 'gas', label: { 'zh-CN': '燃气', en: 'Gas' }, disabled: true },
      ],
    },
    { value: 'cleaning', label: { 'zh-CN': '保洁', en: 'Cleaning' } },
  ],
};

type Items = { items: DictionaryItem[] } | { issue: ValueIssue };

function itemsOf(f: FieldConfig, check: ValueCheck): Items {
  if (Array.isArray(f.options)) return { items: f.options as DictionaryItem[] };
  const key = f.dictionary as string | undefined;
  const items = key === undefined ? undefined : check.env.dictionaries?.(key);
  return items ? { items } : { issue: { code: 'FIELD_DICTIONARY_UNKNOWN', params: { dictionary: key ?? null } } };
}

/** Whether `value` is one of the values the field held before (so a disabled option may stay). */
function wasStored(value: unknown, stored: unknown): boolean {
  if (stored === undefined) return false;
  return sameValue(value, stored) || (Array.isArray(stored) && stored.some((s) => sameValue(s, value)));
}

/** A flat choice: each picked value must be an enabled option, or a disabled one the field already held. */
function flatIssues(values: string[], f: FieldConfig, check: ValueCheck, multiple: boolean): ValueIssue[] {
  const source = itemsOf(f, check);
  if ('issue' in source) return [source.issue];
  const issues: ValueIssue[] = [];
  values.forEach((value, i) => {
    const path = multiple ? { path: [i] } : {};
    const item = source.items.find((o) => o.value === value);
    if (!item) issues.push({ code: 'FIELD_OPTION', params: { value }, ...path });
    else if (item.disabled && !wasStored(value, check.stored)) issues.push({ code: 'FIELD_OPTION_DISABLED', params: { value }, ...path });
    else if (values.indexOf(value) !== i) issues.push({ code: 'FIELD_DUPLICATE', params: { value }, ...path });
  });
  return issues;
}

function countIssues(n: number, min: number | undefined, max: number | undefined): ValueIssue[] {
  if (min !== undefined && n < min) return [{ code: 'FIELD_TOO_FEW', params: { limit: min } }];
  if (max !== undefined && n > max) return [{ code: 'FIELD_TOO_MANY', params: { limit: max } }];
  return [];
}

/** Follows a cascader path; every step must exist, and none may be newly picked while disabled. */
function pathIssue(path: string[], items: DictionaryItem[], f: FieldConfig, check: ValueCheck, at: (string | number)[]): ValueIssue | undefined {
  let level: DictionaryItem[] | undefined = items;
  let node: DictionaryItem | undefined;
  let disabled = false;
  for (const [i, value] of path.entries()) {
    node = level?.find((o) => o.value === value);
    if (!node) return { code: 'FIELD_OPTION', params: { value }, path: [...at, i] };
    disabled ||= node.disabled === true;
    level = node.children;
  }
  const leaf = path[path.length - 1] as string;
  if (disabled && !wasStored(path, check.stored)) return { code: 'FIELD_OPTION_DISABLED', params: { value: leaf }, path: at };
  if (f.leafOnly && (node?.children?.length ?? 0) > 0) return { code: 'FIELD_NOT_LEAF', params: { value: leaf }, path: at };
  return undefined;
}

/** Finds a node anywhere in the tree, with whether it or an ancestor is disabled. */
function findNode(items: DictionaryItem[], value: string, inheritedDisabled = false): { node: DictionaryItem; disabled: boolean } | undefined {
  for (const node of items) {
    const disabled = inheritedDisabled || node.disabled === true;
    if (node.value === value) return { node, disabled };
    const found = node.children ? findNode(node.children, value, disabled) : undefined;
    if (found) return found;
  }
  return undefined;
}

const optionsProps = (f: FieldConfig) => (Array.isArray(f.options) ? { options: f.options } : { dictionary: f.dictionary });
const aChoice = { en: 'an option value', 'zh-CN': '选项值' };
const someChoices = { en: 'a list of option values', 'zh-CN': '选项值列表' };
const flatExamples = {
  config: {
    options: [
      { value: 'normal', label: { 'zh-CN': '一般', en: 'Normal' } },
      { value: 'urgent', label: { 'zh-CN': '紧急', en: 'Urgent' } },
      { value: 'low', label: { 'zh-CN': '低', en: 'Low' } },
      { value: 'legacy', label: { 'zh-CN': '旧选项', en: 'Legacy' }, disabled: true },
    ],
  },
};
const singleExamples = {
  ...flatExamples,
  valid: ['normal', 'urgent'],
  invalid: [
    { value: ['normal'], code: 'FIELD_TYPE' as const },
    { value: 'Normal', code: 'FIELD_OPTION' as const },
    { value: 'legacy', code: 'FIELD_OPTION_DISABLED' as const },
  ],
};
const multiExamples = {
  config: { ...flatExamples.config, maxItems: 2 },
  valid: [['normal'], ['normal', 'urgent']],
  invalid: [
    { value: 'normal', code: 'FIELD_TYPE' as const },
    { value: ['normal', 'nope'], code: 'FIELD_OPTION' as const },
    { value: ['legacy'], code: 'FIELD_OPTION_DISABLED' as const },
    { value: ['normal', 'normal'], code: 'FIELD_DUPLICATE' as const },
    { value: ['normal', 'urgent', 'low'], code: 'FIELD_TOO_MANY' as const },
  ],
};
const treeConfig = { dictionary: 'example-service-items', leafOnly: true };

/** select and radio: one option value. */
const oneOf = (type: 'select' | 'radio', component: string) =>
  fieldType(type, {
    schema: () => Type.String(),
    expected: aChoice,
    component,
    componentProps: optionsProps,
    validate: (v: string, f, check) => flatIssues([v], f, check, false),
    examples: singleExamples,
  });

/** multiSelect and checkbox: a list of option values. */
const someOf = (type: 'multiSelect' | 'checkbox', component: string, props: Record<string, unknown> = {}) =>
  fieldType(type, {
    schema: () => Type.Array(Type.String()),
    expected: someChoices,
    component,
    componentProps: (f) => ({ ...props, ...optionsProps(f) }),
    validate: (v: string[], f, check) => [...flatIssues(v, f, check, true), ...countIssues(v.length, f.minItems, f.maxItems)],
    examples: multiExamples,
  });

export const choiceTypes = {
  select: oneOf('select', 'Select'),
  radio: oneOf('radio', 'Radio.Group'),
  multiSelect: someOf('multiSelect', 'Select', { mode: 'multiple' }),
  checkbox: someOf('checkbox', 'Checkbox.Group'),
  cascader: fieldType('cascader', {
    schema: (f) => (manyOf(f) ? Type.Array(Type.Array(Type.String(), { minItems: 1 })) : Type.Array(Type.String(), { minItems: 1 })),
    expected: { en: 'the path of option values from the top, e.g. ["repair", "water-leak"]', 'zh-CN': '从顶层起的选项值路径，如 ["repair", "water-leak"]' },
    component: 'Cascader',
    componentProps: (f) => ({ dictionary: f.dictionary, ...(f.multiple ? { multiple: true } : {}), changeOnSelect: !f.leafOnly }),
    validate: (v: string[] | string[][], f, check) => {
      const source = itemsOf(f, check);
      if ('issue' in source) return [source.issue];
      const paths = manyOf(f) ? (v as string[][]) : [v as string[]];
      const issues = paths.map((p, i) => pathIssue(p, source.items, f, check, manyOf(f) ? [i] : []));
      return issues.filter((i): i is ValueIssue => i !== undefined);
    },
    examples: {
      config: treeConfig,
      valid: [['repair', 'water-leak'], ['cleaning']],
      invalid: [
        { value: 'water-leak', code: 'FIELD_TYPE' },
        { value: ['water-leak'], code: 'FIELD_OPTION' },
        { value: ['repair', 'gas'], code: 'FIELD_OPTION_DISABLED' },
        { value: ['repair'], code: 'FIELD_NOT_LEAF' },
      ],
    },
  }),
  treeSelect: fieldType('treeSelect', {
    schema: (f) => (manyOf(f) ? Type.Array(Type.String()) : Type.String()),
    expected: { en: 'an option value of the tree', 'zh-CN': '树中的选项值' },
    component: 'TreeSelect',
    componentProps: (f) => ({ dictionary: f.dictionary, ...(f.multiple ? { multiple: true } : {}) }),
    validate: (v: string | string[], f, check) => {
      const source = itemsOf(f, check);
      if ('issue' in source) return [source.issue];
      return listOf(v).flatMap((value, i): ValueIssue[] => {
        const path = manyOf(f) ? { path: [i] } : {};
        const found = findNode(source.items, value);
        if (!found) return [{ code: 'FIELD_OPTION', params: { value }, ...path }];
        if (found.disabled && !wasStored(value, check.stored)) return [{ code: 'FIELD_OPTION_DISABLED', params: { value }, ...path }];
        if (f.leafOnly && (found.node.children?.length ?? 0) > 0) return [{ code: 'FIELD_NOT_LEAF', params: { value }, ...path }];
        return [];
      });
    },
    examples: {
      config: treeConfig,
      valid: ['water-leak', 'cleaning'],
      invalid: [
        { value: ['water-leak'], code: 'FIELD_TYPE' },
        { value: 'flood', code: 'FIELD_OPTION' },
        { value: 'gas', code: 'FIELD_OPTION_DISABLED' },
        { value: 'repair', code: 'FIELD_NOT_LEAF' },
      ],
    },
  }),
};
