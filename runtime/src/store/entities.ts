import { defineEntity, p } from '@mikro-orm/core';

export type OriginType = 'core' | 'plugin' | 'admin';

/**
 * Tables of the foundation. Every business row carries tenant_id, and it leads every
 * primary, unique and foreign key (the shape partitioning and Citus need). Entities are
 * scalar on purpose: foreign keys are composite and declared in the migration.
 */
const text = () => p.string().columnType('text');
const createdAt = () =>
  p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date());
const updatedAt = () =>
  p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date())
    .onUpdate(() => new Date());
/** Where a definition version or release came from: core, a plugin (name + version) or an admin. */
const originColumns = () => ({
  originType: text().$type<OriginType>(),
  originName: text().nullable(),
  originVersion: text().nullable(),
});

export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: p.uuid().primary(),
    slug: text().unique(),
    name: text(),
    timeZone: text().default('Asia/Shanghai'),
    createdAt: createdAt(),
  },
});

export const Definition = defineEntity({
  name: 'Definition',
  tableName: 'definition',
  properties: {
    tenantId: p.uuid().primary(),
    kind: text().primary(),
    key: text().primary(),
    latestVersion: p.integer(),
    publishedVersion: p.integer().nullable(),
    draftVersion: p.integer().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});

export interface AttachmentRef {
  sha256: string;
  size: number;
}

export const DefinitionVersion = defineEntity({
  name: 'DefinitionVersion',
  tableName: 'definition_version',
  properties: {
    tenantId: p.uuid().primary(),
    kind: text().primary(),
    key: text().primary(),
    version: p.integer().primary(),
    status: text().$type<'draft' | 'published'>(),
    /** The document as validated (processes: without the XML, which is `source`). */
    body: p.json<Record<string, unknown>>(),
    /** BPMN XML exactly as uploaded. */
    source: p.text().nullable(),
    attachments: p.json<Record<string, AttachmentRef>>(),
    summary: p.json<Record<string, unknown>>(),
    contentHash: text(),
    ...originColumns(),
    derivedFrom: p.integer().nullable(),
    releaseId: p.uuid().nullable(),
    createdBy: text().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    publishedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export const Release = defineEntity({
  name: 'Release',
  tableName: 'release',
  properties: {
    tenantId: p.uuid().primary(),
    id: p.uuid().primary(),
    number: p.integer(),
    note: p.text().nullable(),
    ...originColumns(),
    createdBy: text().nullable(),
    createdAt: createdAt(),
  },
});

export const ReleaseItem = defineEntity({
  name: 'ReleaseItem',
  tableName: 'release_item',
  properties: {
    tenantId: p.uuid().primary(),
    releaseId: p.uuid().primary(),
    kind: text().primary(),
    key: text().primary(),
    version: p.integer(),
    /** Whether this release published the version (false: carried over from the previous release). */
    changed: p.boolean(),
    /** "kind:key" → the exact version each reference of this item resolves to in this release. */
    pins: p.json<Record<string, number>>(),
  },
});

export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    tenantId: p.uuid().primary(),
    id: p.uuid().primary(),
    at: createdAt(),
    actor: text(),
    action: text(),
    subject: text().nullable(),
    details: p.json<Record<string, unknown>>(),
  },
});

export const ENTITIES = [Tenant, Definition, DefinitionVersion, Release, ReleaseItem, AuditEvent];
