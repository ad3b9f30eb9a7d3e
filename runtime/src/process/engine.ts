import { StateError } from '../errors.ts';
import { runTaskCommand } from './actions.ts';
import type { EngineContext } from './context.ts';
import type { ProcessModel, TaskAction } from './model.ts';
import { Run } from './run.ts';
import { type Actor, type Command, cloneState, type Effects, type InstanceState, newState, type TaskState, type TimerRow, type Token } from './state.ts';
import { permittedActions, TASK_HOOKS } from './tasks.ts';

export interface Outcome {
  state: InstanceState;
  effects: Effects;
  /** False when the command found nothing to do (a timer whose step already ended). */
  changed: boolean;
}

/**
 * Applies one command to an instance. Pure: the input state is not modified, the new
 * state and the effects are returned, and any error leaves nothing half-done.
 */
export function execute(model: ProcessModel, state: InstanceState | undefined, command: Command, ctx: EngineContext): Outcome {
  const next: InstanceState = state ? cloneState(state) : newState();
  const t = ctx.ticket;
  // Rules write into a copy of the ticket, so a failed command leaves the caller's view untouched.
  const ticket = { ...t, data: { ...t.data }, receipt: { ...t.receipt }, components: { ...t.components } };
  const run = new Run(model, next, { ...ctx, ticket }, TASK_HOOKS);
  let changed = true;
  if (command.type !== 'start' && next.status !== 'running') {
    if (command.type === 'task') throw new StateError('TASK_ALREADY_COMPLETED', 'the process of this ticket has ended', { status: next.status });
    return { state: next, effects: run.fx, changed: false };
  }
  switch (command.type) {
    case 'start': {
      if (state) throw new StateError('ALREADY_STARTED', 'the process of this ticket has already started');
      const start = command.message ? model.messageStarts.get(command.message) : model.starts[0];
      if (!start)
        throw new StateError('NO_START_EVENT', command.message ? `no start event for message ${command.message}` : 'the process has no none start event');
      run.event({ type: 'process.started', node: start });
      run.spawn(start, 'root');
      break;
    }
    case 'task':
      runTaskCommand(run, command.task, command.action, command.actor, command.input);
      break;
    case 'timer':
      changed = fireTimer(run, command.timer);
      break;
    case 'message':
      receiveMessage(run, command.message, command.data);
      break;
    case 'childDone': {
      const token = next.tokens[command.token];
      if (token?.wait?.kind !== 'children') {
        changed = false;
        break;
      }
      token.wait.pending -= 1;
      run.event({ type: 'child.completed', node: token.node, detail: { child: command.child } });
      if (token.wait.pending <= 0) run.activityDone(token);
      break;
    }
  }
  run.drain();
  run.settleStatus();
  return { state: next, effects: run.fx, changed };
}

function recipients(run: Run, task: TaskState, to: string[]): string[] {
  const out = new Set<string>();
  const t = run.ctx.ticket;
  for (const who of to) {
    // An unclaimed step's "assignee" is whoever may claim it: its candidate groups.
    if (who === 'assignee') for (const c of task.assignee ? [`user:${task.assignee}`] : task.candidates) out.add(c);
    else if (who === 'collaborators') for (const c of task.collaborators) out.add(`user:${c}`);
    else if (who === 'creator' && t.creator) out.add(`user:${t.creator}`);
    else if (who === 'manager' || who === 'managers') {
      const m = task.assignee ? run.ctx.directory?.managerOf(task.assignee) : undefined;
      if (m) out.add(`user:${m}`);
    } else if (who.includes(':')) out.add(who);
  }
  return [...out];
}

function fireTimer(run: Run, timer: TimerRow): boolean {
  const { state } = run;
  if (timer.kind === 'remind' || timer.kind === 'escalate') {
    const task = state.tasks[timer.owner];
    const cfg = task ? run.node(task.node).task?.timeout : undefined;
    if (!task || !cfg || task.pausedAt) return false;
    const index = Number(timer.data.index ?? 0);
    const rule = timer.kind === 'remind' ? cfg.reminders[index] : cfg.escalations[index];
    if (!rule) return false;
    const to = recipients(run, task, rule.to);
    task.sent = [...(task.sent ?? []), `${timer.kind}:${index}`];
    run.fx.tasksTouched.add(task.id);
    const severity = timer.kind === 'escalate' ? (cfg.escalations[index]?.severity ?? 'normal') : undefined;
    if (timer.kind === 'escalate') {
      task.escalations.push({ ...(severity ? { severity } : {}), at: run.now });
      run.fx.tasksTouched.add(task.id);
    }
    run.fx.outbox.push({
      kind: 'notify',
      payload: {
        event: timer.kind === 'remind' ? 'reminder' : 'escalated',
        ticket: run.ctx.ticket.id,
        task: task.id,
        to,
        template: rule.template,
        dueAt: task.dueAt,
      },
    });
    run.event({
      type: timer.kind === 'remind' ? 'task.reminded' : 'task.escalated',
      node: task.node,
      task: task.id,
      detail: { to, ...(severity ? { severity } : {}) },
    });
    return true;
  }
  const token = state.tokens[timer.owner];
  if (!token) return false;
  const node = run.node(timer.node);
  if (timer.kind === 'catch') {
    run.event({ type: 'timer.fired', node: node.id });
    if (token.wait?.kind === 'eventGateway') run.chooseBranch(token, node.id);
    else {
      delete token.wait;
      run.leave(token, node);
    }
    return true;
  }
  // Boundary timer on the activity `token` executes (unless the token has moved on since).
  if (token.node !== node.attachedTo) return false;
  run.event({ type: 'timer.fired', node: node.id, detail: { interrupting: node.cancelActivity } });
  if (node.cancelActivity) {
    const scope = token.scope;
    run.cancelToken(token, 'interrupted');
    run.spawn(node.id, scope);
    return true;
  }
  run.spawn(node.id, token.scope);
  const fired = Number(timer.data.fired ?? 0) + 1;
  if (node.timer?.repeat && fired < node.timer.repeat) {
    // The next cycle counts from when this one was due, so a late wake-up does not drift the schedule.
    run.schedule(token.id, 'boundary', node.id, new Date(Date.parse(timer.dueAt) + (node.timer.duration ?? 0)), { fired });
  }
  return true;
}

function receiveMessage(run: Run, message: string, data: Record<string, unknown> = {}): void {
  for (const [path, value] of Object.entries(data)) run.setValue(path, value);
  let matched = false;
  for (const token of Object.values(run.state.tokens)) {
    // An interrupting match earlier in this loop may have cancelled this token already.
    if (!run.state.tokens[token.id]) continue;
    const w = token.wait;
    if (w?.kind === 'message' && w.message === message) {
      delete token.wait;
      run.leave(token, run.node(token.node));
      matched = true;
    } else if (w?.kind === 'eventGateway') {
      const target = w.targets.find((t) => run.node(t).kind === 'messageCatch' && run.node(t).message === message);
      if (target) {
        run.chooseBranch(token, target);
        matched = true;
      }
    } else if (w && !token.item) {
      // Boundaries of a multi-instance activity fire once, on the activity's token, not per instance.
      const boundary = run
        .node(token.node)
        .boundaries.map((b) => run.node(b))
        .find((b) => b.eventType === 'message' && b.message === message);
      if (boundary) {
        const scope = token.scope;
        if (boundary.cancelActivity) run.cancelToken(token, 'interrupted');
        run.spawn(boundary.id, scope);
        matched = true;
      }
    }
  }
  if (!matched) throw new StateError('MESSAGE_NOT_EXPECTED', `the ticket is not waiting for message ${message}`, { message });
  run.event({ type: 'message.received', detail: { message } });
}

export interface StepView {
  task: string;
  node: string;
  name: string;
  status: string;
  assignee?: string;
  candidates: string[];
  dueAt?: string;
  paused: boolean;
  actions: TaskAction[];
}

/** The current steps of a ticket and what `actor` may do at each — exactly the buttons the UI shows. */
export function currentSteps(model: ProcessModel, state: InstanceState, ticket: EngineContext['ticket'], actor: Actor): StepView[] {
  return Object.values(state.tasks).map((task) => ({
    task: task.id,
    node: task.node,
    name: task.name,
    status: task.status,
    ...(task.assignee ? { assignee: task.assignee } : {}),
    candidates: task.candidates,
    ...(task.dueAt ? { dueAt: task.dueAt } : {}),
    paused: Boolean(task.pausedAt),
    actions: permittedActions(model.nodes.get(task.node) as never, task, ticket, actor),
  }));
}

export type { Token };
