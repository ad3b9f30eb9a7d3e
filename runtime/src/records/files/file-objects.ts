import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { InputError, NotFoundError } from '../../errors.ts';
import type { FileStore } from '../../store/files.ts';
import { accepted, effectiveType } from './sniff.ts';

/** An uploaded file as the API shows it; the bytes live in the FileStore under `sha256`. */
export interface FileObject {
  id: string;
  sha256: string;
  size: number;
  contentType: string;
  filename: string;
  uploadedBy: string;
  createdAt: string;
}

export interface NewFile {
  bytes: Buffer;
  filename: string;
  /** What the client declared; checked against the content. */
  contentType: string;
  uploadedBy: string;
}

export interface FileLimits {
  maxBytes: number;
  /** e.g. ["image/*", "application/pdf", ".xlsx"]; absent = any type the content does not contradict. */
  accept?: readonly string[];
}

function refuse(code: string, message: string, params: Record<string, unknown>): never {
  throw new InputError(code, message, { errors: [{ field: 'file', pointer: '/file', code, message, params }], ...params });
}

/** A name safe to show and to put in Content-Disposition: no folders, no control characters. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c.charCodeAt(0) > 0x1f && c !== '\u007f')
    .join('')
    .trim()
    .slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

interface FileRow {
  id: string;
  sha256: string;
  size: string | number;
  content_type: string;
  filename: string;
  uploaded_by: string;
  created_at: string | Date;
}

const dto = (r: FileRow): FileObject => ({
  id: r.id,
  sha256: r.sha256,
  size: Number(r.size),
  contentType: r.content_type,
  filename: r.filename,
  uploadedBy: r.uploaded_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Checks size and type (by the content's first bytes, not the client's word), stores the
 * bytes and writes the metadata row in the caller's transaction. The bytes go first: a
 * rolled-back row leaves only content-addressed bytes a collector can drop, never a row
 * without bytes.
 */
export async function saveFile(em: EntityManager, store: FileStore, tenantId: string, file: NewFile, limits: FileLimits): Promise<FileObject> {
  if (file.bytes.length > limits.maxBytes) {
    refuse('FILE_TOO_LARGE', `The file is ${file.bytes.length} bytes; at most ${limits.maxBytes} are allowed`, {
      size: file.bytes.length,
      maxBytes: limits.maxBytes,
    });
  }
  const filename = cleanFilename(file.filename);
  const type = effectiveType(file.bytes, file.contentType);
  if ('reason' in type) refuse('FILE_TYPE_NOT_ALLOWED', `${filename}: ${type.reason}`, { declared: file.contentType });
  if (limits.accept?.length && !accepted(type.type, filename, limits.accept)) {
    refuse('FILE_TYPE_NOT_ALLOWED', `${filename} is ${type.type}; allowed here: ${limits.accept.join(', ')}`, {
      contentType: type.type,
      accept: limits.accept,
    });
  }
  const ref = await store.put(file.bytes);
  const [row] = await em.execute<FileRow[]>(
    `insert into file_object (tenant_id, id, sha256, size, content_type, filename, uploaded_by) values (?, ?, ?, ?, ?, ?, ?) returning *`,
    [tenantId, uuidv7(), ref.sha256, ref.size, type.type, filename, file.uploadedBy],
  );
  return dto(row as FileRow);
}

/** Metadata of files in the tenant; ids of other tenants or unknown ids are simply absent. */
export async function fileObjects(em: EntityManager, tenantId: string, ids: readonly string[]): Promise<FileObject[]> {
  const valid = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (!valid.length) return [];
  const rows = await em.execute<FileRow[]>('select * from file_object where tenant_id = ? and id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [
    tenantId,
    JSON.stringify(valid),
  ]);
  return rows.map(dto);
}

/** One file's metadata and bytes; NOT_FOUND outside the tenant. Authorization is the caller's (the ticket or record it belongs to). */
export async function readFile(em: EntityManager, store: FileStore, tenantId: string, id: string): Promise<{ file: FileObject; bytes: Buffer }> {
  const [file] = await fileObjects(em, tenantId, [id]);
  if (!file) throw new NotFoundError(`There is no file ${id}`, { id });
  return { file, bytes: await store.get(file.sha256) };
}
