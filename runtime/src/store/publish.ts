import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { checkReferences, type DefinitionDocument, hasErrors, type Kind, referencesOf, type SetMember } from '../definitions/index.ts';
import type { DictionaryItem } from '../definitions/kinds/dictionary.ts';
import { DefinitionError, StateError } from '../errors.ts';
import { checkDictionaryRemovals } from '../records/dictionaries.ts';
import { checkNewUniqueness } from '../records/records-backfill.ts';
import { recordAudit } from './audit.ts';
import { documentOf, type Origin, type VersionRow } from './definition-rows.ts';
import { Definition, DefinitionVersion, Release, ReleaseItem, Tenant } from './entities.ts';

export interface PublishRequest {
  /** The drafts to publish; absent = every draft of the tenant. */
  items?: { kind: Kind; key: string }[];
  note?: string;
}
export interface PublishedRelease {
  id: string;
  number: number;
  note: string | null;
  createdAt: Date;
  published: { kind: string; key: string; version: number }[];
  total: number;
}

const id = (kind: string, key: string) => `${kind}:${key}`;

/**
 * Publishes a set of drafts as one release, inside the caller's transaction. The
 * release is a complete snapshot: every definition of the tenant at an exact version,
 * with each item's references pinned to the versions they resolve to. Nothing is
 * written unless every reference in the new snapshot resolves.
 */
export async function publishInTransaction(
  em: EntityManager,
  tenantId: string,
  request: PublishRequest,
  actor: string,
  origin: Origin,
): Promise<PublishedRelease> {
  // One publish at a time per tenant: release numbers stay gap-free and snapshots linear.
  await em.findOneOrFail(Tenant, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const drafts = await em.find(DefinitionVersion, { tenantId, status: 'draft' });
  const wanted = request.items ? new Set(request.items.map((i) => id(i.kind, i.key))) : undefined;
  const chosen = wanted ? drafts.filter((d) => wanted.has(id(d.kind, d.key))) : drafts;
  if (wanted && chosen.length < wanted.size) {
    const found = new Set(chosen.map((d) => id(d.kind, d.key)));
    const missing = [...wanted].filter((w) => !found.has(w));
    throw new StateError('NO_DRAFT', `No draft to publish for: ${missing.join(', ')}`, { missing });
  }
  if (chosen.length === 0) throw new StateError('NOTHING_TO_PUBLISH', 'There are no drafts to publish');

  const previous = await em.findOne(Release, { tenantId }, { orderBy: { number: 'desc' } });
  const snapshot = new Map<string, VersionRow>();
  if (previous) {
    const rows = await em.execute<VersionRow[]>(
      `select v.* from release_item i join definition_version v
          on v.tenant_id = i.tenant_id and v.kind = i.kind and v.key = i.key and v.version = i.version
        where i.tenant_id = ? and i.release_id = ?`,
      [tenantId, previous.id],
    );
    for (const r of rows) snapshot.set(id(r.kind, r.key), em.map(DefinitionVersion, r));
  }
  for (const d of chosen) snapshot.set(id(d.kind, d.key), d);

  const members: SetMember[] = [...snapshot.values()].map((v) => ({ doc: documentOf(v) as unknown as DefinitionDocument, summary: v.summary }));
  const issues = checkReferences(members);
  // Dictionary items tickets or records use may be disabled, never removed.
  for (const d of chosen) {
    if (d.kind === 'dictionary') issues.push(...(await checkDictionaryRemovals(em, tenantId, d.key, (d.body as { items: DictionaryItem[] }).items)));
  }
  if (hasErrors(issues)) throw new DefinitionError(issues, 'The release would leave references unresolved');

  const number = (previous?.number ?? 0) + 1;
  const release = em.create(Release, {
    tenantId,
    id: uuidv7(),
    number,
    note: request.note ?? null,
    originType: origin.type,
    originName: origin.name ?? null,
    originVersion: origin.version ?? null,
    createdBy: actor,
  });
  const byId = new Map(chosen.map((d) => [id(d.kind, d.key), d]));
  const now = new Date();
  for (const d of chosen) {
    d.status = 'published';
    d.releaseId = release.id;
    d.publishedAt = now;
  }
  // Definition head rows: published version moves, the draft pointer clears.
  const heads = await em.find(Definition, { tenantId, $or: chosen.map((d) => ({ kind: d.kind, key: d.key })) });
  for (const h of heads) {
    const d = byId.get(id(h.kind, h.key)) as VersionRow;
    h.publishedVersion = d.version;
    h.draftVersion = null;
  }
  // Insert the versions' new status before release items reference them.
  await em.flush();
  for (const v of snapshot.values()) {
    const pins: Record<string, number> = {};
    for (const ref of referencesOf(documentOf(v) as unknown as DefinitionDocument, v.summary as never)) {
      const target = snapshot.get(id(ref.kind, ref.key));
      if (target) pins[id(ref.kind, ref.key)] = target.version;
    }
    em.create(ReleaseItem, { tenantId, releaseId: release.id, kind: v.kind, key: v.key, version: v.version, changed: byId.has(id(v.kind, v.key)), pins });
  }
  const published = chosen.map((d) => ({ kind: d.kind, key: d.key, version: d.version })).sort((a, b) => id(a.kind, a.key).localeCompare(id(b.kind, b.key)));
  // Uniqueness rules new in this release must already hold for the stored records.
  await em.flush();
  const recordTypes = [...snapshot.values()].filter((v) => v.kind === 'recordType').map((v) => v.key);
  const duplicates = await checkNewUniqueness(em, tenantId, previous?.number ?? null, number, recordTypes);
  if (hasErrors(duplicates)) throw new DefinitionError(duplicates, 'Stored records break a uniqueness rule of this release');
  recordAudit(em, tenantId, {
    actor,
    action: 'release.published',
    subject: `release:${number}`,
    details: { number, note: request.note ?? null, published, origin },
  });
  await em.flush();
  return { id: release.id, number, note: release.note ?? null, createdAt: release.createdAt, published, total: snapshot.size };
}
