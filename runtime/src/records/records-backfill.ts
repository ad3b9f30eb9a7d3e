import type { EntityManager } from '@mikro-orm/postgresql';
import type { DefinitionIssue } from '../definitions/index.ts';
import { RecordTypeCatalog, type RecordTypeRuntime, type UniqueConstraint } from './records-catalog.ts';
import { uniqueKeys } from './records-values.ts';

const CHUNK = 1000;
const EXAMPLES = 5;

/**
 * A uniqueness rule a release adds to a record type must hold for the records already stored,
 * not only for later writes: inside the publish transaction, the side table gets the keys of
 * every live record under each new constraint. When stored records already share a value the
 * publish is refused (`UNIQUE_EXISTING_DUPLICATES`, naming the records) and nothing changes.
 */
export async function checkNewUniqueness(
  em: EntityManager,
  tenantId: string,
  previous: number | null,
  current: number,
  typeKeys: readonly string[],
): Promise<DefinitionIssue[]> {
  const catalog = new RecordTypeCatalog();
  const issues: DefinitionIssue[] = [];
  for (const key of typeKeys) {
    const now = await catalog.get(em, tenantId, current, key);
    const before = previous === null ? undefined : await catalog.get(em, tenantId, previous, key).catch(() => undefined);
    const had = new Set(before?.unique.map((c) => c.name) ?? []);
    const added = now.unique.filter((c) => !had.has(c.name));
    if (added.length === 0) continue;
    issues.push(...(await claimExisting(em, tenantId, { ...now, unique: added }, added)));
  }
  return issues;
}

async function claimExisting(em: EntityManager, tenantId: string, type: RecordTypeRuntime, added: UniqueConstraint[]): Promise<DefinitionIssue[]> {
  // Keys left from an earlier release that had the same rule are stale: start afresh.
  await em.execute('delete from record_unique where tenant_id = ? and record_type = ? and constraint_name in (select jsonb_array_elements_text(?::jsonb))', [
    tenantId,
    type.key,
    JSON.stringify(added.map((c) => c.name)),
  ]);
  const rows = await em.execute<{ id: string; data: Record<string, unknown> }[]>(
    'select id, data from record where tenant_id = ? and type_key = ? and deleted_at is null order by created_at, id',
    [tenantId, type.key],
  );
  const holders = new Map<string, string>();
  const duplicates = new Map<string, { constraint: UniqueConstraint; records: string[] }>();
  const claims: { c: string; k: string; r: string }[] = [];
  for (const row of rows) {
    for (const k of uniqueKeys(type, row.data)) {
      const id = `${k.constraint.name}\u0000${k.valueKey}`;
      const holder = holders.get(id);
      if (holder === undefined) {
        holders.set(id, row.id);
        claims.push({ c: k.constraint.name, k: k.valueKey, r: row.id });
      } else {
        const dup = duplicates.get(id) ?? { constraint: k.constraint, records: [holder] };
        dup.records.push(row.id);
        duplicates.set(id, dup);
      }
    }
  }
  if (duplicates.size > 0) {
    return [...duplicates.values()].slice(0, EXAMPLES).map((d) => ({
      code: 'UNIQUE_EXISTING_DUPLICATES',
      severity: 'error' as const,
      kind: 'recordType',
      key: type.key,
      pointer: '/uniqueness',
      message: {
        en: `${d.records.length} stored ${type.key} records share one ${d.constraint.fields.join(' + ')}${d.constraint.scope.length ? ` within a ${d.constraint.scope.join(', ')}` : ''}: change or delete all but one before making it unique`,
        'zh-CN': `已有 ${d.records.length} 条 ${type.key} 记录的 ${d.constraint.fields.join(' + ')} 相同：请先修改或删除重复记录，再设为唯一`,
      },
      params: { fields: d.constraint.fields, scope: d.constraint.scope, records: d.records.slice(0, 20), duplicates: duplicates.size },
    }));
  }
  for (let i = 0; i < claims.length; i += CHUNK) {
    await em.execute(
      `insert into record_unique (tenant_id, record_type, constraint_name, value_key, record_id)
       select ?, ?, u.c, u.k, u.r::uuid from jsonb_to_recordset(?::jsonb) as u(c text, k text, r text)`,
      [tenantId, type.key, JSON.stringify(claims.slice(i, i + CHUNK))],
    );
  }
  return [];
}
