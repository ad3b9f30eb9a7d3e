import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import type { FieldSpec } from './ticket-definitions.ts';
import { type FieldProblem, throwIfProblems } from './ticket-form.ts';

/** The file ids an attachment or signature value names (`[{fileId…}]` or `{fileId}`). */
function fileIdsOf(field: FieldSpec, value: unknown): string[] {
  const refs = field.type === 'attachment' ? (Array.isArray(value) ? value : []) : field.type === 'signature' && value ? [value] : [];
  return refs.map((r) => (r && typeof r === 'object' ? (r as { fileId?: unknown }).fileId : undefined)).filter((id): id is string => typeof id === 'string');
}

/**
 * Files that attachment and signature fields name must be in the tenant and be the caller's
 * own uploads (POST /api/files) or already on this ticket — an id alone never grants a file.
 * Each becomes a ticket_attachment row, so it downloads with the ticket's authorization.
 * Runs in the write's transaction, after the ticket row exists.
 */
export async function linkFormFiles(
  em: EntityManager,
  tenantId: string,
  ticketId: string,
  fields: FieldSpec[],
  values: Record<string, unknown>,
  userId: string,
  at: 'data' | 'receipt' = 'data',
): Promise<void> {
  const wanted: { field: string; id: string }[] = [];
  for (const f of fields) for (const id of fileIdsOf(f, values[f.key])) wanted.push({ field: f.key, id });
  if (wanted.length === 0) return;
  const ids = JSON.stringify([...new Set(wanted.map((w) => w.id))]);
  const rows = await em.execute<{ id: string; uploaded_by: string; attached: boolean }[]>(
    `select f.id, f.uploaded_by, exists (select 1 from ticket_attachment a where a.tenant_id = f.tenant_id and a.ticket_id = ? and a.file_id = f.id) as attached
       from file_object f where f.tenant_id = ? and f.id::text in (select jsonb_array_elements_text(?::jsonb))`,
    [ticketId, tenantId, ids],
  );
  const known = new Map(rows.map((r) => [r.id, r]));
  const problems: FieldProblem[] = [];
  for (const w of wanted) {
    const row = known.get(w.id);
    if (!row || (!row.attached && row.uploaded_by !== userId)) {
      const message = { en: `${w.field} names file ${w.id}, which you have not uploaded`, 'zh-CN': `${w.field}引用了未上传的文件 ${w.id}` };
      problems.push({ field: w.field, pointer: `/${at}/${w.field}`, code: 'FIELD_FILE_UNKNOWN', message });
    }
  }
  throwIfProblems(problems);
  for (const w of wanted) {
    if (known.get(w.id)?.attached) continue;
    await em.execute(
      `insert into ticket_attachment (tenant_id, id, ticket_id, file_id, field, uploaded_by) select ?, ?, ?, ?, ?, ?
        where not exists (select 1 from ticket_attachment where tenant_id = ? and ticket_id = ? and file_id = ?)`,
      [tenantId, uuidv7(), ticketId, w.id, w.field, userId, tenantId, ticketId, w.id],
    );
  }
}
