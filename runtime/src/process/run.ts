import type { RulesLogic } from 'json-logic-js';
import { StateError } from '../errors.ts';
import { type BusinessCalendar, WALL_CLOCK } from './calendar.ts';
import { type EngineContext, evaluate, writePath } from './context.ts';
import { type NodeDef, type ProcessModel, reachable, type StatusCategory } from './model.ts';
import type { Effects, EngineEvent, InstanceState, Scope, TaskState, TimerRow, Token } from './state.ts';

/**
 * One command's worth of token movement: run-to-completion over a mutable copy of the
 * instance state, collecting effects. User-task behaviour lives in tasks.ts, which
 * plugs in through `hooks`, so this file only knows the BPMN execution semantics.
 */
export interface RunHooks {
  createTask(run: Run, token: Token, node: NodeDef): void;
  cancelTask(run: Run, task: TaskState, outcome: string): void;
}

export class Run {
  readonly fx: Effects = {
    events: [],
    timers: [],
    cancelTimers: [],
    outbox: [],
    children: [],
    values: {},
    participants: [],
    tasksTouched: new Set(),
    tasksEnded: new Map(),
  };
  private readonly ready: string[] = [];
  private readonly nowIso: string;
  /** The task whose status `fx.status` shows, when a task set it. */
  private statusTask: string | undefined;
  readonly model: ProcessModel;
  readonly state: InstanceState;
  readonly ctx: EngineContext;
  readonly hooks: RunHooks;

  constructor(model: ProcessModel, state: InstanceState, ctx: EngineContext, hooks: RunHooks) {
    this.model = model;
    this.state = state;
    this.ctx = ctx;
    this.hooks = hooks;
    this.nowIso = ctx.now.toISOString();
  }

  get now(): string {
    return this.nowIso;
  }

  id(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}${this.state.seq}`;
  }

  node(id: string): NodeDef {
    const n = this.model.nodes.get(id);
    if (!n) throw new StateError('UNKNOWN_NODE', `the process has no element ${id}`, { node: id });
    return n;
  }

  event(e: EngineEvent): void {
    this.fx.events.push(e);
  }

  clock(calendar: string | undefined): BusinessCalendar {
    return (calendar && this.ctx.calendar?.(calendar)) || WALL_CLOCK;
  }

  setStatus(status: string, statusCategory: StatusCategory, task?: string): void {
    this.fx.status = { status, statusCategory };
    this.statusTask = task;
  }

  /** When a step ended and nothing newer set a status, the ticket shows the newest step still open (parallel branches). */
  settleStatus(): void {
    if (this.state.status !== 'running' || this.fx.tasksEnded.size === 0) return;
    if (this.fx.status && !(this.statusTask && this.fx.tasksEnded.has(this.statusTask))) return;
    const open = Object.values(this.state.tasks).at(-1);
    if (open) this.setStatus(open.status, open.statusCategory, open.id);
  }

  setValue(path: string, value: unknown): void {
    if (!writePath(this.ctx.ticket, path, value)) throw new StateError('BAD_TARGET', `cannot write ${path}`, { path });
    this.fx.values[path] = value;
  }

  /** The rule context for conditions evaluated by `token`: ticket data plus loop variables. */
  ruleData(token: Token | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const t = this.ctx.ticket;
    const last = this.state.done[this.state.done.length - 1];
    return {
      data: t.data,
      receipt: t.receipt,
      components: t.components,
      ticket: { id: t.id, type: t.type, number: t.number, creator: t.creator, assignee: t.assignee, priority: t.priority },
      step: last ? { id: last.node, outcome: last.outcome, assignee: last.assignee } : {},
      now: this.nowIso,
      ...(token ? this.varsOf(token) : {}),
      ...extra,
    };
  }

  varsOf(token: Token): Record<string, unknown> {
    if (token.item) {
      const scope = this.state.scopes[token.item.scope];
      const node = scope ? this.model.nodes.get(scope.node) : undefined;
      const item = scope?.multi?.items[token.item.index];
      return { loopCounter: token.item.index, [node?.multi?.elementVariable ?? 'item']: item };
    }
    const scope = this.state.scopes[token.scope];
    const owner = scope?.kind === 'sub' && scope.owner ? this.state.tokens[scope.owner] : undefined;
    return owner ? this.varsOf(owner) : {};
  }

  test(logic: RulesLogic | undefined, token: Token | undefined, extra?: Record<string, unknown>): boolean {
    return logic === undefined ? true : Boolean(evaluate(logic, this.ruleData(token, extra)));
  }

  schedule(owner: string, kind: TimerRow['kind'], node: string, dueAt: Date, data: Record<string, unknown> = {}): void {
    this.fx.timers.push({ id: this.id('m'), owner, kind, node, dueAt: dueAt.toISOString(), data });
  }

  /** Drops the timers of a task or token: those scheduled in this run, and (by the store) those already saved. */
  cancelTimersOf(owner: string): void {
    this.fx.cancelTimers.push(owner);
    if (this.fx.timers.some((t) => t.owner === owner)) this.fx.timers = this.fx.timers.filter((t) => t.owner !== owner);
  }

  // ---- tokens --------------------------------------------------------------

  spawn(node: string, scope: string, extra: Partial<Token> = {}): Token {
    const token: Token = { id: this.id('t'), node, scope, ...extra };
    this.state.tokens[token.id] = token;
    this.ready.push(token.id);
    return token;
  }

  /** Queues a token that was moved by hand (return to step). */
  requeue(token: Token): void {
    this.ready.push(token.id);
  }

  /** Runs every ready token until each waits or ends. */
  drain(): void {
    for (;;) {
      while (this.ready.length > 0) {
        const token = this.state.tokens[this.ready.shift() as string];
        if (token) this.arrive(token);
      }
      if (!this.fireInclusiveJoins()) break;
    }
  }

  private arrive(token: Token): void {
    const node = this.node(token.node);
    switch (node.kind) {
      case 'start':
      case 'boundary':
        return this.leave(token, node);
      case 'end':
        return this.end(token, node);
      case 'userTask':
      case 'serviceTask':
      case 'ruleTask':
      case 'subProcess':
      case 'callActivity':
        return this.enterActivity(token, node);
      case 'exclusive':
      case 'inclusive':
      case 'parallel':
        return this.gateway(token, node);
      case 'eventBased':
        return this.eventGateway(token, node);
      case 'timerCatch':
        token.wait = { kind: 'timer' };
        this.schedule(token.id, 'catch', node.id, this.timerDue(node));
        return;
      case 'messageCatch':
        token.wait = { kind: 'message', message: node.message as string };
        return;
    }
  }

  timerDue(node: NodeDef): Date {
    const t = node.timer;
    if (t?.date) return new Date(t.date);
    return new Date(this.ctx.now.getTime() + (t?.duration ?? 0));
  }

  /** Moves a token along one flow and queues it. */
  move(token: Token, flowId: string): void {
    const flow = this.model.flows.get(flowId);
    if (!flow) throw new StateError('UNKNOWN_FLOW', `no sequence flow ${flowId}`);
    token.node = flow.target;
    token.via = flowId;
    delete token.wait;
    this.ready.push(token.id);
  }

  /** Leaves a node by its outgoing flows: conditional ones when true, the default when none is. */
  leave(token: Token, node: NodeDef, exclusive = false): void {
    const taken: string[] = [];
    for (const f of node.outgoing) {
      if (f === node.defaultFlow) continue;
      // A parallel gateway ignores conditions (BPMN): skipping a branch would leave its join waiting forever.
      if (node.kind === 'parallel' || this.test(this.model.flows.get(f)?.condition, token)) {
        taken.push(f);
        if (exclusive) break;
      }
    }
    if (taken.length === 0 && node.defaultFlow) taken.push(node.defaultFlow);
    if (taken.length === 0) {
      if (node.outgoing.length === 0) return this.consume(token);
      throw new StateError('NO_OUTGOING_FLOW', `no condition leaving ${node.name ?? node.id} holds and it has no default flow`, { node: node.id });
    }
    const [first, ...rest] = taken as [string, ...string[]];
    // Queue the branches in flow order, so parallel steps open (and list) in the order the diagram draws them.
    this.move(token, first);
    for (const f of rest) this.move(this.spawnAt(token), f);
  }

  private spawnAt(like: Token): Token {
    const t: Token = { id: this.id('t'), node: like.node, scope: like.scope };
    if (like.item) t.item = like.item;
    this.state.tokens[t.id] = t;
    return t;
  }

  /** Removes a token that reached its end, then finishes its scope when nothing else runs there. */
  consume(token: Token): void {
    delete this.state.tokens[token.id];
    this.cancelTimersOf(token.id);
    this.checkScope(token.scope);
  }

  private checkScope(scopeId: string): void {
    for (const t of Object.values(this.state.tokens)) if (t.scope === scopeId) return;
    if (scopeId === 'root') {
      if (this.state.status === 'running') {
        this.state.status = 'completed';
        this.event({ type: 'process.completed' });
      }
      return;
    }
    const scope = this.state.scopes[scopeId];
    if (scope?.kind !== 'sub') return;
    delete this.state.scopes[scopeId];
    const owner = scope.owner ? this.state.tokens[scope.owner] : undefined;
    if (owner) this.activityDone(owner);
  }

  /** Cancels a token and everything it waits on (task, sub-process, timers). */
  cancelToken(token: Token, outcome: string): void {
    const w = token.wait;
    if (w?.kind === 'task') {
      const task = this.state.tasks[w.task];
      if (task) this.hooks.cancelTask(this, task, outcome);
    }
    if (w?.kind === 'scope') this.cancelScope(w.scope, outcome);
    if (w?.kind === 'children') this.event({ type: 'children.detached', node: token.node, detail: { token: token.id } });
    delete this.state.tokens[token.id];
    this.cancelTimersOf(token.id);
    for (const key of Object.keys(this.state.joins)) {
      const arrived = (this.state.joins[key] as string[]).filter((t) => t !== token.id);
      if (arrived.length) this.state.joins[key] = arrived;
      else delete this.state.joins[key];
    }
  }

  cancelScope(scopeId: string, outcome: string): void {
    for (const t of Object.values(this.state.tokens)) if (t.scope === scopeId) this.cancelToken(t, outcome);
    for (const s of Object.values(this.state.scopes)) if (s.parent === scopeId) this.cancelScope(s.id, outcome);
    delete this.state.scopes[scopeId];
  }

  // ---- events --------------------------------------------------------------

  private end(token: Token, node: NodeDef): void {
    if (node.status?.status) this.setStatus(node.status.status, node.status.statusCategory ?? 'closed');
    if (node.eventType === 'message') this.fx.outbox.push({ kind: 'message', payload: { message: node.message, ticket: this.ctx.ticket.id } });
    if (node.eventType === 'error') return this.throwError(token, node);
    if (node.eventType === 'terminate') {
      // Inside a sub-process only the sub-process ends; the audit log must not say the ticket did.
      this.event({ type: token.scope === 'root' ? 'process.terminated' : 'subProcess.terminated', node: node.id });
      delete this.state.tokens[token.id];
      const scope = this.state.scopes[token.scope];
      this.cancelScope(token.scope, 'terminated');
      if (token.scope === 'root') this.checkScope('root');
      else if (scope?.owner && this.state.tokens[scope.owner]) this.activityDone(this.state.tokens[scope.owner] as Token);
      return;
    }
    if (token.scope === 'root' && !node.status?.status && Object.values(this.state.tokens).length === 1) {
      this.setStatus(node.name ?? 'closed', 'closed');
    }
    this.consume(token);
  }

  private throwError(token: Token, node: NodeDef): void {
    const code = node.errorCode;
    delete this.state.tokens[token.id];
    let scopeId = token.scope;
    while (scopeId !== 'root') {
      const scope = this.state.scopes[scopeId] as Scope;
      const owner = scope.owner ? this.state.tokens[scope.owner] : undefined;
      // One instance of a multi-instance sub-process: its boundaries belong to the whole activity (the scope above).
      const ownerNode = owner && !owner.item ? this.node(owner.node) : undefined;
      const errors = (ownerNode?.boundaries ?? []).map((b) => this.node(b)).filter((b) => b.eventType === 'error');
      // A boundary naming the code wins over a catch-all, wherever the diagram lists them.
      const handler = errors.find((b) => code !== undefined && b.errorCode === code) ?? errors.find((b) => b.errorCode === undefined);
      if (owner && handler) {
        this.event({ type: 'error.caught', node: handler.id, detail: { code } });
        const parent = owner.scope;
        this.cancelToken(owner, 'interrupted');
        this.spawn(handler.id, parent);
        return;
      }
      scopeId = scope.parent;
    }
    this.cancelScope('root', 'failed');
    this.state.status = 'failed';
    this.state.error = { ...(code ? { code } : {}), node: node.id };
    this.event({ type: 'process.failed', node: node.id, detail: { code } });
  }

  // ---- gateways ------------------------------------------------------------

  private gateway(token: Token, node: NodeDef): void {
    if (node.kind !== 'exclusive' && node.incoming.length > 1) {
      const key = `${token.scope}|${node.id}`;
      const arrived = this.state.joins[key] ?? [];
      this.state.joins[key] = arrived;
      arrived.push(token.id);
      token.wait = { kind: 'join' };
      if (node.kind === 'parallel') this.fireParallelJoin(key, node);
      return;
    }
    this.leave(token, node, node.kind === 'exclusive');
  }

  private fireParallelJoin(key: string, node: NodeDef): void {
    const arrived = this.state.joins[key] as string[];
    const pick: string[] = [];
    for (const flow of node.incoming) {
      const t = arrived.find((id) => this.state.tokens[id]?.via === flow && !pick.includes(id));
      if (!t) return;
      pick.push(t);
    }
    this.joinFire(key, node, pick);
  }

  private joinFire(key: string, node: NodeDef, pick: string[]): void {
    const rest = (this.state.joins[key] as string[]).filter((id) => !pick.includes(id));
    if (rest.length) this.state.joins[key] = rest;
    else delete this.state.joins[key];
    const [keep, ...drop] = pick.map((id) => this.state.tokens[id] as Token);
    for (const t of drop) delete this.state.tokens[t.id];
    if (keep) {
      delete keep.wait;
      this.leave(keep, node);
    }
  }

  /** An inclusive join fires once no other token of its scope can still reach it. */
  private fireInclusiveJoins(): boolean {
    let fired = false;
    for (const [key, arrived] of Object.entries(this.state.joins)) {
      const [scope, nodeId] = key.split('|') as [string, string];
      const node = this.node(nodeId);
      if (node.kind !== 'inclusive' || arrived.length === 0) continue;
      const blocked = Object.values(this.state.tokens).some(
        (t) => t.scope === scope && !arrived.includes(t.id) && (t.node === nodeId || reachable(this.model, t.node).has(nodeId)),
      );
      if (blocked) continue;
      this.joinFire(key, node, [...arrived]);
      fired = true;
    }
    return fired;
  }

  private eventGateway(token: Token, node: NodeDef): void {
    const targets = node.outgoing.map((f) => this.model.flows.get(f)?.target as string);
    token.wait = { kind: 'eventGateway', targets };
    for (const target of targets) {
      const n = this.node(target);
      if (n.kind === 'timerCatch') this.schedule(token.id, 'catch', n.id, this.timerDue(n), { gateway: node.id });
    }
  }

  /** An event-based gateway branch fired: the token moves to the catch event and on. */
  chooseBranch(token: Token, target: string): void {
    this.cancelTimersOf(token.id);
    const flow = this.node(token.node).outgoing.find((f) => this.model.flows.get(f)?.target === target) as string;
    token.node = target;
    token.via = flow;
    delete token.wait;
    this.leave(token, this.node(target));
  }

  // ---- activities ----------------------------------------------------------

  private enterActivity(token: Token, node: NodeDef): void {
    if (this.ctx.steps?.[node.id]?.enabled === false) {
      this.event({ type: 'step.skipped', node: node.id });
      return this.leave(token, node);
    }
    if (!token.item) this.scheduleBoundaries(token, node);
    if (node.status?.status && !token.item) this.setStatus(node.status.status, node.status.statusCategory ?? 'open');
    if (node.multi && !token.item) return this.startMulti(token, node);
    this.activityBody(token, node);
  }

  private scheduleBoundaries(token: Token, node: NodeDef): void {
    for (const b of node.boundaries) {
      const bn = this.node(b);
      if (bn.eventType === 'timer') this.schedule(token.id, 'boundary', bn.id, this.timerDue(bn), { fired: 0 });
    }
  }

  private activityBody(token: Token, node: NodeDef): void {
    switch (node.kind) {
      case 'userTask':
        return this.hooks.createTask(this, token, node);
      case 'serviceTask':
        runServiceActions(this, node, token);
        return this.activityDone(token);
      case 'ruleTask':
        for (const r of node.rules ?? []) this.setValue(r.target, evaluate(r.logic, this.ruleData(token)));
        return this.activityDone(token);
      case 'subProcess': {
        const scope: Scope = { id: this.id('s'), node: node.id, kind: 'sub', parent: token.scope, owner: token.id };
        this.state.scopes[scope.id] = scope;
        token.wait = { kind: 'scope', scope: scope.id };
        for (const s of node.starts ?? []) this.spawn(s, scope.id);
        return;
      }
      case 'callActivity': {
        const call = node.call as NonNullable<NodeDef['call']>;
        const data: Record<string, unknown> = {};
        // Keys name the child's form fields, written `room` or `data.room`.
        for (const [k, logic] of Object.entries(call.data)) data[k.startsWith('data.') ? k.slice(5) : k] = evaluate(logic, this.ruleData(token));
        this.fx.children.push({ token: token.id, ticketType: call.ticketType, data, index: token.item?.index ?? 0 });
        this.event({ type: 'children.requested', node: node.id, detail: { ticketType: call.ticketType } });
        if (call.wait === 'none') return this.activityDone(token);
        token.wait = { kind: 'children', pending: 1 };
        return;
      }
      default:
        throw new StateError('NOT_AN_ACTIVITY', `${node.id} is not an activity`);
    }
  }

  /** The activity's work is over: leave it, or count one multi-instance item. */
  activityDone(token: Token): void {
    this.cancelTimersOf(token.id);
    if (token.item) return this.itemDone(token);
    delete token.wait;
    this.leave(token, this.node(token.node));
  }

  private startMulti(token: Token, node: NodeDef): void {
    const multi = node.multi as NonNullable<NodeDef['multi']>;
    const data = this.ruleData(token);
    let items: unknown[];
    if (multi.collection) {
      const v = evaluate({ var: multi.collection }, data);
      items = Array.isArray(v) ? v : [];
    } else {
      const n = typeof multi.cardinality === 'number' ? multi.cardinality : Number(evaluate(multi.cardinality as RulesLogic, data));
      items = Array.from({ length: Number.isFinite(n) && n > 0 ? Math.floor(n) : 0 }, (_, i) => i);
    }
    if (items.length === 0) return this.activityDone(token);
    const scope: Scope = {
      id: this.id('s'),
      node: node.id,
      kind: 'multi',
      parent: token.scope,
      owner: token.id,
      multi: { total: items.length, completed: 0, next: 0, items, active: [] },
    };
    this.state.scopes[scope.id] = scope;
    token.wait = { kind: 'scope', scope: scope.id };
    const first = multi.sequential ? 1 : items.length;
    for (let i = 0; i < first; i++) this.startItem(scope);
  }

  private startItem(scope: Scope): void {
    const m = scope.multi as NonNullable<Scope['multi']>;
    const t = this.spawn(scope.node, scope.id, { item: { scope: scope.id, index: m.next } });
    m.active.push(t.id);
    m.next += 1;
  }

  private itemDone(token: Token): void {
    const scope = this.state.scopes[token.item?.scope as string] as Scope;
    const m = scope.multi as NonNullable<Scope['multi']>;
    delete this.state.tokens[token.id];
    m.active = m.active.filter((id) => id !== token.id);
    m.completed += 1;
    const node = this.node(scope.node);
    const vars = { nrOfInstances: m.total, nrOfCompletedInstances: m.completed, nrOfActiveInstances: m.active.length };
    const finished = m.completed >= m.total || (node.multi?.completion !== undefined && this.test(node.multi.completion, undefined, vars));
    if (!finished) {
      if (node.multi?.sequential) this.startItem(scope);
      return;
    }
    for (const id of m.active) {
      const t = this.state.tokens[id];
      if (t) this.cancelToken(t, 'completionCondition');
    }
    delete this.state.scopes[scope.id];
    const owner = this.state.tokens[scope.owner as string];
    if (owner) this.activityDone(owner);
  }
}

function runServiceActions(run: Run, node: NodeDef, token: Token): void {
  for (const action of node.actions ?? []) {
    const p = action.params;
    if (action.type === 'setFields') {
      for (const [path, value] of Object.entries(p)) {
        const v = value !== null && typeof value === 'object' && !Array.isArray(value) ? evaluate(value as RulesLogic, run.ruleData(token)) : value;
        run.setValue(path, v);
      }
    } else if (action.type === 'sendMessage' || action.type === 'webhook' || action.type === 'renderReport') {
      run.fx.outbox.push({ kind: action.type, payload: { ...p, ticket: run.ctx.ticket.id, node: node.id } });
    } else if (action.type === 'createTickets') {
      const count = Number(p.count ?? 1);
      for (let i = 0; i < count; i++) {
        run.fx.children.push({ token: '', ticketType: String(p.ticketType), data: (p.data as Record<string, unknown>) ?? {}, index: i });
      }
    } else {
      const handler = run.ctx.actions?.[action.type];
      if (!handler) throw new StateError('UNKNOWN_ACTION', `no service action ${action.type} is registered`, { node: node.id, action: action.type });
      const result = handler(p, run.ctx.ticket);
      for (const [path, value] of Object.entries(result.values ?? {})) run.setValue(path, value);
      run.fx.outbox.push(...(result.outbox ?? []));
    }
    run.event({ type: 'service.ran', node: node.id, detail: { action: action.type } });
  }
}
