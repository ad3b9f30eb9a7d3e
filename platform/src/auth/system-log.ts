import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';

/** Security-relevant events: who signed in, who changed whose permissions, what was published. */
export interface SystemLogEntry {
  action: string;
  /** The user who acted (null: the system or an unknown caller). */
  actorId?: string | null;
  /** Email of the acting user, or 'system'. */
  actor: string;
  subject?: string;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface SystemLogRow {
  id: string;
  at: string;
  actorId: string | null;
  actor: string;
  action: string;
  subject: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Appends one row; the table refuses UPDATE and DELETE (docket_append_only trigger). */
export async function appendSystemLog(em: EntityManager, tenantId: string, e: SystemLogEntry): Promise<void> {
  await em.execute('insert into system_log (tenant_id, id, actor_id, actor, action, subject, ip, details) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb)', [
    tenantId,
    uuidv7(),
    e.actorId ?? null,
    e.actor,
    e.action,
    e.subject ?? null,
    e.ip ?? null,
    JSON.stringify(e.details ?? {}),
  ]);
}

export interface SystemLogQuery {
  /** Exact action, or a prefix ending in '.' ("login." matches login.ok, login.failed…). */
  action?: string;
  subject?: string;
  /** Rows older than this id (the previous page's last id). */
  before?: string;
  limit?: number;
}

export async function listSystemLog(em: EntityManager, tenantId: string, q: SystemLogQuery = {}): Promise<SystemLogRow[]> {
  const where = ['tenant_id = ?'];
  const params: unknown[] = [tenantId];
  if (q.action?.endsWith('.')) {
    where.push('left(action, length(?)) = ?');
    params.push(q.action, q.action);
  } else if (q.action) {
    where.push('action = ?');
    params.push(q.action);
  }
  if (q.subject) {
    where.push('subject = ?');
    params.push(q.subject);
  }
  if (q.before) {
    where.push('id < ?::uuid');
    params.push(q.before);
  }
  params.push(q.limit ?? 100);
  const rows = await em.execute<Record<string, unknown>[]>(
    `select id, at, actor_id, actor, action, subject, ip, details from system_log where ${where.join(' and ')} order by id desc limit ?`,
    params,
  );
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at as string).toISOString(),
    actorId: (r.actor_id as string | null) ?? null,
    actor: r.actor as string,
    action: r.action as string,
    subject: (r.subject as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    details: (r.details as Record<string, unknown>) ?? {},
  }));
}
