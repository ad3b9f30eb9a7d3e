import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { createTwoFilesPatch } from 'diff';
import diffObjects from 'microdiff';
import {
  checkReferences,
  type DefinitionDocument,
  type DefinitionIssue,
  type ExportItem,
  fileOf,
  hasErrors,
  issue,
  type Kind,
  pointer,
  validateDefinitionsFolder,
  validateDocument,
} from '../definitions/index.ts';
import { ConflictError, DefinitionError, NotFoundError } from '../errors.ts';
import { recordAudit } from './audit.ts';
import { contentHash, currentSummaries, documentOf, mapLookup, type Origin, storedForm, type VersionRow } from './definition-rows.ts';
import type { AttachmentRef } from './entities.ts';
import { Definition, DefinitionVersion, Release, ReleaseItem } from './entities.ts';
import type { FileStore } from './files.ts';
import { type PublishedRelease, type PublishRequest, publishInTransaction } from './publish.ts';

export interface DraftInput {
  doc: unknown;
  /** Binary files the document names (report templates), by file name. */
  attachments?: Map<string, Buffer>;
}
export interface SavedDraft {
  kind: Kind;
  key: string;
  version: number;
  status: 'draft' | 'published';
  /** False when the content equals the current version (nothing was written). */
  changed: boolean;
  /** True when a new version number was assigned (false: the existing draft was updated, or nothing changed). */
  created: boolean;
  warnings: DefinitionIssue[];
}
export interface Actor {
  actor: string;
  origin: Origin;
}
export interface DiffChange {
  op: 'add' | 'remove' | 'replace';
  pointer: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Definitions of one tenant at a time: drafts are edited freely, publishing takes a
 * set of drafts as one release, published versions never change. Every method takes
 * the tenant; nothing here reads across tenants.
 */
export class DefinitionStore {
  private readonly orm: MikroORM;
  private readonly files: FileStore;
  constructor(orm: MikroORM, files: FileStore) {
    this.orm = orm;
    this.files = files;
  }

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /** Creates or updates the draft of one definition (references are checked as warnings until publish). */
  async saveDraft(tenantId: string, input: DraftInput, by: Actor): Promise<SavedDraft> {
    const checked = await validateDocument(input.doc);
    if (!checked.doc || hasErrors(checked.issues)) throw new DefinitionError(checked.issues);
    const doc = checked.doc;
    const em = this.em();
    const outside = await currentSummaries(em, tenantId);
    const warnings = [...checked.issues, ...checkReferences([{ doc, summary: checked.summary }], mapLookup(outside), 'warning')];
    const stored = await this.storeAttachments(doc, input.attachments);
    return em.transactional(async (tx) => {
      const saved = await this.saveInTransaction(tx, tenantId, { doc, summary: (checked.summary ?? {}) as Record<string, unknown>, attachments: stored }, by);
      return { ...saved, warnings };
    });
  }

  /** Puts named binaries in the file store; a report template must come with its file (or keep its current one). */
  private async storeAttachments(doc: DefinitionDocument, given: Map<string, Buffer> | undefined): Promise<Record<string, AttachmentRef> | undefined> {
    const named = (doc as { file?: string }).file;
    if (named === undefined) return {};
    const bytes = given?.get(named);
    if (!bytes) return undefined; // resolved against the current version inside the transaction
    return { [named]: await this.files.put(bytes) };
  }

  private async saveInTransaction(
    em: EntityManager,
    tenantId: string,
    input: { doc: DefinitionDocument; summary: Record<string, unknown>; attachments: Record<string, AttachmentRef> | undefined },
    by: Actor,
    /** Told before a pending draft with different content is overwritten (the caller may throw, or roll back later). */
    beforeReplacingDraft?: (draft: VersionRow) => void,
  ): Promise<Omit<SavedDraft, 'warnings'>> {
    const { doc } = input;
    const kind = doc.kind;
    const key = doc.key;
    const head = await em.findOne(Definition, { tenantId, kind, key }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const current = head ? await em.findOneOrFail(DefinitionVersion, { tenantId, kind, key, version: head.latestVersion }) : undefined;
    const given = (doc as { version?: number }).version;
    if (given !== undefined && given !== (current?.version ?? 0)) {
      throw new ConflictError(`${kind} "${key}" changed since version ${given}`, {
        issues: [issue({ code: 'DEF_VERSION_MISMATCH', pointer: '/version', kind, key, params: { given, current: current?.version ?? 0 } })],
      });
    }
    let attachments = input.attachments;
    if (attachments === undefined) {
      const named = (doc as { file?: string }).file as string;
      const kept = current?.attachments[named];
      if (!kept) throw new DefinitionError([issue({ code: 'DEF_MISSING_FILE', pointer: '/file', kind, key, params: { name: named } })]);
      attachments = { [named]: kept };
    }
    const { body, source } = storedForm(doc);
    const hash = contentHash(body, source, attachments);
    const origin = { originType: by.origin.type, originName: by.origin.name ?? null, originVersion: by.origin.version ?? null };
    if (current && current.contentHash === hash) return { kind, key, version: current.version, status: current.status, changed: false, created: false };
    if (current && current.status === 'draft') {
      beforeReplacingDraft?.(current);
      Object.assign(current, { body, source, attachments, summary: input.summary, contentHash: hash, ...origin, createdBy: by.actor });
      recordAudit(em, tenantId, {
        actor: by.actor,
        action: 'definition.draft.updated',
        subject: `definition:${kind}:${key}`,
        details: { version: current.version, origin: by.origin },
      });
      await em.flush();
      return { kind, key, version: current.version, status: 'draft', changed: true, created: false };
    }
    const version = (head?.latestVersion ?? 0) + 1;
    em.create(DefinitionVersion, {
      tenantId,
      kind,
      key,
      version,
      status: 'draft',
      body,
      source,
      attachments,
      summary: input.summary,
      contentHash: hash,
      ...origin,
      derivedFrom: head?.publishedVersion ?? null,
      releaseId: null,
      createdBy: by.actor,
      publishedAt: null,
    });
    if (head) {
      head.latestVersion = version;
      head.draftVersion = version;
    } else em.create(Definition, { tenantId, kind, key, latestVersion: version, draftVersion: version, publishedVersion: null });
    recordAudit(em, tenantId, {
      actor: by.actor,
      action: 'definition.draft.created',
      subject: `definition:${kind}:${key}`,
      details: { version, origin: by.origin },
    });
    // The head row must exist before the version that references it.
    await em.flush();
    return { kind, key, version, status: 'draft', changed: true, created: true };
  }

  /** `alongside` writes in the same transaction (the system log line of who published), so both commit or neither. */
  async publish(
    tenantId: string,
    request: PublishRequest,
    by: Actor,
    alongside?: (em: EntityManager, release: PublishedRelease) => Promise<void>,
  ): Promise<PublishedRelease> {
    return this.em().transactional(async (tx) => {
      const release = await publishInTransaction(tx, tenantId, request, by.actor, by.origin);
      await alongside?.(tx, release);
      return release;
    });
  }

  /**
   * Imports a definitions folder all-or-nothing: everything is validated first (a bad
   * 50th file leaves nothing written), then saved as drafts and, unless `publish` is
   * false, published as one release, in one transaction.
   */
  async importFolder(tenantId: string, dir: string, by: Actor & { publish?: boolean; note?: string; replaceDrafts?: boolean }) {
    const em = this.em();
    const result = await validateDefinitionsFolder(dir, mapLookup(await currentSummaries(em, tenantId)));
    if (hasErrors(result.issues)) throw new DefinitionError(result.issues, `Folder ${dir} is not valid`);
    const stored = await Promise.all(result.members.map((m) => this.storeAttachments(m.doc, m.attachments)));
    return em.transactional(async (tx) => {
      const saved: Omit<SavedDraft, 'warnings'>[] = [];
      // A pending draft is someone's unpublished work: an import does not overwrite it unless told to.
      const pending: string[] = [];
      const guard = by.replaceDrafts ? undefined : (d: VersionRow) => void pending.push(`${d.kind}:${d.key} (draft version ${d.version})`);
      for (const [i, m] of result.members.entries()) {
        saved.push(
          await this.saveInTransaction(tx, tenantId, { doc: m.doc, summary: (m.summary ?? {}) as Record<string, unknown>, attachments: stored[i] }, by, guard),
        );
      }
      if (pending.length > 0) {
        throw new ConflictError(
          `The folder would overwrite unpublished drafts: ${pending.join(', ')}. Publish or discard them, or import with --replace-drafts.`,
          { drafts: pending },
          'DRAFT_EXISTS',
        );
      }
      const drafts = saved.filter((s) => s.status === 'draft');
      const release =
        by.publish === false || drafts.length === 0
          ? undefined
          : await publishInTransaction(tx, tenantId, { items: drafts.map((d) => ({ kind: d.kind, key: d.key })), note: by.note }, by.actor, by.origin);
      return { saved, release, warnings: result.issues };
    });
  }

  async list(tenantId: string, filter: { kind?: Kind } = {}) {
    const em = this.em();
    const heads = await em.find(Definition, { tenantId, ...(filter.kind ? { kind: filter.kind } : {}) }, { orderBy: { kind: 'asc', key: 'asc' } });
    if (heads.length === 0) return [];
    const latest = await em.find(DefinitionVersion, { tenantId, $or: heads.map((h) => ({ kind: h.kind, key: h.key, version: h.latestVersion })) });
    const byId = new Map(latest.map((v) => [`${v.kind}:${v.key}`, v]));
    return heads.map((h) => {
      const v = byId.get(`${h.kind}:${h.key}`) as VersionRow;
      return {
        kind: h.kind,
        key: h.key,
        name: displayName(v),
        latestVersion: h.latestVersion,
        publishedVersion: h.publishedVersion ?? null,
        draftVersion: h.draftVersion ?? null,
        origin: { type: v.originType, name: v.originName ?? null, version: v.originVersion ?? null },
        updatedAt: h.updatedAt,
      };
    });
  }

  async versions(tenantId: string, kind: Kind, key: string) {
    const rows = await this.em().find(DefinitionVersion, { tenantId, kind, key }, { orderBy: { version: 'desc' } });
    if (rows.length === 0) throw new NotFoundError(`No ${kind} "${key}"`, { kind, key });
    return rows.map((v) => ({
      version: v.version,
      status: v.status,
      contentHash: v.contentHash,
      derivedFrom: v.derivedFrom ?? null,
      createdBy: v.createdBy ?? null,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
      publishedAt: v.publishedAt ?? null,
      origin: { type: v.originType, name: v.originName ?? null, version: v.originVersion ?? null },
    }));
  }

  async getVersion(tenantId: string, kind: Kind, key: string, version?: number): Promise<VersionRow> {
    const em = this.em();
    let v = version;
    if (v === undefined) {
      const head = await em.findOne(Definition, { tenantId, kind, key });
      v = head?.latestVersion;
    }
    const row = v === undefined ? null : await em.findOne(DefinitionVersion, { tenantId, kind, key, version: v });
    if (!row) throw new NotFoundError(`No ${kind} "${key}"${version ? ` version ${version}` : ''}`, { kind, key, version });
    return row;
  }

  /** What changed between two versions: JSON changes by pointer, and a unified text diff for BPMN. */
  async diff(tenantId: string, kind: Kind, key: string, from: number, to: number) {
    const [a, b] = await Promise.all([this.getVersion(tenantId, kind, key, from), this.getVersion(tenantId, kind, key, to)]);
    const changes: DiffChange[] = diffObjects(a.body, b.body).map((d) => {
      const at = pointer(...(d.path as (string | number)[]));
      if (d.type === 'CREATE') return { op: 'add', pointer: at, after: d.value };
      if (d.type === 'REMOVE') return { op: 'remove', pointer: at, before: d.oldValue };
      return { op: 'replace', pointer: at, before: d.oldValue, after: d.value };
    });
    for (const name of new Set([...Object.keys(a.attachments), ...Object.keys(b.attachments)])) {
      if (a.attachments[name]?.sha256 !== b.attachments[name]?.sha256) {
        changes.push({
          op: a.attachments[name] ? (b.attachments[name] ? 'replace' : 'remove') : 'add',
          pointer: `/attachments${pointer(name)}`,
          before: a.attachments[name],
          after: b.attachments[name],
        });
      }
    }
    changes.sort((x, y) => (x.pointer < y.pointer ? -1 : x.pointer > y.pointer ? 1 : 0));
    const file = fileOf(kind, key);
    const text = a.source !== b.source ? createTwoFilesPatch(`${file}@${from}`, `${file}@${to}`, a.source ?? '', b.source ?? '') : undefined;
    return { kind, key, from, to, changes, ...(text !== undefined ? { text } : {}) };
  }

  async releases(tenantId: string) {
    const em = this.em();
    const rows = await em.find(Release, { tenantId }, { orderBy: { number: 'desc' } });
    const counts = await em.execute<{ release_id: string; total: string; changed: string }[]>(
      'select release_id, count(*) as total, count(*) filter (where changed) as changed from release_item where tenant_id = ? group by release_id',
      [tenantId],
    );
    const byId = new Map(counts.map((c) => [c.release_id, c]));
    return rows.map((r) => ({
      id: r.id,
      number: r.number,
      note: r.note ?? null,
      createdAt: r.createdAt,
      createdBy: r.createdBy ?? null,
      origin: { type: r.originType, name: r.originName ?? null, version: r.originVersion ?? null },
      total: Number(byId.get(r.id)?.total ?? 0),
      changed: Number(byId.get(r.id)?.changed ?? 0),
    }));
  }

  async getRelease(tenantId: string, number?: number) {
    const em = this.em();
    const release =
      number === undefined ? await em.findOne(Release, { tenantId }, { orderBy: { number: 'desc' } }) : await em.findOne(Release, { tenantId, number });
    if (!release) throw new NotFoundError(number === undefined ? 'No release has been published yet' : `No release ${number}`, { number });
    const items = await em.find(ReleaseItem, { tenantId, releaseId: release.id }, { orderBy: { kind: 'asc', key: 'asc' } });
    return { release, items };
  }

  /** The definitions of a release, ready to write as a folder. */
  async exportRelease(tenantId: string, number?: number): Promise<{ number: number; items: ExportItem[] }> {
    const { release, items } = await this.getRelease(tenantId, number);
    const em = this.em();
    const versions =
      items.length === 0 ? [] : await em.find(DefinitionVersion, { tenantId, $or: items.map((i) => ({ kind: i.kind, key: i.key, version: i.version })) });
    const out: ExportItem[] = [];
    for (const v of versions) {
      const attachments = new Map<string, Buffer>();
      for (const [name, ref] of Object.entries(v.attachments)) attachments.set(name, await this.files.get(ref.sha256));
      out.push({ kind: v.kind as Kind, key: v.key, doc: documentOf(v), attachments });
    }
    return { number: release.number, items: out };
  }

  /**
   * Throws away the draft of a definition. The published version (if any) becomes current
   * again and the next draft reuses the discarded number; a never-published definition
   * disappears entirely.
   */
  async discardDraft(tenantId: string, kind: Kind, key: string, by: Actor): Promise<{ kind: Kind; key: string; discarded: number; current: number | null }> {
    return this.em().transactional(async (em) => {
      const head = await em.findOne(Definition, { tenantId, kind, key }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!head?.draftVersion) throw new NotFoundError(`${kind} "${key}" has no draft`, { kind, key });
      const discarded = head.draftVersion;
      await em.nativeDelete(DefinitionVersion, { tenantId, kind, key, version: discarded, status: 'draft' });
      if (head.publishedVersion) {
        head.latestVersion = head.publishedVersion;
        head.draftVersion = null;
      } else em.remove(head);
      recordAudit(em, tenantId, {
        actor: by.actor,
        action: 'definition.draft.discarded',
        subject: `definition:${kind}:${key}`,
        details: { version: discarded, origin: by.origin },
      });
      await em.flush();
      return { kind, key, discarded, current: head.publishedVersion ?? null };
    });
  }
}

/** A definition's name as a locale map; a process's name comes from BPMN (one string, undetermined locale "und"). */
function displayName(v: VersionRow): Record<string, string> | null {
  const name = v.body.name as Record<string, string> | undefined;
  if (name) return name;
  const bpmnName = (v.summary.process as { name?: string } | undefined)?.name;
  return bpmnName ? { und: bpmnName } : null;
}
