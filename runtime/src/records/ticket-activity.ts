import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { ForbiddenError, InputError, NotFoundError } from '../errors.ts';
import { saveFile } from './files/file-objects.ts';
import { scopePredicate } from './scope.ts';
import type { FieldSpec } from './ticket-definitions.ts';
import type { TicketDeps } from './ticket-deps.ts';
import { batchIds, checkId, loadTicketRow, refreshSearchTokens } from './ticket-rows.ts';
import { FieldAccess, iso } from './ticket-view.ts';
import type { TicketAttachment, TicketCaller, TicketComment } from './tickets-api.ts';

interface CommentRow {
  id: string;
  author: string;
  body: string;
  visibility: 'internal' | 'public';
  created_at: string | Date;
}

interface AttachmentRow {
  id: string;
  filename: string;
  content_type: string;
  size: string | number;
  sha256: string;
  field: string | null;
  uploaded_by: string;
  created_at: string | Date;
}

const MAX_COMMENT = 20_000;
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

const commentOf = (r: CommentRow): TicketComment => ({
  id: r.id,
  author: r.author,
  body: r.body,
  visibility: r.visibility,
  createdAt: iso(r.created_at) as string,
});
const attachmentOf = (r: AttachmentRow): TicketAttachment => ({
  id: r.id,
  filename: r.filename,
  contentType: r.content_type,
  size: Number(r.size),
  sha256: r.sha256,
  field: r.field,
  uploadedBy: r.uploaded_by,
  createdAt: iso(r.created_at) as string,
});

/** `image/*`, `application/pdf` or `.pdf`: what an attachment field's `accept` allows. */
export function accepts(accept: string[] | undefined, filename: string, contentType: string): boolean {
  if (!accept?.length) return true;
  const lower = filename.toLowerCase();
  return accept.some((a) =>
    a.startsWith('.') ? lower.endsWith(a.toLowerCase()) : a.endsWith('/*') ? contentType.startsWith(a.slice(0, -1)) : a === contentType,
  );
}

/** Comments and attachments: authorized like the ticket they belong to. */
export class TicketActivity {
  private readonly deps: TicketDeps;

  constructor(deps: TicketDeps) {
    this.deps = deps;
  }

  private async access(em: EntityManager, tenantId: string, caller: TicketCaller, id: string) {
    const row = await loadTicketRow(em, tenantId, caller.access, id);
    return { row, access: new FieldAccess(await this.deps.types.get(em, tenantId, row.release_number, row.type_key), caller) };
  }

  async comment(tenantId: string, caller: TicketCaller, id: string, input: { body: string; visibility: 'internal' | 'public' }): Promise<TicketComment> {
    const body = typeof input.body === 'string' ? input.body.trim() : '';
    if (body.length === 0 || body.length > MAX_COMMENT) {
      throw new InputError('VALIDATION_FAILED', `a comment needs 1 to ${MAX_COMMENT} characters`, {
        errors: [
          { field: 'body', pointer: '/body', code: body ? 'FIELD_TOO_LONG' : 'FIELD_REQUIRED', message: `a comment needs 1 to ${MAX_COMMENT} characters` },
        ],
      });
    }
    if (input.visibility !== 'internal' && input.visibility !== 'public') {
      throw new InputError('VALIDATION_FAILED', 'visibility is internal or public', {
        errors: [{ field: 'visibility', pointer: '/visibility', code: 'FIELD_INVALID', message: 'visibility is internal or public' }],
      });
    }
    // Customers only ever write what customers may read.
    if (caller.portal && input.visibility !== 'public') throw new ForbiddenError('portal users write public comments only');
    return this.deps.orm.em.fork().transactional(async (em) => {
      const { row } = await this.access(em, tenantId, caller, id);
      const [saved] = await em.execute<CommentRow[]>(
        `insert into ticket_comment (tenant_id, id, ticket_id, author, body, visibility, created_at) values (?, ?, ?, ?, ?, ?, ?)
         returning id, author, body, visibility, created_at`,
        [tenantId, uuidv7(), id, caller.actor.id, body, input.visibility, this.deps.now()],
      );
      await refreshSearchTokens(em, tenantId, id);
      const comment = commentOf(saved as CommentRow);
      await this.deps.emit(em, tenantId, {
        type: 'ticket.commented',
        ticketId: id,
        ticketType: row.type_key,
        number: row.number,
        actor: caller.actor.id,
        details: { comment: comment.id, visibility: comment.visibility },
      });
      return comment;
    });
  }

  async comments(tenantId: string, caller: TicketCaller, id: string): Promise<TicketComment[]> {
    const em = this.deps.orm.em.fork();
    await this.access(em, tenantId, caller, id);
    const rows = await em.execute<CommentRow[]>(
      `select id, author, body, visibility, created_at from ticket_comment where tenant_id = ? and ticket_id = ? and (? or visibility = 'public') order by created_at, id`,
      [tenantId, id, !caller.portal],
    );
    return rows.map(commentOf);
  }

  /**
   * Comments of many tickets in two statements (GraphQL batches them): tickets outside the
   * caller's scope, or unknown, get no entry.
   */
  async commentsOfMany(tenantId: string, caller: TicketCaller, ids: string[]): Promise<Map<string, TicketComment[]>> {
    const wanted = batchIds(ids);
    const out = new Map<string, TicketComment[]>();
    if (wanted.length === 0) return out;
    const em = this.deps.orm.em.fork();
    const scope = scopePredicate(caller.access);
    const visible = await em.execute<{ id: string }[]>(
      `select t.id from ticket t where t.tenant_id = ? and t.id in (select jsonb_array_elements_text(?::jsonb)::uuid) and ${scope.sql}`,
      [tenantId, JSON.stringify(wanted), ...scope.params],
    );
    for (const v of visible) out.set(v.id, []);
    if (visible.length === 0) return out;
    const rows = await em.execute<(CommentRow & { ticket_id: string })[]>(
      `select ticket_id, id, author, body, visibility, created_at from ticket_comment
        where tenant_id = ? and ticket_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and (? or visibility = 'public')
        order by created_at, id`,
      [tenantId, JSON.stringify(visible.map((v) => v.id)), !caller.portal],
    );
    for (const r of rows) out.get(r.ticket_id)?.push(commentOf(r));
    return out;
  }

  async attach(
    tenantId: string,
    caller: TicketCaller,
    id: string,
    file: { filename: string; contentType: string; bytes: Buffer; field?: string },
  ): Promise<TicketAttachment> {
    if (!caller.access.canUpdate && !caller.portal) throw new ForbiddenError('you may not add files to tickets');
    const filename = (file.filename ?? '').split(/[\\/]/).pop()?.trim() ?? '';
    const bad = (field: string, code: string, message: string) => new InputError(code, message, { errors: [{ field, pointer: `/${field}`, code, message }] });
    if (!filename || filename.length > 255) throw bad('filename', 'VALIDATION_FAILED', 'a file needs a name of at most 255 characters');
    if (!CONTENT_TYPE.test(file.contentType ?? '')) throw bad('contentType', 'VALIDATION_FAILED', `"${file.contentType}" is not a content type`);
    const em = this.deps.orm.em.fork();
    const { access } = await this.access(em, tenantId, caller, id);
    let spec: FieldSpec | undefined;
    if (file.field !== undefined) {
      const path = file.field.includes('.') ? file.field : `data.${file.field}`;
      const [root, key] = path.split('.');
      spec = (root === 'receipt' ? access.spec.receipt : root === 'data' ? access.spec.fields : []).find((f) => f.key === key);
      if (spec?.type !== 'attachment' || !access.writable(path))
        throw bad('field', 'FIELD_NOT_EDITABLE', `${file.field} is not an attachment field you may fill`);
    }
    const accept = spec?.props.accept as string[] | undefined;
    if (!accepts(accept, filename, file.contentType))
      throw bad('file', 'FILE_TYPE_REFUSED', `${file.field} accepts ${accept?.join(', ')}, not ${file.contentType}`);
    const maxMb = spec?.props.maxSizeMb as number | undefined;
    const limit = maxMb !== undefined ? maxMb * 1024 * 1024 : this.deps.maxUploadBytes;
    if (file.bytes.length > limit) throw bad('file', 'FILE_TOO_LARGE', `the file is ${file.bytes.length} bytes; at most ${limit} are accepted here`);
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const { row } = await this.access(tx, tenantId, caller, id);
      const maxFiles = spec?.props.maxFiles as number | undefined;
      if (maxFiles !== undefined) {
        await tx.execute('select 1 from ticket where tenant_id = ? and id = ? for update', [tenantId, id]);
        const [{ n } = { n: 0 }] = await tx.execute<{ n: number }[]>(
          'select count(*)::int as n from ticket_attachment where tenant_id = ? and ticket_id = ? and field = ?',
          [tenantId, id, file.field],
        );
        if (n >= maxFiles) throw bad('field', 'TOO_MANY_FILES', `${file.field} holds at most ${maxFiles} files`);
      }
      // The content decides the type (a PDF named photo.png is refused); bytes are content-addressed,
      // so a rolled-back transaction leaves nothing a reader can reach.
      const saved = await saveFile(
        tx,
        this.deps.files,
        tenantId,
        { bytes: file.bytes, filename, contentType: file.contentType, uploadedBy: caller.actor.id },
        {
          maxBytes: limit,
          ...(accept ? { accept } : {}),
        },
      );
      const fileId = saved.id;
      const stored = { sha256: saved.sha256, size: saved.size };
      const now = this.deps.now();
      const attachmentId = uuidv7();
      await tx.execute('insert into ticket_attachment (tenant_id, id, ticket_id, file_id, field, uploaded_by, created_at) values (?, ?, ?, ?, ?, ?, ?)', [
        tenantId,
        attachmentId,
        id,
        fileId,
        file.field ?? null,
        caller.actor.id,
        now,
      ]);
      if (spec && file.field) {
        // The field's value lists its files, as if the form had been saved with this one added.
        const [root, key] = (file.field.includes('.') ? file.field : `data.${file.field}`).split('.') as [string, string];
        const ref = JSON.stringify([{ fileId, name: saved.filename, size: saved.size, contentType: saved.contentType }]);
        await tx.execute(
          `update ticket set ${root === 'receipt' ? 'receipt' : 'data'} = jsonb_set(${root === 'receipt' ? 'receipt' : 'data'}, array[?]::text[],
                  coalesce(${root === 'receipt' ? 'receipt' : 'data'} -> ?, '[]'::jsonb) || ?::jsonb), version = version + 1, updated_at = ?
            where tenant_id = ? and id = ?`,
          [key, key, ref, now, tenantId, id],
        );
      }
      await this.deps.emit(tx, tenantId, {
        type: 'ticket.attached',
        ticketId: id,
        ticketType: row.type_key,
        number: row.number,
        actor: caller.actor.id,
        details: { attachment: attachmentId, field: file.field ?? null },
      });
      return {
        id: attachmentId,
        filename,
        contentType: saved.contentType,
        size: stored.size,
        sha256: stored.sha256,
        field: file.field ?? null,
        uploadedBy: caller.actor.id,
        createdAt: now.toISOString(),
      };
    });
  }

  async download(tenantId: string, caller: TicketCaller, id: string, attachmentId: string): Promise<{ attachment: TicketAttachment; bytes: Buffer }> {
    checkId(attachmentId, 'attachment');
    const em = this.deps.orm.em.fork();
    const { access } = await this.access(em, tenantId, caller, id);
    const [row] = await em.execute<AttachmentRow[]>(
      `select a.id, f.filename, f.content_type, f.size, f.sha256, a.field, a.uploaded_by, a.created_at
         from ticket_attachment a join file_object f on f.tenant_id = a.tenant_id and f.id = a.file_id
        where a.tenant_id = ? and a.ticket_id = ? and (a.id = ? or a.file_id = ?)
        order by a.created_at limit 1`,
      [tenantId, id, attachmentId, attachmentId],
    );
    const path = row?.field ? (row.field.includes('.') ? row.field : `data.${row.field}`) : undefined;
    if (!row || (path && !access.visible(path))) throw new NotFoundError(`no attachment ${attachmentId}`, { attachment: attachmentId }, 'ATTACHMENT_NOT_FOUND');
    return { attachment: attachmentOf(row), bytes: await this.deps.files.get(row.sha256) };
  }
}
