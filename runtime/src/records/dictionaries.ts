import type { EntityManager } from '@mikro-orm/postgresql';
import type { DefinitionIssue } from '../definitions/issues.ts';
import type { DictionaryItem } from '../definitions/kinds/dictionary.ts';

/** A change in how many stored values use one dictionary item (delta: +1 when written, −1 when removed). */
export interface DictionaryUse {
  dictionary: string;
  value: string;
  delta: number;
}

interface DictionaryField {
  key: string;
  type: string;
  dictionary?: string;
}

function valuesIn(v: unknown, out: Set<string>) {
  if (typeof v === 'string' && v !== '') out.add(v);
  else if (Array.isArray(v)) for (const x of v) valuesIn(x, out);
}

/** Item values each dictionary-backed field holds (cascader paths and multi-selects count every value once). */
export function dictionaryValues(fields: Iterable<DictionaryField>, data: Record<string, unknown>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of fields) {
    if (!f.dictionary || data[f.key] === undefined) continue;
    const values = out.get(f.dictionary) ?? new Set<string>();
    valuesIn(data[f.key], values);
    if (values.size) out.set(f.dictionary, values);
  }
  return out;
}

/** The usage changes a write causes: values the new data holds and the old one did not, and back. */
export function dictionaryDelta(fields: Iterable<DictionaryField>, before: Record<string, unknown>, after: Record<string, unknown>): DictionaryUse[] {
  const list = [...fields];
  const count = new Map<string, number>();
  const add = (values: Map<string, Set<string>>, delta: number) => {
    for (const [dict, set] of values) for (const v of set) count.set(`${dict}\u0000${v}`, (count.get(`${dict}\u0000${v}`) ?? 0) + delta);
  };
  add(dictionaryValues(list, before), -1);
  add(dictionaryValues(list, after), 1);
  const uses: DictionaryUse[] = [];
  for (const [k, delta] of count) {
    if (delta === 0) continue;
    const [dictionary, value] = k.split('\u0000') as [string, string];
    uses.push({ dictionary, value, delta });
  }
  return uses;
}

/**
 * Applies usage changes inside the caller's transaction. Rows are touched in key order
 * so two writers never lock the same items in opposite orders.
 */
export async function recordDictionaryUse(em: EntityManager, tenantId: string, usages: DictionaryUse[]): Promise<void> {
  const merged = new Map<string, DictionaryUse>();
  for (const u of usages) {
    const k = `${u.dictionary}\u0000${u.value}`;
    const m = merged.get(k);
    merged.set(k, { ...u, delta: (m?.delta ?? 0) + u.delta });
  }
  const rows = [...merged.values()].filter((u) => u.delta !== 0).sort((a, b) => (a.dictionary + a.value < b.dictionary + b.value ? -1 : 1));
  const json = (list: DictionaryUse[]) => JSON.stringify(list.map((u) => ({ d: u.dictionary, v: u.value, n: u.delta })));
  const added = rows.filter((u) => u.delta > 0);
  const dropped = rows.filter((u) => u.delta < 0);
  if (added.length) {
    await em.execute(
      `insert into dictionary_usage (tenant_id, dictionary_key, item_value, uses)
       select ?, u.d, u.v, u.n from jsonb_to_recordset(?::jsonb) as u(d text, v text, n integer) order by u.d, u.v
       on conflict (tenant_id, dictionary_key, item_value) do update set uses = dictionary_usage.uses + excluded.uses`,
      [tenantId, json(added)],
    );
  }
  if (dropped.length) {
    await em.execute(
      `update dictionary_usage d set uses = greatest(d.uses + u.n, 0)
         from jsonb_to_recordset(?::jsonb) as u(d text, v text, n integer)
        where d.tenant_id = ? and d.dictionary_key = u.d and d.item_value = u.v`,
      [json(dropped), tenantId],
    );
  }
}

function flatten(items: readonly DictionaryItem[], out: Set<string>) {
  for (const i of items) {
    out.add(i.value);
    if (i.children) flatten(i.children, out);
  }
}

/**
 * Publish-time check: every item a new version of the dictionary drops while stored
 * values still use it is a DICT_ITEM_IN_USE error (disable it instead).
 */
export async function checkDictionaryRemovals(
  em: EntityManager,
  tenantId: string,
  dictionaryKey: string,
  newItems: readonly DictionaryItem[],
): Promise<DefinitionIssue[]> {
  const kept = new Set<string>();
  flatten(newItems, kept);
  const used = await em.execute<{ item_value: string; uses: number }[]>(
    'select item_value, uses from dictionary_usage where tenant_id = ? and dictionary_key = ? and uses > 0 order by item_value',
    [tenantId, dictionaryKey],
  );
  return used
    .filter((u) => !kept.has(u.item_value))
    .map((u) => ({
      code: 'DICT_ITEM_IN_USE',
      severity: 'error' as const,
      kind: 'dictionary',
      key: dictionaryKey,
      pointer: '/items',
      message: {
        en: `item "${u.item_value}" is used by ${u.uses} stored value(s): disable it instead of removing it`,
        'zh-CN': `选项 "${u.item_value}" 已被 ${u.uses} 处数据使用：请停用，不能删除`,
      },
      params: { value: u.item_value, uses: Number(u.uses) },
    }));
}
