import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError } from '../errors.ts';
import { type TicketView, writePath } from './context.ts';
import type { Outcome } from './engine.ts';
import type { TaskState } from './state.ts';

/** A ticket row joined with its process instance, as commands read it. */
export interface TicketRow {
  id: string;
  type_key: string;
  release_number: number;
  number: string | null;
  title: string | null;
  status: string;
  status_category: string;
  priority: string | null;
  assignee: string | null;
  creator: string | null;
  parent_id: string | null;
  data: Record<string, unknown>;
  receipt: Record<string, unknown>;
  components: Record<string, unknown>;
  version: number;
  state: Outcome['state'] | null;
  process_status: string | null;
  parent_ticket_id: string | null;
  parent_token: string | null;
}

/**
 * A string as an SQL literal, as libpq's PQescapeLiteral writes it. MikroORM's inlining does
 * the same one character at a time, which for a step's few KB of JSON cost ~0.1 ms of Node CPU.
 */
const literal = (s: string): string => (s.includes('\\') ? ` E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${s.replaceAll("'", "''")}'`);

/**
 * Runs the engine's hot statements, their values already inlined. Outside a transaction they go
 * straight to the pg pool as simple queries (one message each, as the embedded database needs),
 * skipping MikroORM's and Kysely's layers.
 */
async function run<T>(em: EntityManager, query: string): Promise<T[]> {
  if (em.isInTransaction()) return em.execute<T[]>(query, []);
  const pool = await (em.getConnection() as unknown as { getNativeClient(): Promise<{ query(q: string): Promise<{ rows: T[] }> }> }).getNativeClient();
  return (await pool.query(query)).rows;
}

export async function loadTicket(em: EntityManager, tenantId: string, ticketId: string): Promise<TicketRow | undefined> {
  const [tenant, ticket] = [literal(tenantId), literal(ticketId)];
  const [row] = await run<TicketRow>(em, `select * from docket_ticket_load(${tenant}, ${ticket})`);
  return row;
}

export const viewOf = (row: TicketRow): TicketView => ({
  id: row.id,
  type: row.type_key,
  ...(row.number ? { number: row.number } : {}),
  ...(row.creator ? { creator: row.creator } : {}),
  assignee: row.assignee,
  ...(row.priority ? { priority: row.priority } : {}),
  data: row.data,
  receipt: row.receipt,
  components: row.components,
});

export interface Change {
  field: string;
  before: unknown;
  after: unknown;
}

const MASK = '****';

/** One step's writes as `docket_step(jsonb)` takes them; an absent key means unchanged or none. */
export interface StepWrite {
  tenant: string;
  ticket: string;
  /** The version the command read: another one is a conflict (DKCON). */
  version: number;
  now: string;
  data?: Record<string, unknown>;
  receipt?: Record<string, unknown>;
  components?: Record<string, unknown>;
  status?: string;
  statusCategory?: string;
  /** Present (null included): the ticket's assignee is set to it. */
  assignee?: string | null;
  closing?: true;
  state: Outcome['state'];
  processStatus: string;
  ended?: true;
  tasks?: ReturnType<typeof taskRow>[];
  cancelTimers?: string[];
  timers?: { id: string; timer_key: string; owner: string; kind: string; node: string; due_at: string; data: unknown; woken_at: string | null }[];
  /** The assignee changed: other assignee participant rows go. */
  replaceAssignee?: true;
  participants?: { user_id: string; role: string }[];
  outbox?: { id: string; kind: string; payload: Record<string, unknown> }[];
  auditId: string;
  actor: string;
  action: string;
  audit: Record<string, unknown>;
}

/** Writes one command's outcome: ticket (version-checked), instance, tasks, timers, people, outbox, audit. */
export async function persistOutcome(
  em: EntityManager,
  tenantId: string,
  row: TicketRow,
  outcome: Outcome,
  audit: { actor: string; action: string; task?: string; node?: string; sensitive: Set<string>; now: Date },
): Promise<{ version: number; timers: { id: string; dueAt: string }[]; outbox: string[]; view: TicketView }> {
  const fx = outcome.effects;
  const view = viewOf(row);
  const next: TicketView = { ...view, data: { ...view.data }, receipt: { ...view.receipt }, components: { ...view.components } };
  const changes: Change[] = [];
  for (const [path, value] of Object.entries(fx.values)) {
    const [root, key] = path.split('.') as ['data' | 'receipt' | 'components', string];
    const before = view[root][key];
    writePath(next, path, value);
    if (JSON.stringify(before) !== JSON.stringify(value)) {
      const masked = audit.sensitive.has(path);
      changes.push({ field: path, before: masked && before !== undefined ? MASK : (before ?? null), after: masked ? MASK : value });
    }
  }
  const assigneeChanged = fx.assignee !== undefined && fx.assignee !== row.assignee;
  if (assigneeChanged) changes.push({ field: 'assignee', before: row.assignee, after: fx.assignee });
  if (fx.status && fx.status.status !== row.status) changes.push({ field: 'status', before: row.status, after: fx.status.status });
  const ended = outcome.state.status !== 'running';
  const closing = ended || fx.status?.statusCategory === 'closed' || fx.status?.statusCategory === 'cancelled';
  // Only the JSON columns a command changed are rewritten: most actions change none.
  const roots = new Set(Object.keys(fx.values).map((p) => p.split('.')[0]));
  const now = audit.now.toISOString();
  const timers = timerRows(outcome, audit.now);
  const outbox = fx.outbox.map((i) => ({ id: uuidv7(), kind: i.kind, payload: i.payload }));
  const tasks = taskRows(outcome, now);
  const write: StepWrite = {
    tenant: tenantId,
    ticket: row.id,
    version: row.version,
    now,
    ...(roots.has('data') ? { data: next.data } : {}),
    ...(roots.has('receipt') ? { receipt: next.receipt } : {}),
    ...(roots.has('components') ? { components: next.components } : {}),
    ...(fx.status ? { status: fx.status.status, statusCategory: fx.status.statusCategory } : {}),
    ...(fx.assignee !== undefined ? { assignee: fx.assignee } : {}),
    ...(closing ? { closing: true } : {}),
    state: outcome.state,
    processStatus: outcome.state.status,
    ...(ended ? { ended: true } : {}),
    ...(tasks.length ? { tasks } : {}),
    ...(fx.cancelTimers.length ? { cancelTimers: [...new Set(fx.cancelTimers)] } : {}),
    ...(timers.length ? { timers } : {}),
    ...(assigneeChanged ? { replaceAssignee: true } : {}),
    ...(fx.participants.length ? { participants: fx.participants.map((p) => ({ user_id: p.user, role: p.role })) } : {}),
    ...(outbox.length ? { outbox } : {}),
    auditId: uuidv7(),
    actor: audit.actor,
    action: audit.action,
    audit: {
      ...(audit.node ? { step: audit.node } : {}),
      ...(audit.task ? { task: audit.task } : {}),
      changes,
      events: fx.events.map((e) => ({
        type: e.type,
        ...(e.node ? { node: e.node } : {}),
        ...(e.task ? { task: e.task } : {}),
        ...(e.detail ? { detail: e.detail } : {}),
      })),
    },
  };
  await runStep(em, write);
  return {
    version: row.version + 1,
    timers: timers.filter((t) => t.woken_at !== null).map((t) => ({ id: t.id, dueAt: t.due_at })),
    outbox: outbox.map((o) => o.id),
    view: next,
  };
}

/**
 * One statement: outside a transaction it is its own (atomic) transaction. A DKCON from the
 * version check, raised before anything is written, is the caller's conflict.
 */
async function runStep(em: EntityManager, write: StepWrite): Promise<void> {
  const json = JSON.stringify(write);
  try {
    await run(em, `select docket_step(${literal(json)}::jsonb)`);
  } catch (e) {
    throw asConflict(e);
  }
}

const asConflict = (e: unknown): unknown =>
  (e as { code?: string }).code === 'DKCON'
    ? new ConflictError('the ticket was changed by someone else; reload it and try again', { detail: (e as Error).message })
    : e;

/** Appends the ticket's audit event (subject `ticket:<id>`, read back by ticketHistory). */
export function addAudit(batch: Batch, tenantId: string, ticketId: string, actor: string, action: string, at: Date, details: Record<string, unknown>): void {
  batch.add('insert into audit_event (tenant_id, id, at, actor, action, subject, details) values (?, ?, ?, ?, ?, ?, ?::jsonb)', [
    tenantId,
    uuidv7(),
    at,
    actor,
    action,
    `ticket:${ticketId}`,
    JSON.stringify(details),
  ]);
}

/**
 * Statements sent in one round trip. MikroORM inlines (and escapes) the parameters, so the
 * joined text runs as one multi-statement query inside the caller's transaction.
 */
export class Batch {
  private readonly sql: string[] = [];
  private readonly params: unknown[] = [];

  add(sql: string, params: unknown[]): void {
    this.sql.push(sql);
    this.params.push(...params);
  }

  async run(em: EntityManager): Promise<void> {
    if (this.sql.length === 0) return;
    try {
      await em.execute(this.sql.join(';\n'), this.params, 'run');
    } catch (e) {
      throw asConflict(e);
    }
  }
}

function taskRow(task: TaskState, state: 'open' | 'paused' | 'done', outcome?: string, endedAt?: string) {
  return {
    id: task.id,
    node: task.node,
    name: task.name,
    status: task.status,
    state,
    outcome: outcome ?? null,
    assignee: task.assignee ?? null,
    candidates: task.candidates,
    collaborators: task.collaborators,
    pool: task.pool,
    due_at: task.dueAt ?? null,
    created_at: task.createdAt,
    ended_at: endedAt ?? null,
  };
}

/** The task rows a command created, changed or finished (the task table mirrors the instance's tasks). */
function taskRows(outcome: Outcome, now: string): ReturnType<typeof taskRow>[] {
  const rows = [];
  for (const id of outcome.effects.tasksTouched) {
    const open = outcome.state.tasks[id];
    if (open) rows.push(taskRow(open, open.pausedAt ? 'paused' : 'open'));
    const ended = outcome.effects.tasksEnded.get(id);
    if (ended && !open) rows.push(taskRow(ended.task, 'done', ended.outcome, now));
  }
  return rows;
}

/** Timer rows to insert; those due soon get their wake-up job now (woken_at set), the rest are woken by the sweep when they come near. */
function timerRows(outcome: Outcome, now: Date): NonNullable<StepWrite['timers']> {
  const soon = now.getTime() + WAKE_AHEAD_MS;
  return outcome.effects.timers.map((t) => ({
    id: uuidv7(),
    timer_key: t.id,
    owner: t.owner,
    kind: t.kind,
    node: t.node,
    due_at: t.dueAt,
    data: t.data,
    woken_at: Date.parse(t.dueAt) <= soon ? now.toISOString() : null,
  }));
}

/**
 * How far ahead a timer gets its pg-boss wake-up job. Nearer timers are woken by the step
 * that schedules them; later ones by the periodic sweep (`ProcessRuntime.wakeUpcoming`), so
 * the many reminders whose step ends first never cost a job.
 */
export const WAKE_AHEAD_MS = 120_000;
