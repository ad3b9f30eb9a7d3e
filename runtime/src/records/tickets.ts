import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { ConflictError, DocketError, ForbiddenError, InputError, StateError } from '../errors.ts';
import { currentSteps, type StepView } from '../process/engine.ts';
import { ticketHistory } from '../process/queries.ts';
import type { ProcessRuntime } from '../process/runtime.ts';
import type { FileStore } from '../store/files.ts';
import { scopesFor } from './access.ts';
import { type FileObject, saveFile } from './files/file-objects.ts';
import { allocateNumber, type NumberingRule } from './numbering.ts';
import { scopePredicate } from './scope.ts';
import { TicketActivity } from './ticket-activity.ts';
import { TicketTypeCatalog, type TicketTypeSpec } from './ticket-definitions.ts';
import type { TicketDeps } from './ticket-deps.ts';
import { eraseSensitive, eraseSensitiveIn } from './ticket-erase.ts';
import { linkFormFiles } from './ticket-files.ts';
import { acrossTypes } from './ticket-filters.ts';
import { checkForm, type FieldProblem, throwIfProblems } from './ticket-form.ts';
import { formContext, notEditable, priorityProblems, rolePermissions, systemProblems } from './ticket-input.ts';
import { LIST_COLUMNS, type ListRow, listRows } from './ticket-list.ts';
import { batchIds, type DetailRow, followAssignee, isUuid, loadTicketDetail, loadTicketRow, refreshSearchTokens, tenantTimeZone } from './ticket-rows.ts';
import { type TicketUpdate, updateInTransaction } from './ticket-update.ts';
import { editablePaths, FieldAccess, iso, listItem } from './ticket-view.ts';
import { TicketWork } from './ticket-work.ts';
import type {
  BulkResult,
  NewTicketInput,
  TicketActionInput,
  TicketCaller,
  TicketDetail,
  TicketEvent,
  TicketListItem,
  TicketPage,
  TicketQuery,
  TicketServiceApi,
  TicketUpdateInput,
} from './tickets-api.ts';

export interface TicketServiceOptions {
  now?: () => Date;
  /** Called inside the transaction of every change (webhooks and notifications write their outbox rows here). */
  onEvent?: (em: EntityManager, tenantId: string, event: TicketEvent) => Promise<void>;
  /** Largest loose attachment in bytes (attachment fields set their own limit); default 50 MB. */
  maxUploadBytes?: number;
}

/** Types without a numbering rule still get a readable, gap-free number per day. */
const DEFAULT_NUMBERING: NumberingRule = { pattern: '{yyyyMMdd}{seq:4}', sequenceScope: ['ticketType', 'day'] };

/**
 * The ticket service: every read and write of tickets goes through here, authorized by the
 * caller's TicketAccess (data scopes and field permissions) and validated against the
 * ticket type its ticket was created under.
 */
export class TicketService implements TicketServiceApi {
  readonly orm: MikroORM;
  readonly runtime: ProcessRuntime;
  readonly types = new TicketTypeCatalog();
  private readonly deps: TicketDeps;
  private readonly activity: TicketActivity;
  readonly work: TicketWork;

  constructor(orm: MikroORM, runtime: ProcessRuntime, files: FileStore, options: TicketServiceOptions = {}) {
    this.orm = orm;
    this.runtime = runtime;
    const now = () => options.now?.() ?? new Date();
    this.deps = {
      orm,
      files,
      types: this.types,
      now,
      maxUploadBytes: options.maxUploadBytes ?? 50 * 1024 * 1024,
      emit: async (em, tenantId, event) => {
        await options.onEvent?.(em, tenantId, { ...event, at: now().toISOString() });
      },
    };
    this.activity = new TicketActivity(this.deps);
    this.work = new TicketWork(this.deps);
  }

  private now(): Date {
    return this.deps.now();
  }

  private emit(em: EntityManager, tenantId: string, event: Omit<TicketEvent, 'at'>): Promise<void> {
    return this.deps.emit(em, tenantId, event);
  }

  comment(tenantId: string, caller: TicketCaller, id: string, input: { body: string; visibility: 'internal' | 'public' }) {
    return this.activity.comment(tenantId, caller, id, input);
  }

  comments(tenantId: string, caller: TicketCaller, id: string) {
    return this.activity.comments(tenantId, caller, id);
  }

  commentsOfMany(tenantId: string, caller: TicketCaller, ids: string[]) {
    return this.activity.commentsOfMany(tenantId, caller, ids);
  }

  /**
   * A file uploaded before the form that names it is saved (POST /api/files): only its uploader
   * may then put it in an attachment or signature field, which links it to the ticket.
   */
  async upload(tenantId: string, caller: TicketCaller, file: { filename: string; contentType: string; bytes: Buffer }): Promise<FileObject> {
    if (!caller.access.canCreate && !caller.access.canUpdate) throw new ForbiddenError('you may not upload files');
    return this.orm.em
      .fork()
      .transactional((em) => saveFile(em, this.deps.files, tenantId, { ...file, uploadedBy: caller.actor.id }, { maxBytes: this.deps.maxUploadBytes }));
  }

  attach(tenantId: string, caller: TicketCaller, id: string, file: { filename: string; contentType: string; bytes: Buffer; field?: string }) {
    return this.activity.attach(tenantId, caller, id, file);
  }

  download(tenantId: string, caller: TicketCaller, id: string, attachmentId: string) {
    return this.activity.download(tenantId, caller, id, attachmentId);
  }

  /** Clears sensitive field values on a customer's tickets (a data subject's erase request); audit keeps only masks. */
  /** With `em`: inside the caller's transaction (the erase route erases the record in the same one). */
  eraseSensitive(tenantId: string, actor: string, target: { customerId: string }, em?: EntityManager): Promise<{ tickets: number }> {
    return em ? eraseSensitiveIn(this.deps, em, tenantId, actor, target) : eraseSensitive(this.deps, tenantId, actor, target);
  }

  async create(tenantId: string, caller: TicketCaller, input: NewTicketInput): Promise<TicketDetail> {
    if (!caller.access.canCreate) throw new ForbiddenError('you may not create tickets');
    const id = await this.orm.em.fork().transactional(async (em) => {
      const release = await this.runtime.latestRelease(em, tenantId);
      const spec = await this.creatableType(em, tenantId, release, caller, input.type);
      const now = this.now();
      const timeZone = await tenantTimeZone(em, tenantId);
      const form = checkForm(spec, {
        target: 'data',
        mode: 'create',
        values: input.data ?? {},
        components: input.components ?? {},
        rolePermissions: rolePermissions(spec, caller),
        context: formContext(caller, { type: spec.key }),
        timeZone,
        now,
      });
      throwIfProblems([...systemProblems(input), ...priorityProblems(spec, input.priority), ...form.problems]);
      const { values: data, components } = form;
      const team = input.team ?? caller.actor.teams?.[0] ?? caller.access.teams[0] ?? null;
      const orgUnit = input.orgUnit ?? caller.actor.orgUnits?.[0] ?? caller.access.orgUnits[0] ?? null;
      const number = await allocateNumber(em, tenantId, spec.type.numbering ?? DEFAULT_NUMBERING, {
        subject: spec.key,
        orgUnit,
        timeZone,
        now,
      });
      // Serial-number fields are the server's to fill, each with its own gap-free counter.
      for (const f of spec.fields) {
        if (f.type !== 'serialNumber' || typeof f.props.pattern !== 'string') continue;
        data[f.key] = await allocateNumber(em, tenantId, { pattern: f.props.pattern }, { subject: `${spec.key}.${f.key}`, orgUnit, timeZone, now });
      }
      const titleValue = spec.type.titleField ? data[spec.type.titleField] : undefined;
      const title = input.title ?? (typeof titleValue === 'string' ? titleValue : undefined);
      const snapshot = await this.runtime.createTicketIn(em, tenantId, {
        type: spec.key,
        creator: caller.actor.id,
        release,
        number,
        data,
        ...(title ? { title } : {}),
        ...(input.priority ? { priority: input.priority } : {}),
      });
      // Start events may already have written components (setFields); theirs win over the submitted rows.
      await em.execute(
        `update ticket set description = ?, customer_id = ?::uuid, product_id = ?::uuid, team = ?, org_unit = ?, channel = ?, parent_id = coalesce(parent_id, ?::uuid),
                components = ?::jsonb || components where tenant_id = ? and id = ?`,
        [
          input.description ?? null,
          input.customerId ?? null,
          input.productId ?? null,
          team,
          orgUnit,
          input.channel ?? null,
          await this.parentId(em, tenantId, input.parentId),
          JSON.stringify(components),
          tenantId,
          snapshot.id,
        ],
      );
      await linkFormFiles(em, tenantId, snapshot.id, spec.fields, data, caller.actor.id);
      await refreshSearchTokens(em, tenantId, snapshot.id);
      await this.emit(em, tenantId, { type: 'ticket.created', ticketId: snapshot.id, ticketType: spec.key, number, actor: caller.actor.id, details: {} });
      return snapshot.id;
    });
    return this.detail(tenantId, caller, id, false);
  }

  private async creatableType(em: EntityManager, tenantId: string, release: number, caller: TicketCaller, type: string): Promise<TicketTypeSpec> {
    const unknown = () =>
      new InputError('UNKNOWN_TICKET_TYPE', `there is no ticket type "${type}" you may create`, {
        errors: [{ field: 'type', pointer: '/type', code: 'UNKNOWN_TICKET_TYPE', message: `there is no ticket type "${type}"` }],
      });
    if (typeof type !== 'string' || scopesFor(caller.access, type).length === 0) throw unknown();
    const spec = (await this.types.release(em, tenantId, release)).get(type);
    if (!spec || (caller.portal && !spec.type.portal?.enabled)) throw unknown();
    return spec;
  }

  private async parentId(em: EntityManager, tenantId: string, parentId: string | undefined): Promise<string | null> {
    if (parentId === undefined) return null;
    const [row] = isUuid(parentId) ? await em.execute('select id from ticket where tenant_id = ? and id = ?', [tenantId, parentId]) : [];
    if (!row)
      throw new InputError('VALIDATION_FAILED', `parentId ${parentId} is not a ticket`, {
        errors: [{ field: 'parentId', pointer: '/parentId', code: 'FIELD_INVALID', message: 'parentId is not a ticket' }],
      });
    return parentId;
  }

  get(tenantId: string, caller: TicketCaller, id: string): Promise<TicketDetail> {
    return this.detail(tenantId, caller, id, true);
  }

  /** The detail view; `scoped` false only for the writer's read-back of what it just wrote. */
  protected async detail(tenantId: string, caller: TicketCaller, id: string, scoped: boolean): Promise<TicketDetail> {
    const em = this.orm.em.fork();
    const row = await loadTicketDetail(em, tenantId, scoped ? caller.access : null, id);
    const { access, steps, model } = await this.stepsOf(em, tenantId, caller, row);
    return {
      ...listItem(row, access),
      release: row.release_number,
      version: row.version,
      description: row.description,
      productId: row.product_id,
      parentId: row.parent_id,
      children: row.children,
      channel: row.channel,
      processStatus: row.process_status ?? 'running',
      receipt: access.receipt(row.receipt ?? {}),
      components: access.components(row.components ?? {}),
      participants: row.participants.map((p) => ({ userId: p.user_id, role: p.role as TicketDetail['participants'][number]['role'] })),
      rating: row.rating === null ? null : Number(row.rating),
      closedAt: iso(row.closed_at),
      steps,
      editable: editablePaths(access, row.status_category, steps, model),
    };
  }

  /** The current steps for the caller, and field access with those steps' hidden fields. */
  protected async stepsOf(em: EntityManager, tenantId: string, caller: TicketCaller, row: DetailRow) {
    const spec = await this.types.get(em, tenantId, row.release_number, row.type_key);
    const rt = await this.runtime.catalog.get(em, tenantId, row.release_number, row.type_key);
    const view = {
      id: row.id,
      type: row.type_key,
      ...(row.number ? { number: row.number } : {}),
      ...(row.creator ? { creator: row.creator } : {}),
      assignee: row.assignee,
      data: row.data,
      receipt: row.receipt,
      components: row.components,
    };
    const steps: StepView[] = row.state?.tasks ? currentSteps(rt.model, row.state, view, caller.actor) : [];
    const hidden = steps.flatMap((s) => rt.model.nodes.get(s.node)?.task?.fields.hidden ?? []);
    return { spec, access: new FieldAccess(spec, caller, hidden), steps, model: rt.model };
  }

  async getMany(tenantId: string, caller: TicketCaller, ids: string[]): Promise<TicketListItem[]> {
    const wanted = batchIds(ids);
    if (wanted.length === 0) return [];
    const em = this.orm.em.fork();
    const scope = scopePredicate(caller.access);
    const rows = await em.execute<ListRow[]>(
      `select ${LIST_COLUMNS} from ticket t where t.tenant_id = ? and t.id in (select jsonb_array_elements_text(?::jsonb)::uuid) and ${scope.sql}`,
      [tenantId, JSON.stringify(wanted), ...scope.params],
    );
    return this.items(em, tenantId, caller, rows);
  }

  async list(tenantId: string, caller: TicketCaller, query: TicketQuery): Promise<TicketPage> {
    const em = this.orm.em.fork();
    let spec: TicketTypeSpec | undefined;
    const usesData = [...(query.filters ?? []).map((f) => f.field), query.sort?.field].some((f) => typeof f === 'string' && f.startsWith('data.'));
    if (query.type !== undefined || usesData) {
      const release = caller.release ?? (await this.runtime.latestRelease(em, tenantId));
      const types = await this.types.release(em, tenantId, release);
      if (query.type !== undefined) {
        spec = types.get(query.type);
        if (!spec) throw new InputError('BAD_FILTER', `there is no ticket type "${query.type}"`, { field: 'type' });
      } else spec = acrossTypes([...types.values()].filter((t) => !caller.access.hiddenTypes.includes(t.key)));
    }
    const { rows, nextCursor } = await listRows(em, tenantId, caller, query, spec, this.now());
    return { items: await this.items(em, tenantId, caller, rows), nextCursor };
  }

  private async items(em: EntityManager, tenantId: string, caller: TicketCaller, rows: ListRow[]): Promise<TicketListItem[]> {
    const out: TicketListItem[] = [];
    for (const row of rows) out.push(listItem(row, new FieldAccess(await this.types.get(em, tenantId, row.release_number, row.type_key), caller)));
    return out;
  }

  async update(tenantId: string, caller: TicketCaller, id: string, input: TicketUpdateInput): Promise<TicketDetail> {
    if (!caller.access.canUpdate || caller.portal) throw new ForbiddenError('you may not change tickets');
    if (!Number.isInteger(input.version))
      throw new InputError('VALIDATION_FAILED', 'version is required', {
        errors: [{ field: 'version', pointer: '/version', code: 'FIELD_REQUIRED', message: 'version is required' }],
      });
    await this.orm.em.fork().transactional(async (em) => {
      const row = await loadTicketRow(em, tenantId, caller.access, id, true);
      if (row.version !== input.version) {
        throw new ConflictError('the ticket was changed by someone else; reload it and try again', { version: row.version });
      }
      const { spec, access, steps, model } = await this.stepsOf(em, tenantId, caller, row);
      const change: TicketUpdate = {
        row,
        spec,
        editable: new Set(editablePaths(access, row.status_category, steps, model)),
        caller,
        input,
        now: this.now(),
        timeZone: await tenantTimeZone(em, tenantId),
      };
      const changed = await updateInTransaction(em, tenantId, change);
      if (changed.length) {
        await this.emit(em, tenantId, {
          type: 'ticket.updated',
          ticketId: id,
          ticketType: row.type_key,
          number: row.number,
          actor: caller.actor.id,
          details: { fields: changed },
        });
      }
    });
    return this.detail(tenantId, caller, id, true);
  }

  async act(tenantId: string, caller: TicketCaller, id: string, input: TicketActionInput): Promise<TicketDetail> {
    const em = this.orm.em.fork();
    const row = await loadTicketRow(em, tenantId, caller.access, id);
    const { spec, access } = await this.stepsOf(em, tenantId, caller, row);
    const values = input.input?.values ?? {};
    const paths = Object.keys(values);
    const byRoot = (root: string) => Object.fromEntries(paths.filter((p) => p.startsWith(`${root}.`)).map((p) => [p.slice(root.length + 1), values[p]]));
    const common = { mode: 'update' as const, rolePermissions: rolePermissions(spec, caller), timeZone: await tenantTimeZone(em, tenantId), now: this.now() };
    const ticket = { id: row.id, type: row.type_key, ...(row.number ? { number: row.number } : {}) };
    const found: FieldProblem[] = [];
    if (paths.some((p) => p.startsWith('data.') || p.startsWith('components.'))) {
      found.push(
        ...checkForm(spec, {
          ...common,
          target: 'data',
          values: byRoot('data'),
          stored: row.data,
          components: byRoot('components'),
          storedComponents: row.components,
          context: formContext(caller, ticket, { receipt: row.receipt }),
        }).problems,
      );
    }
    if (paths.some((p) => p.startsWith('receipt.'))) {
      found.push(
        ...checkForm(spec, {
          ...common,
          target: 'receipt',
          values: byRoot('receipt'),
          stored: row.receipt,
          context: formContext(caller, ticket, { data: row.data }),
        }).problems,
      );
    }
    // Only what this action sends is judged here; what the step requires is the engine's to check.
    const sent = paths.map((p) => `/${p.split('.').join('/')}`);
    throwIfProblems([
      ...notEditable(paths.filter((p) => !access.writable(p))),
      ...found.filter((f) => sent.some((s) => f.pointer === s || f.pointer.startsWith(`${s}/`))),
    ]);
    const titleField = spec.type.titleField;
    // The step, its acceptor and its event commit together or not at all.
    await this.orm.em.fork().transactional(async (tx) => {
      await this.runtime.actIn(tx, tenantId, id, {
        task: input.task,
        action: input.action,
        actor: caller.actor,
        ...(input.input ? { input: input.input } : {}),
        ...(input.version !== undefined ? { version: input.version } : {}),
      });
      await followAssignee(tx, tenantId, id, row.assignee);
      if (input.action === 'accept') {
        await tx.execute(`insert into ticket_participant (tenant_id, ticket_id, user_id, role) values (?, ?, ?, 'acceptor') on conflict do nothing`, [
          tenantId,
          id,
          caller.actor.id,
        ]);
      }
      if (titleField && `data.${titleField}` in values && typeof values[`data.${titleField}`] === 'string') {
        await tx.execute('update ticket set title = ? where tenant_id = ? and id = ?', [values[`data.${titleField}`], tenantId, id]);
        await refreshSearchTokens(tx, tenantId, id);
      }
      await this.emit(tx, tenantId, {
        type: 'ticket.action',
        ticketId: id,
        ticketType: row.type_key,
        number: row.number,
        actor: caller.actor.id,
        details: { action: input.action, task: input.task, fields: paths },
      });
    });
    return this.detail(tenantId, caller, id, false);
  }

  async bulkAssign(tenantId: string, caller: TicketCaller, ids: string[], assignee: string): Promise<BulkResult[]> {
    if (typeof assignee !== 'string' || assignee.trim() === '')
      throw new InputError('VALIDATION_FAILED', 'assignee is required', {
        errors: [{ field: 'assignee', pointer: '/assignee', code: 'FIELD_REQUIRED', message: 'assignee is required' }],
      });
    if (ids.length > 500)
      throw new InputError('VALIDATION_FAILED', 'at most 500 tickets at once', {
        errors: [{ field: 'ids', pointer: '/ids', code: 'FIELD_RANGE', message: 'at most 500 tickets at once' }],
      });
    const results: BulkResult[] = [];
    for (const id of [...new Set(ids)]) {
      try {
        const em = this.orm.em.fork();
        const row = await loadTicketRow(em, tenantId, caller.access, id);
        const { steps } = await this.stepsOf(em, tenantId, caller, row);
        const step = steps.find((s) => s.actions.includes('assign')) ?? steps.find((s) => s.actions.includes('transfer'));
        if (!step) throw new StateError('NOT_ASSIGNABLE', 'no current step of this ticket can be assigned by you');
        const action = step.actions.includes('assign') ? 'assign' : 'transfer';
        await this.act(tenantId, caller, id, { task: step.task, action, input: { to: assignee } });
        results.push({ id, ok: true });
      } catch (e) {
        if (!(e instanceof DocketError)) throw e;
        results.push({ id, ok: false, code: e.code, message: e.message });
      }
    }
    return results;
  }

  async history(tenantId: string, caller: TicketCaller, id: string): Promise<unknown[]> {
    const em = this.orm.em.fork();
    const row = await loadTicketRow(em, tenantId, caller.access, id);
    const { access } = await this.stepsOf(em, tenantId, caller, row);
    const entries = await ticketHistory(em, tenantId, id);
    return entries.map((e) => ({ ...e, changes: e.changes.map((c) => access.change(c)).filter((c) => c !== undefined) }));
  }
}
