import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, InputError } from '../errors.ts';
import type { RecordTypeRuntime } from './records-catalog.ts';
import { fieldIssue, recordRefs, type UniqueKey } from './records-values.ts';

// Claims keys, skipping ones already held. A concurrent claimer of the same key waits here
// for the holder's transaction: if it commits, the key is skipped and reported as taken.
const CLAIM = `insert into record_unique (tenant_id, record_type, constraint_name, value_key, record_id)
  select ?, ?, u.c, u.k, ? from jsonb_to_recordset(?::jsonb) as u(c text, k text) order by u.c, u.k
  on conflict do nothing returning constraint_name`;

const HOLDERS = `select u.constraint_name, u.record_id from record_unique u
  join jsonb_to_recordset(?::jsonb) as k(c text, k text) on u.constraint_name = k.c and u.value_key = k.k
 where u.tenant_id = ? and u.record_type = ?`;

/**
 * Makes the record's unique keys exactly `keys`, inside the caller's transaction. The
 * side table's primary key decides races; the loser gets UNIQUE_VIOLATION naming the
 * fields and the record that holds the value.
 */
export async function claimUniqueKeys(em: EntityManager, tenantId: string, type: RecordTypeRuntime, recordId: string, keys: UniqueKey[]): Promise<void> {
  await em.execute('delete from record_unique where tenant_id = ? and record_id = ?', [tenantId, recordId]);
  if (!keys.length) return;
  const wanted = JSON.stringify(keys.map((k) => ({ c: k.constraint.name, k: k.valueKey })));
  const claimed = new Set((await em.execute<{ constraint_name: string }[]>(CLAIM, [tenantId, type.key, recordId, wanted])).map((r) => r.constraint_name));
  const lost = keys.filter((k) => !claimed.has(k.constraint.name));
  if (!lost.length) return;
  const holders = new Map(
    (
      await em.execute<{ constraint_name: string; record_id: string }[]>(HOLDERS, [
        JSON.stringify(lost.map((k) => ({ c: k.constraint.name, k: k.valueKey }))),
        tenantId,
        type.key,
      ])
    ).map((r) => [r.constraint_name, r.record_id]),
  );
  const issues = lost.map((k) => {
    const fields = [...k.constraint.fields];
    const within = k.constraint.scope.length ? ` within the same ${k.constraint.scope.join(', ')}` : '';
    const withinZh = k.constraint.scope.length ? `在同一 ${k.constraint.scope.join('、')} 内` : '';
    const existingId = holders.get(k.constraint.name) ?? null;
    const issue = fieldIssue(
      fields[0] as string,
      'UNIQUE_VIOLATION',
      `another ${type.key} already has this ${fields.join(' + ')}${within}`,
      `${withinZh}已存在相同 ${fields.join(' + ')} 的记录`,
      { fields, scope: k.constraint.scope, existingId },
    );
    // Shaped like a definition issue (message per locale): problem.ts localises ConflictError issues.
    return { ...issue, message: issue.messages, severity: 'error' as const, existingId };
  });
  const first = issues[0] as (typeof issues)[number];
  const fields = first.params?.fields as string[];
  throw new ConflictError(
    `${type.key} ${fields.join(' + ')} must be unique: record ${first.existingId} already has this value`,
    { issues, fields, existingId: first.existingId },
    'UNIQUE_VIOLATION',
  );
}

/** Every recordRef value must name a live record of the field's record type in the tenant. */
export async function checkRecordRefs(em: EntityManager, tenantId: string, type: RecordTypeRuntime, data: Record<string, unknown>): Promise<void> {
  const refs = recordRefs(type, data);
  if (!refs.length) return;
  const ids = [...new Set(refs.flatMap((r) => r.ids))];
  const rows = await em.execute<{ id: string; type_key: string }[]>(
    'select id, type_key from record where tenant_id = ? and deleted_at is null and id in (select (jsonb_array_elements_text(?::jsonb))::uuid)',
    [tenantId, JSON.stringify(ids)],
  );
  const typeOf = new Map(rows.map((r) => [r.id, r.type_key]));
  const issues = refs.flatMap((r) =>
    r.ids
      .filter((id) => typeOf.get(id) !== r.recordType)
      .map((id) =>
        fieldIssue(r.field, 'RECORD_REF_MISSING', `no ${r.recordType} record ${id} exists`, `不存在 ID 为 ${id} 的 ${r.recordType} 记录`, {
          recordType: r.recordType,
          id,
        }),
      ),
  );
  if (issues.length) throw new InputError('RECORD_REF_MISSING', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { errors: issues });
}
