import { defineEntity, p } from '@mikro-orm/core';

/**
 * Tables of the foundation. Every business row carries tenant_id, and it leads every
 * primary, unique and foreign key (the shape partitioning and Citus need). Entities are
 * scalar on purpose: foreign keys are composite and declared in the migration.
 */
export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: p.uuid().primary(),
    slug: p.string().columnType('text').unique(),
    name: p.string().columnType('text'),
    timeZone: p.string().columnType('text').default('Asia/Shanghai'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export const Definition = defineEntity({
  name: 'Definition',
  tableName: 'definition',
  properties: {
    tenantId: p.uuid().primary(),
    kind: p.string().columnType('text').primary(),
    key: p.string().columnType('text').primary(),
    latestVersion: p.integer(),
    publishedVersion: p.integer().nullable(),
    draftVersion: p.integer().nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type OriginType = 'core' | 'plugin' | 'admin';
export interface AttachmentRef {
  sha256: string;
  size: number;
}

export const DefinitionVersion = defineEntity({
  name: 'DefinitionVersion',
  tableName: 'definition_version',
  properties: {
    tenantId: p.uuid().primary(),
    kind: p.string().columnType('text').primary(),
    key: p.string().columnType('text').primary(),
    version: p.integer().primary(),
    status: p.string().columnType('text').$type<'draft' | 'published'>(),
    /** The document as validated (processes: without the XML, which is `source`). */
    body: p.json<Record<string, unknown>>(),
    /** BPMN XML exactly as uploaded. */
    source: p.text().nullable(),
    attachments: p.json<Record<string, AttachmentRef>>(),
    summary: p.json<Record<string, unknown>>(),
    contentHash: p.string().columnType('text'),
    originType: p.string().columnType('text').$type<OriginType>(),
    originName: p.string().columnType('text').nullable(),
    originVersion: p.string().columnType('text').nullable(),
    derivedFrom: p.integer().nullable(),
    releaseId: p.uuid().nullable(),
    createdBy: p.string().columnType('text').nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
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
    originType: p.string().columnType('text').$type<OriginType>(),
    originName: p.string().columnType('text').nullable(),
    originVersion: p.string().columnType('text').nullable(),
    createdBy: p.string().columnType('text').nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export const ReleaseItem = defineEntity({
  name: 'ReleaseItem',
  tableName: 'release_item',
  properties: {
    tenantId: p.uuid().primary(),
    releaseId: p.uuid().primary(),
    kind: p.string().columnType('text').primary(),
    key: p.string().columnType('text').primary(),
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
    at: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    actor: p.string().columnType('text'),
    action: p.string().columnType('text'),
    subject: p.string().columnType('text').nullable(),
    details: p.json<Record<string, unknown>>(),
  },
});

export const ENTITIES = [Tenant, Definition, DefinitionVersion, Release, ReleaseItem, AuditEvent];
