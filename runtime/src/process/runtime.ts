import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError, InputError, NotFoundError, StateError } from '../errors.ts';
import { readRows } from '../store/prepared.ts';
import { ProcessCatalog, type TicketTypeRuntime } from './catalog.ts';
import type { Directory, EngineContext, ServiceActionHandler, TicketView } from './context.ts';
import { currentSteps, execute, type Outcome, type StepView } from './engine.ts';
import { migrateState } from './migrate.ts';
import type { TaskAction } from './model.ts';
import { addAudit, Batch, loadTicket, persistOutcome, type TicketRow, viewOf, WAKE_AHEAD_MS } from './persist.ts';
import type { Actor, Command, TaskInput, TimerRow } from './state.ts';

/** How committed work reaches the job queue: called inside the transaction that wrote the rows. */
export interface Wakeups {
  timers(em: EntityManager, tenantId: string, timers: { id: string; dueAt: string }[]): Promise<void>;
  outbox(em: EntityManager, tenantId: string, ids: string[]): Promise<void>;
}

export interface ProcessRuntimeOptions {
  now?: () => Date;
  directory?: Directory;
  actions?: Record<string, ServiceActionHandler>;
  wakeups?: Wakeups;
}

export interface NewTicket {
  type: string;
  creator: string;
  title?: string;
  priority?: string;
  data?: Record<string, unknown>;
  /** The release to start under; the newest when absent. */
  release?: number;
  /** Start at the process's message start event for this message instead of its none start event. */
  message?: string;
  id?: string;
  /** The ticket number, when the caller allocated one (the ticket service does, in the same transaction). */
  number?: string;
}

export interface TicketSnapshot {
  id: string;
  type: string;
  release: number;
  status: string;
  statusCategory: string;
  assignee: string | null;
  version: number;
  processStatus: string;
  data: Record<string, unknown>;
  receipt: Record<string, unknown>;
  components: Record<string, unknown>;
}

export interface ActRequest {
  task: string;
  action: TaskAction;
  actor: Actor;
  input?: TaskInput;
  /** The ticket version the caller saw; a different current version is a conflict. */
  version?: number;
}

export interface MigrationRequest {
  ticketType: string;
  /** The release to move to. */
  to: number;
  /** Only tickets started under this release (default: every older or newer one). */
  from?: number;
  /** Old step id → new step id, for steps renamed or replaced; unnamed steps keep their id. */
  mapping?: Record<string, string>;
  /** Report only. */
  dryRun?: boolean;
  actor: string;
}

export interface MigrationReport {
  to: number;
  migrated: string[];
  refused: { ticket: string; release: number; unmapped: string[] }[];
}

/** Internal outbox kind: a child ticket's process ended, its parent's call activity should hear of it. */
export const CHILD_DONE = 'engine.childDone';
const MAX_CHILD_DEPTH = 5;

/**
 * The process engine on the database: every command is one transaction that reads the
 * ticket and its instance, runs the pure interpreter, and writes the outcome with the
 * ticket's version as the optimistic lock.
 */
export class ProcessRuntime {
  readonly catalog = new ProcessCatalog();
  readonly orm: MikroORM;
  private readonly options: ProcessRuntimeOptions;

  constructor(orm: MikroORM, options: ProcessRuntimeOptions = {}) {
    this.orm = orm;
    this.options = options;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private context(rt: TicketTypeRuntime, ticket: TicketView, now: Date): EngineContext {
    return {
      now,
      ticket,
      steps: rt.steps,
      calendar: (key) => rt.calendars.get(key),
      ...(this.options.directory ? { directory: this.options.directory } : {}),
      ...(this.options.actions ? { actions: this.options.actions } : {}),
    };
  }

  /** Creates a ticket under the newest (or the given) release and starts its process. */
  async createTicket(tenantId: string, input: NewTicket): Promise<TicketSnapshot> {
    return this.orm.em.fork().transactional(async (em) => {
      const release = input.release ?? (await this.latestRelease(em, tenantId));
      return this.createIn(em, tenantId, { ...input, release }, undefined, 0);
    });
  }

  /**
   * Creates a ticket inside the caller's transaction, so the ticket service can validate the
   * form, allocate the number and write its own columns in the same transaction.
   */
  async createTicketIn(em: EntityManager, tenantId: string, input: NewTicket): Promise<TicketSnapshot> {
    const release = input.release ?? (await this.latestRelease(em, tenantId));
    return this.createIn(em, tenantId, { ...input, release }, undefined, 0);
  }

  async latestRelease(em: EntityManager, tenantId: string): Promise<number> {
    const [r] = await readRows<{ number: number }>(em, 'select max(number) as number from release where tenant_id = ?', [tenantId]);
    if (!r?.number) throw new StateError('NO_RELEASE', 'nothing has been published yet: publish the ticket types first');
    return r.number;
  }

  private async createIn(
    em: EntityManager,
    tenantId: string,
    input: NewTicket & { release: number },
    parent: { ticket: string; token?: string } | undefined,
    depth: number,
  ): Promise<TicketSnapshot> {
    if (depth > MAX_CHILD_DEPTH) throw new StateError('CHILD_DEPTH', `child tickets nest deeper than ${MAX_CHILD_DEPTH} levels`);
    const rt = await this.catalog.get(em, tenantId, input.release, input.type);
    const id = input.id ?? uuidv7();
    const now = this.now();
    await em.execute(
      `insert into ticket (tenant_id, id, type_key, release_number, number, title, priority, creator, parent_id, data, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)`,
      [
        tenantId,
        id,
        input.type,
        input.release,
        input.number ?? null,
        input.title ?? null,
        input.priority ?? null,
        input.creator,
        parent?.ticket ?? null,
        JSON.stringify(input.data ?? {}),
        now,
        now,
      ],
    );
    await em.execute(
      `insert into process_instance (tenant_id, ticket_id, process_key, process_version, release_number, status, state, parent_ticket_id, parent_token, started_at)
       values (?, ?, ?, ?, ?, 'running', '{}'::jsonb, ?, ?, ?)`,
      [tenantId, id, rt.processKey, rt.processVersion, input.release, parent?.token ? parent.ticket : null, parent?.token ?? null, now],
    );
    await em.execute(`insert into ticket_participant (tenant_id, ticket_id, user_id, role) values (?, ?, ?, 'registrant')`, [tenantId, id, input.creator]);
    const row = (await loadTicket(em, tenantId, id)) as TicketRow;
    const start: Command = input.message ? { type: 'start', message: input.message } : { type: 'start' };
    // Starting always changes the instance, so apply returns the new ticket.
    return (await this.apply(em, tenantId, row, rt, start, { actor: input.creator, action: 'ticket.create' }, depth)) as TicketSnapshot;
  }

  /**
   * Runs one command on a loaded ticket and writes everything it changed. Outside a transaction
   * the writes are one statement (`docket_step`), so atomic on their own: the ticket's version
   * check makes the read before it safe. A step that creates child tickets or queue jobs opens a
   * transaction, as those are written by further statements.
   */
  private async apply(
    em: EntityManager,
    tenantId: string,
    row: TicketRow,
    rt: TicketTypeRuntime,
    command: Command,
    audit: { actor: string; action: string; task?: string; node?: string },
    depth = 0,
  ): Promise<TicketSnapshot | undefined> {
    const now = this.now();
    const state = row.state && Object.keys(row.state).length > 0 ? row.state : undefined;
    const outcome = execute(rt.model, state, command, this.context(rt, viewOf(row), now));
    if (!outcome.changed) return undefined;
    if (outcome.state.status !== 'running' && row.parent_ticket_id && row.parent_token) {
      // The parent's call activity hears of it through the outbox, after this commits.
      outcome.effects.outbox.push({ kind: CHILD_DONE, payload: { parent: row.parent_ticket_id, token: row.parent_token, child: row.id } });
    }
    const fx = outcome.effects;
    const wakes = this.options.wakeups && (fx.outbox.length > 0 || fx.timers.some((t) => Date.parse(t.dueAt) <= now.getTime() + WAKE_AHEAD_MS));
    if (!em.isInTransaction() && (wakes || fx.children.length > 0)) {
      return em.fork().transactional((tx) => this.write(tx, tenantId, row, rt, outcome, audit, now, depth));
    }
    return this.write(em, tenantId, row, rt, outcome, audit, now, depth);
  }

  private async write(
    em: EntityManager,
    tenantId: string,
    row: TicketRow,
    rt: TicketTypeRuntime,
    outcome: Outcome,
    audit: { actor: string; action: string; task?: string; node?: string },
    now: Date,
    depth: number,
  ): Promise<TicketSnapshot> {
    const written = await persistOutcome(em, tenantId, row, outcome, { ...audit, sensitive: rt.sensitive, now });
    for (const child of outcome.effects.children) {
      await this.createIn(
        em,
        tenantId,
        { type: child.ticketType, creator: row.creator ?? audit.actor, release: row.release_number, data: child.data },
        // Call activities wait for their children (token); tickets made by a service task are only linked.
        child.token ? { ticket: row.id, token: child.token } : { ticket: row.id },
        depth + 1,
      );
    }
    if (this.options.wakeups) {
      if (written.timers.length) await this.options.wakeups.timers(em, tenantId, written.timers);
      if (written.outbox.length) await this.options.wakeups.outbox(em, tenantId, written.outbox);
    }
    return {
      id: row.id,
      type: row.type_key,
      release: row.release_number,
      status: outcome.effects.status?.status ?? row.status,
      statusCategory: outcome.effects.status?.statusCategory ?? row.status_category,
      assignee: outcome.effects.assignee !== undefined ? outcome.effects.assignee : row.assignee,
      version: written.version,
      processStatus: outcome.state.status,
      data: written.view.data,
      receipt: written.view.receipt,
      components: written.view.components,
    };
  }

  private async withTicket<T>(tenantId: string, ticketId: string, fn: (em: EntityManager, row: TicketRow, rt: TicketTypeRuntime) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional((em) => this.loaded(em, tenantId, ticketId, fn));
  }

  private async loaded<T>(
    em: EntityManager,
    tenantId: string,
    ticketId: string,
    fn: (em: EntityManager, row: TicketRow, rt: TicketTypeRuntime) => Promise<T>,
  ): Promise<T> {
    const row = await loadTicket(em, tenantId, ticketId);
    if (!row) throw new NotFoundError(`no ticket ${ticketId}`, { ticket: ticketId });
    const rt = await this.catalog.get(em, tenantId, row.release_number, row.type_key);
    return fn(em, row, rt);
  }

  /** A user action on a task (complete, assign, approve, pause …). */
  async act(tenantId: string, ticketId: string, request: ActRequest): Promise<TicketSnapshot> {
    return (await this.actIn(this.orm.em.fork(), tenantId, ticketId, request)) ?? this.get(tenantId, ticketId);
  }

  /**
   * The same inside the caller's transaction (the ticket service writes the action's
   * participants and events with it). Returns undefined when the action changed nothing.
   */
  actIn(em: EntityManager, tenantId: string, ticketId: string, request: ActRequest): Promise<TicketSnapshot | undefined> {
    return this.loaded(em, tenantId, ticketId, async (em, row, rt) => {
      if (request.version !== undefined && request.version !== row.version) {
        throw new ConflictError('the ticket was changed by someone else; reload it and try again', { version: row.version });
      }
      const task = row.state?.tasks?.[request.task];
      const command: Command = {
        type: 'task',
        task: request.task,
        action: request.action,
        actor: request.actor,
        ...(request.input ? { input: request.input } : {}),
      };
      return this.apply(em, tenantId, row, rt, command, {
        actor: request.actor.id,
        action: `task.${request.action}`,
        task: request.task,
        ...(task ? { node: task.node } : {}),
      });
    });
  }

  /** A message for the ticket's process (a customer replied, an external system called back). */
  async message(tenantId: string, ticketId: string, message: string, actor: string, data?: Record<string, unknown>): Promise<TicketSnapshot> {
    for (const key of Object.keys(data ?? {})) {
      if (!/^data\.[A-Za-z_]\w*$/.test(key)) throw new InputError('BAD_MESSAGE_DATA', `message data may only set data.<field>, not ${key}`, { field: key });
    }
    await this.loaded(this.orm.em.fork(), tenantId, ticketId, (em, row, rt) =>
      this.apply(em, tenantId, row, rt, { type: 'message', message, ...(data ? { data } : {}) }, { actor, action: 'process.message' }),
    );
    return this.get(tenantId, ticketId);
  }

  /**
   * Fires one timer: the row is deleted in the same transaction as the step it causes,
   * so a timer fires once however often it is woken. Returns false when it was gone.
   */
  async fireTimer(tenantId: string, timerId: string): Promise<boolean> {
    return this.orm.em.fork().transactional(async (em) => {
      const [t] = await em.execute<(Omit<TimerRow, 'dueAt' | 'id'> & { timer_key: string; ticket_id: string; due_at: string })[]>(
        'delete from process_timer where tenant_id = ? and id = ? returning timer_key, ticket_id, owner, kind, node, due_at, data',
        [tenantId, timerId],
      );
      if (!t) return false;
      const row = await loadTicket(em, tenantId, t.ticket_id);
      if (!row) return false;
      const rt = await this.catalog.get(em, tenantId, row.release_number, row.type_key);
      const timer: TimerRow = { id: t.timer_key, owner: t.owner, kind: t.kind, node: t.node, dueAt: new Date(t.due_at).toISOString(), data: t.data };
      await this.apply(em, tenantId, row, rt, { type: 'timer', timer }, { actor: 'system', action: `timer.${t.kind}`, node: t.node });
      return true;
    });
  }

  /** Timers due at `now` (a sweep that catches wake-ups the queue lost). */
  async dueTimers(now: Date, limit = 100): Promise<{ tenantId: string; id: string }[]> {
    const rows = await this.orm.em
      .fork()
      .execute<{ tenant_id: string; id: string }[]>('select tenant_id, id from process_timer where due_at <= ? order by due_at limit ?', [now, limit]);
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
  }

  /**
   * Writes the wake-up jobs of timers due before `horizon` that have none yet, marking them
   * woken in the same transaction (so two servers sweeping at once wake each timer once).
   */
  async wakeUpcoming(horizon: Date, limit = 500): Promise<number> {
    const wakeups = this.options.wakeups;
    if (!wakeups) return 0;
    return this.orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<{ tenant_id: string; id: string; due_at: string | Date }[]>(
        `update process_timer set woken_at = ? where (tenant_id, id) in (
           select tenant_id, id from process_timer where woken_at is null and due_at <= ? order by due_at limit ? for update skip locked)
         returning tenant_id, id, due_at`,
        [this.now(), horizon, limit],
      );
      const byTenant = new Map<string, { id: string; dueAt: string }[]>();
      for (const r of rows) {
        const list = byTenant.get(r.tenant_id) ?? [];
        list.push({ id: r.id, dueAt: new Date(r.due_at).toISOString() });
        byTenant.set(r.tenant_id, list);
      }
      for (const [tenantId, timers] of byTenant) await wakeups.timers(em, tenantId, timers);
      return rows.length;
    });
  }

  /** A child ticket's process ended: its parent's call activity counts it. */
  async childDone(tenantId: string, payload: { parent: string; token: string; child: string }): Promise<void> {
    await this.loaded(this.orm.em.fork(), tenantId, payload.parent, (em, row, rt) =>
      this.apply(em, tenantId, row, rt, { type: 'childDone', token: payload.token, child: payload.child }, { actor: 'system', action: 'process.childDone' }),
    );
  }

  /**
   * Moves running instances of a ticket type to another release. Each ticket moves in its own
   * transaction (version-checked); a ticket waiting at a step the new process lacks, with no
   * mapping for it, is refused and listed in the report, untouched.
   */
  async migrateInstances(tenantId: string, request: MigrationRequest): Promise<MigrationReport> {
    const em = this.orm.em.fork();
    const target = await this.catalog.get(em, tenantId, request.to, request.ticketType);
    const rows = await em.execute<{ id: string }[]>(
      `select t.id from ticket t join process_instance p on p.tenant_id = t.tenant_id and p.ticket_id = t.id
        where t.tenant_id = ? and t.type_key = ? and p.status = 'running' and t.release_number <> ? and (?::int is null or t.release_number = ?::int)
        order by t.id`,
      [tenantId, request.ticketType, request.to, request.from ?? null, request.from ?? null],
    );
    const report: MigrationReport = { to: request.to, migrated: [], refused: [] };
    for (const { id } of rows) {
      await this.withTicket(tenantId, id, async (tx, row, rt) => {
        const result = migrateState(row.state as NonNullable<TicketRow['state']>, rt.model, target.model, request.mapping ?? {});
        if (!result.state) {
          report.refused.push({ ticket: id, release: row.release_number, unmapped: result.unmapped });
          return;
        }
        report.migrated.push(id);
        if (request.dryRun) return;
        // The ticket shows the status of its newest open step as the new process names it.
        const shown = Object.values(result.state.tasks).at(-1);
        const moved = await tx.execute(
          'update ticket set release_number = ?, status = coalesce(?, status), status_category = coalesce(?, status_category), version = version + 1 where tenant_id = ? and id = ? and version = ?',
          [request.to, shown?.status ?? null, shown?.statusCategory ?? null, tenantId, id, row.version],
          'run',
        );
        if ((moved as unknown as { affectedRows: number }).affectedRows !== 1)
          throw new ConflictError('the ticket changed during the migration', { ticket: id });
        await tx.execute(
          'update process_instance set state = ?::jsonb, process_key = ?, process_version = ?, release_number = ? where tenant_id = ? and ticket_id = ?',
          [JSON.stringify(result.state), target.processKey, target.processVersion, request.to, tenantId, id],
        );
        for (const task of Object.values(result.state.tasks)) {
          await tx.execute('update task set node = ?, name = ?, status = ? where tenant_id = ? and ticket_id = ? and id = ?', [
            task.node,
            task.name,
            task.status,
            tenantId,
            id,
            task.id,
          ]);
        }
        for (const [old, now] of result.moved) {
          if (old !== now) await tx.execute('update process_timer set node = ? where tenant_id = ? and ticket_id = ? and node = ?', [now, tenantId, id, old]);
        }
        // Timers of boundary events the new process no longer has would fire into nothing.
        const stale = [...rt.model.nodes.values()]
          .filter((n) => n.kind === 'boundary' && !target.model.nodes.has(request.mapping?.[n.id] ?? n.id))
          .map((n) => n.id);
        if (stale.length) {
          await tx.execute('delete from process_timer where tenant_id = ? and ticket_id = ? and node in (select jsonb_array_elements_text(?::jsonb))', [
            tenantId,
            id,
            JSON.stringify(stale),
          ]);
        }
        const audit = new Batch();
        addAudit(audit, tenantId, id, request.actor, 'process.migrate', this.now(), {
          from: row.release_number,
          to: request.to,
          mapping: Object.fromEntries([...result.moved].filter(([a, b]) => a !== b)),
        });
        await audit.run(tx);
      });
    }
    return report;
  }

  async get(tenantId: string, ticketId: string): Promise<TicketSnapshot> {
    const row = await loadTicket(this.orm.em.fork(), tenantId, ticketId);
    if (!row) throw new NotFoundError(`no ticket ${ticketId}`, { ticket: ticketId });
    return {
      id: row.id,
      type: row.type_key,
      release: row.release_number,
      status: row.status,
      statusCategory: row.status_category,
      assignee: row.assignee,
      version: row.version,
      processStatus: row.process_status ?? 'running',
      data: row.data,
      receipt: row.receipt,
      components: row.components,
    };
  }

  /** The ticket's current steps and the actions `actor` may take at each. */
  async steps(tenantId: string, ticketId: string, actor: Actor): Promise<StepView[]> {
    const em = this.orm.em.fork();
    const row = await loadTicket(em, tenantId, ticketId);
    if (!row) throw new NotFoundError(`no ticket ${ticketId}`, { ticket: ticketId });
    if (!row.state?.tasks) return [];
    const rt = await this.catalog.get(em, tenantId, row.release_number, row.type_key);
    return currentSteps(rt.model, row.state, viewOf(row), actor);
  }
}
