import type { EntityManager } from '@mikro-orm/postgresql';
import { type Actor, actorTokens } from './state.ts';

export interface TaskListItem {
  ticketId: string;
  task: string;
  node: string;
  name: string;
  status: string;
  state: 'open' | 'paused';
  assignee: string | null;
  candidates: string[];
  dueAt: string | null;
  createdAt: string;
  /** Why the user sees it: assigned to them, they may claim it, or they collaborate. */
  relation: 'assigned' | 'candidate' | 'collaborating';
}

interface TaskQueryRow {
  ticket_id: string;
  id: string;
  node: string;
  name: string;
  status: string;
  state: 'open' | 'paused';
  assignee: string | null;
  candidates: string[];
  collaborators: string[];
  due_at: string | Date | null;
  created_at: string | Date;
}

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

/**
 * Open tasks a user should see: assigned to them, unassigned with a candidate group they
 * belong to, or collaborating. `overdue` keeps those past their deadline at `now`.
 */
export async function tasksFor(
  em: EntityManager,
  tenantId: string,
  actor: Actor,
  options: { relation?: TaskListItem['relation']; overdueAt?: Date; limit?: number } = {},
): Promise<TaskListItem[]> {
  const tokens = JSON.stringify(actorTokens(actor));
  const rows = await em.execute<TaskQueryRow[]>(
    `with me as (select array(select jsonb_array_elements_text(?::jsonb)) as tokens)
     select t.ticket_id, t.id, t.node, t.name, t.status, t.state, t.assignee, t.candidates, t.collaborators, t.due_at, t.created_at
       from task t, me
      where t.tenant_id = ? and t.state <> 'done'
        and (t.assignee = ? or (t.assignee is null and (t.candidates && me.tokens or (t.pool and cardinality(t.candidates) = 0))) or ? = any (t.collaborators))
        and (?::timestamptz is null or (t.state = 'open' and t.due_at < ?::timestamptz))
      order by t.due_at nulls last, t.created_at
      limit ?`,
    [tokens, tenantId, actor.id, actor.id, options.overdueAt ?? null, options.overdueAt ?? null, options.limit ?? 200],
  );
  const items = rows.map(
    (r): TaskListItem => ({
      ticketId: r.ticket_id,
      task: r.id,
      node: r.node,
      name: r.name,
      status: r.status,
      state: r.state,
      assignee: r.assignee,
      candidates: r.candidates,
      dueAt: iso(r.due_at),
      createdAt: iso(r.created_at) as string,
      relation: r.assignee === actor.id ? 'assigned' : r.collaborators.includes(actor.id) ? 'collaborating' : 'candidate',
    }),
  );
  return options.relation ? items.filter((i) => i.relation === options.relation) : items;
}

/** Every open task past its deadline in the tenant (paused steps are not overdue). */
export async function overdueTasks(em: EntityManager, tenantId: string, now: Date, limit = 500) {
  const rows = await em.execute<TaskQueryRow[]>(
    `select ticket_id, id, node, name, status, state, assignee, candidates, collaborators, due_at, created_at
       from task where tenant_id = ? and state = 'open' and due_at < ? order by due_at limit ?`,
    [tenantId, now, limit],
  );
  return rows.map((r) => ({ ticketId: r.ticket_id, task: r.id, node: r.node, name: r.name, assignee: r.assignee, dueAt: iso(r.due_at) as string }));
}

export interface HistoryEntry {
  at: string;
  actor: string;
  action: string;
  step?: string;
  task?: string;
  changes: { field: string; before: unknown; after: unknown }[];
  events: { type: string; node?: string; task?: string; detail?: Record<string, unknown> }[];
}

/** The ticket's history, oldest first, from the audit log. */
export async function ticketHistory(em: EntityManager, tenantId: string, ticketId: string): Promise<HistoryEntry[]> {
  const rows = await em.execute<{ at: string | Date; actor: string; action: string; details: Record<string, unknown> }[]>(
    `select at, actor, action, details from audit_event where tenant_id = ? and subject = ? order by id`,
    [tenantId, `ticket:${ticketId}`],
  );
  return rows.map((r) => ({
    at: iso(r.at) as string,
    actor: r.actor,
    action: r.action,
    ...(r.details.step ? { step: r.details.step as string } : {}),
    ...(r.details.task ? { task: r.details.task as string } : {}),
    changes: (r.details.changes as HistoryEntry['changes']) ?? [],
    events: (r.details.events as HistoryEntry['events']) ?? [],
  }));
}
