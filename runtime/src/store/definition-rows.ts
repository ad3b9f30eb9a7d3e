import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DefinitionDocument, DefinitionLookup, DefinitionSummary, Kind } from '../definitions/index.ts';
import { canonicalJson, sha256 } from '../definitions/index.ts';
import type { AttachmentRef, Definition, DefinitionVersion, OriginType } from './entities.ts';

export type DefinitionRow = InferEntity<typeof Definition>;
export type VersionRow = InferEntity<typeof DefinitionVersion>;

export interface Origin {
  type: OriginType;
  name?: string;
  version?: string;
}

/** What is stored for a document: processes keep their XML apart, byte-for-byte. */
export function storedForm(doc: DefinitionDocument): { body: Record<string, unknown>; source: string | null } {
  const { version: _v, ...rest } = doc as DefinitionDocument & { version?: number };
  if (rest.kind === 'process') {
    const { bpmn, ...body } = rest as typeof rest & { bpmn: string };
    return { body, source: bpmn };
  }
  return { body: rest as Record<string, unknown>, source: null };
}

/** The document as an author wrote it (processes with their `bpmn`). */
export function documentOf(row: VersionRow): Record<string, unknown> {
  return row.source === null || row.source === undefined ? row.body : { ...row.body, bpmn: row.source };
}

export function contentHash(body: Record<string, unknown>, source: string | null, attachments: Record<string, AttachmentRef>): string {
  return sha256(canonicalJson({ body, source, attachments }));
}

/** A DefinitionLookup over a map keyed "kind\0key". */
export function mapLookup(map: Map<string, DefinitionSummary>): DefinitionLookup {
  return { get: (kind: Kind, key: string) => map.get(`${kind}\u0000${key}`) };
}

/** The latest version (draft or published) of every definition of a tenant, as summaries. */
export async function currentSummaries(em: EntityManager, tenantId: string): Promise<Map<string, DefinitionSummary>> {
  const rows = await em.execute<{ kind: string; key: string; summary: DefinitionSummary }[]>(
    `select v.kind, v.key, v.summary from definition d
       join definition_version v on v.tenant_id = d.tenant_id and v.kind = d.kind and v.key = d.key and v.version = d.latest_version
      where d.tenant_id = ?`,
    [tenantId],
  );
  return new Map(rows.map((r) => [`${r.kind}\u0000${r.key}`, r.summary]));
}
