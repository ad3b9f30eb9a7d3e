import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { AuditEvent } from './entities.ts';

export interface AuditInput {
  actor: string;
  action: string;
  subject?: string;
  details?: Record<string, unknown>;
}

/** Appends an audit event inside the caller's transaction (the table rejects updates and deletes). */
export function recordAudit(em: EntityManager, tenantId: string, event: AuditInput): void {
  em.create(AuditEvent, { tenantId, id: uuidv7(), actor: event.actor, action: event.action, subject: event.subject ?? null, details: event.details ?? {} });
}

export async function listAudit(em: EntityManager, tenantId: string, filter: { subject?: string; limit?: number } = {}) {
  return em.find(AuditEvent, { tenantId, ...(filter.subject ? { subject: filter.subject } : {}) }, { orderBy: { id: 'desc' }, limit: filter.limit ?? 100 });
}
