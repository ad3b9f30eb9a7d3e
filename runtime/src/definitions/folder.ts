import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { canonicalJson } from './canonical-json.ts';
import { type DefinitionIssue, issue } from './issues.ts';
import { KINDS, type Kind, kindOfFolder } from './kinds/index.ts';
import { checkDuplicates, checkReferences, type DefinitionLookup, type SetMember, validateDocument } from './validate.ts';

/**
 * A definitions folder: one sub-folder per kind (ticket-types/, processes/, …), one file
 * per definition named after its key. Namespaced keys (`field-service:repair`) live one
 * level down: ticket-types/field-service/repair.json. Binary templates sit beside the
 * JSON that names them. Core definitions/, plugins and export all use this layout.
 */
export function fileOf(kind: Kind, key: string): string {
  const spec = KINDS[kind];
  const [ns, local] = key.includes(':') ? (key.split(':', 2) as [string, string]) : [undefined, key];
  return posix.join(spec.folder, ...(ns ? [ns] : []), `${local}${spec.extension}`);
}

export interface LoadedFile {
  file: string;
  doc: unknown;
  /** Binary files named by the document (report templates), by name. */
  attachments: Map<string, Buffer>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const IGNORED = /^(\.|README|readme|LICENSE)/;
const BINARY = /\.(xlsx|docx)$/;

async function isDir(p: string) {
  return (await stat(p)).isDirectory();
}

/** Reads a folder into raw documents; problems with the files themselves become issues. */
export async function readDefinitionsFolder(root: string): Promise<{ files: LoadedFile[]; issues: DefinitionIssue[] }> {
  const files: LoadedFile[] = [];
  const issues: DefinitionIssue[] = [];
  const unexpected = (file: string, reason: string, reasonZh: string) =>
    issues.push(issue({ code: 'DEF_UNEXPECTED_FILE', severity: 'warning', pointer: '', file, params: { reason, reasonZh } }));

  for (const top of (await readdir(root)).sort()) {
    if (IGNORED.test(top)) continue;
    const kind = kindOfFolder(top);
    if (!kind || !(await isDir(join(root, top)))) {
      unexpected(top, 'not a definition folder; it is ignored', '不是定义文件夹，已忽略');
      continue;
    }
    const spec = KINDS[kind];
    const entries: { rel: string; ns?: string }[] = [];
    for (const name of (await readdir(join(root, top))).sort()) {
      if (IGNORED.test(name)) continue;
      if (await isDir(join(root, top, name))) {
        for (const inner of (await readdir(join(root, top, name))).sort()) {
          if (IGNORED.test(inner)) continue;
          if (await isDir(join(root, top, name, inner))) {
            unexpected(posix.join(top, name, inner), 'namespaces are one folder deep; this folder is ignored', '命名空间只能有一层文件夹，此文件夹已忽略');
          } else entries.push({ rel: posix.join(name, inner), ns: name });
        }
      } else entries.push({ rel: name });
    }
    const binaries = new Map<string, Buffer>();
    const docs: { file: string; doc: unknown; dir: string }[] = [];
    for (const { rel, ns } of entries) {
      const file = posix.join(top, rel);
      const bytes = await readFile(join(root, file));
      const base = posix.basename(rel);
      if (BINARY.test(base)) {
        binaries.set(file, bytes);
        continue;
      }
      if (!base.endsWith(spec.extension)) {
        unexpected(file, `a ${kind} is a ${spec.extension} file; this one is ignored`, `${kind} 应为 ${spec.extension} 文件，此文件已忽略`);
        continue;
      }
      const expected = `${ns ? `${ns}:` : ''}${base.slice(0, -spec.extension.length)}`;
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        issues.push(issue({ code: 'DEF_NOT_UTF8', pointer: '', file }));
        continue;
      }
      if (kind === 'process') {
        docs.push({ file, dir: posix.dirname(file), doc: { kind: 'process', key: expected, bpmn: text } });
        continue;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch (e) {
        issues.push(issue({ code: 'DEF_INVALID_JSON', pointer: '', file, params: { reason: (e as Error).message } }));
        continue;
      }
      const d = doc as { kind?: unknown; key?: unknown };
      if (d && typeof d === 'object' && d.kind !== undefined && d.kind !== kind) {
        const folder = typeof d.kind === 'string' && Object.hasOwn(KINDS, d.kind) ? KINDS[d.kind as Kind].folder : '?';
        issues.push(issue({ code: 'DEF_WRONG_FOLDER', pointer: '/kind', file, params: { kind: d.kind, folder } }));
        continue;
      }
      if (d && typeof d === 'object' && typeof d.key === 'string' && d.key !== expected) {
        issues.push(issue({ code: 'DEF_FILE_NAME_MISMATCH', pointer: '/key', file, params: { expected, key: d.key } }));
        continue;
      }
      docs.push({ file, doc, dir: posix.dirname(file) });
    }
    const used = new Set<string>();
    for (const { file, doc, dir } of docs) {
      const attachments = new Map<string, Buffer>();
      const named = doc !== null && typeof doc === 'object' ? (doc as { file?: unknown }).file : undefined;
      if (typeof named === 'string') {
        const path = posix.join(dir, named);
        const bytes = binaries.get(path);
        if (bytes) {
          attachments.set(named, bytes);
          used.add(path);
        } else issues.push(issue({ code: 'DEF_MISSING_FILE', pointer: '/file', file, params: { name: named } }));
      }
      files.push({ file, doc, attachments });
    }
    for (const path of binaries.keys()) if (!used.has(path)) unexpected(path, 'no definition names this file', '没有定义引用此文件');
  }
  return { files, issues };
}

export interface ValidatedFolder {
  issues: DefinitionIssue[];
  members: (SetMember & { attachments: Map<string, Buffer> })[];
}

/** Reads and validates a whole folder: files, schemas, semantics, BPMN, duplicates and references. */
export async function validateDefinitionsFolder(root: string, outside?: DefinitionLookup): Promise<ValidatedFolder> {
  const { files, issues } = await readDefinitionsFolder(root);
  const members: ValidatedFolder['members'] = [];
  for (const f of files) {
    const v = await validateDocument(f.doc, f.file);
    issues.push(...v.issues);
    if (v.doc) members.push({ doc: v.doc, summary: v.summary, file: f.file, attachments: f.attachments });
  }
  issues.push(...checkDuplicates(members), ...checkReferences(members, outside));
  return { issues, members };
}

export interface ExportItem {
  kind: Kind;
  key: string;
  /** The document as stored (processes: with `bpmn`). */
  doc: Record<string, unknown>;
  attachments: Map<string, Buffer>;
}

/**
 * Writes definitions in the folder layout, byte-stable: canonical JSON without the
 * `version` field, BPMN exactly as uploaded, attachments as stored.
 */
export async function writeDefinitionsFolder(root: string, items: readonly ExportItem[]): Promise<string[]> {
  const written: string[] = [];
  for (const item of [...items].sort((a, b) => fileOf(a.kind, a.key).localeCompare(fileOf(b.kind, b.key)))) {
    const file = fileOf(item.kind, item.key);
    const target = join(root, file);
    await mkdir(join(target, '..'), { recursive: true });
    if (item.kind === 'process') await writeFile(target, String(item.doc.bpmn));
    else {
      const { version: _version, ...doc } = item.doc;
      await writeFile(target, canonicalJson(doc));
    }
    written.push(file);
    for (const [name, bytes] of item.attachments) {
      if (name !== posix.basename(name) || name.startsWith('.')) throw new Error(`attachment name "${name}" would leave its folder`);
      await writeFile(join(target, '..', name), bytes);
      written.push(posix.join(posix.dirname(file), name));
    }
  }
  return written;
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
