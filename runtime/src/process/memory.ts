import { type EngineContext, type TicketView, writePath } from './context.ts';
import { currentSteps, execute, type Outcome } from './engine.ts';
import type { ProcessModel, StatusCategory, TaskAction } from './model.ts';
import type { Actor, ChildRequest, EngineEvent, InstanceState, OutboxItem, TaskInput, TaskState, TimerRow } from './state.ts';

export interface MemoryOptions extends Omit<Partial<EngineContext>, 'ticket'> {
  ticket?: Partial<TicketView>;
}

/**
 * Runs one instance entirely in memory with a hand-driven clock: the unit tests, the
 * designer's simulator and the in-memory benchmark use it. The store does the same
 * thing against the database, one transaction per command.
 */
export class MemoryEngine {
  readonly model: ProcessModel;
  readonly ticket: TicketView;
  state: InstanceState | undefined;
  now: Date;
  status: { status: string; statusCategory: StatusCategory } | undefined;
  timers: TimerRow[] = [];
  readonly outbox: OutboxItem[] = [];
  readonly events: EngineEvent[] = [];
  readonly children: ChildRequest[] = [];
  readonly finished: { task: TaskState; outcome: string }[] = [];
  private readonly ctx: Omit<EngineContext, 'now' | 'ticket'>;
  /** Whether to keep events and outbox items (benchmarks turn it off). */
  record = true;

  constructor(model: ProcessModel, options: MemoryOptions = {}) {
    const { ticket, now, ...ctx } = options;
    this.model = model;
    this.now = now ?? new Date('2026-03-02T01:00:00Z');
    this.ticket = { id: 'ticket-1', data: {}, receipt: {}, components: {}, ...ticket };
    this.ctx = ctx;
  }

  private apply(outcome: Outcome): Outcome {
    const fx = outcome.effects;
    this.state = outcome.state;
    for (const [path, value] of Object.entries(fx.values)) writePath(this.ticket, path, value);
    if (fx.assignee !== undefined) this.ticket.assignee = fx.assignee;
    if (fx.status) this.status = fx.status;
    if (fx.cancelTimers.length) {
      const gone = new Set(fx.cancelTimers);
      this.timers = this.timers.filter((t) => !gone.has(t.owner));
    }
    this.timers.push(...fx.timers);
    this.children.push(...fx.children);
    for (const [, ended] of fx.tasksEnded) this.finished.push(ended);
    if (this.record) {
      this.events.push(...fx.events);
      this.outbox.push(...fx.outbox);
    }
    return outcome;
  }

  private run(command: Parameters<typeof execute>[2]): Outcome {
    return this.apply(execute(this.model, this.state, command, { ...this.ctx, now: this.now, ticket: this.ticket }));
  }

  start(message?: string): Outcome {
    return this.run(message ? { type: 'start', message } : { type: 'start' });
  }

  /** The open task at `node` (the first, for multi-instance steps). */
  task(node: string): TaskState | undefined {
    return Object.values(this.state?.tasks ?? {}).find((t) => t.node === node);
  }

  tasks(node?: string): TaskState[] {
    return Object.values(this.state?.tasks ?? {}).filter((t) => !node || t.node === node);
  }

  /** Runs `action` on the open task at `node` (or a task id). */
  act(nodeOrTask: string, action: TaskAction, actor: Actor, input?: TaskInput): Outcome {
    const task = this.state?.tasks[nodeOrTask] ?? this.task(nodeOrTask);
    return this.run({ type: 'task', task: task?.id ?? nodeOrTask, action, actor, ...(input ? { input } : {}) });
  }

  message(message: string, data?: Record<string, unknown>): Outcome {
    return this.run({ type: 'message', message, ...(data ? { data } : {}) });
  }

  childDone(token: string, child: string): Outcome {
    return this.run({ type: 'childDone', token, child });
  }

  /** Moves the clock forward, firing every timer that falls due on the way, in order. */
  advance(ms: number): number {
    const until = this.now.getTime() + ms;
    let fired = 0;
    for (;;) {
      const next = this.timers.filter((t) => Date.parse(t.dueAt) <= until).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.now = new Date(Math.max(this.now.getTime(), Date.parse(next.dueAt)));
      if (this.run({ type: 'timer', timer: next }).changed) fired += 1;
    }
    this.now = new Date(until);
    return fired;
  }

  steps(actor: Actor) {
    return this.state ? currentSteps(this.model, this.state, this.ticket, actor) : [];
  }

  get ended(): boolean {
    return this.state !== undefined && this.state.status !== 'running';
  }
}
