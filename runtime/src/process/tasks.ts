import { InputError, StateError } from '../errors.ts';
import { approvalOutcome, approvalSlots, openSlots, previousAssignee, resolveAssignee } from './assignment.ts';
import { parseIsoDuration } from './calendar.ts';
import { matchesField, readPath, type TicketView } from './context.ts';
import type { NodeDef, TaskAction, UserTaskConfig } from './model.ts';
import type { Run, RunHooks } from './run.ts';
import { type Actor, actorTokens, type TaskInput, type TaskState, type Token } from './state.ts';

export const cfgOf = (node: NodeDef): UserTaskConfig => node.task as UserTaskConfig;

/** Tokens sent back to an earlier step in this run (token → step): that step goes back to whoever did it last time (退回). */
const sentBack = new WeakMap<Run, Map<string, string>>();

/** Whether the ticket type switched the approval of this step off (售后宝: 审批设置 无需审批). */
const approvalOn = (run: Run, node: NodeDef) => Boolean(cfgOf(node).approval) && run.ctx.steps?.[node.id]?.approval !== false;

function createTask(run: Run, token: Token, node: NodeDef): void {
  const cfg = cfgOf(node);
  const task: TaskState = {
    id: run.id('k'),
    node: node.id,
    token: token.id,
    name: node.name ?? node.id,
    status: cfg.status ?? node.name ?? node.id,
    statusCategory: cfg.statusCategory ?? 'open',
    candidates: [],
    pool: false,
    collaborators: [],
    createdAt: run.now,
    escalations: [],
  };
  const vars = run.varsOf(token);
  if (Object.keys(vars).length) task.vars = vars;
  if (approvalOn(run, node)) {
    task.approvals = approvalSlots(run, cfg.approval as NonNullable<UserTaskConfig['approval']>);
    task.candidates = openSlots(task, cfg.approval?.mode ?? 'single').map((a) => a.slot);
    for (const a of task.approvals) if (a.slot.startsWith('user:')) run.fx.participants.push({ user: a.slot.slice(5), role: 'approver' });
  } else {
    const before = sentBack.get(run)?.get(token.id) === node.id ? previousAssignee(run.state, node.id) : undefined;
    const who = before ? { assignee: before, candidates: [], pool: false } : resolveAssignee(run, cfg);
    task.candidates = who.candidates;
    task.pool = who.pool;
    if (who.assignee) setAssignee(run, task, who.assignee);
  }
  run.state.tasks[task.id] = task;
  token.wait = { kind: 'task', task: task.id };
  run.fx.tasksTouched.add(task.id);
  run.setStatus(task.status, task.statusCategory, task.id);
  run.event({ type: 'task.created', node: node.id, task: task.id, detail: { assignee: task.assignee, candidates: task.candidates } });
  const override = run.ctx.steps?.[node.id]?.timeout;
  const timeout = cfg.timeout ?? (override ? { duration: 0, reminders: [], escalations: [] } : undefined);
  if (timeout) {
    const ms = override ? parseIsoDuration(override) : timeout.duration;
    if (timeout.calendar) task.calendar = timeout.calendar;
    task.dueAt = run.clock(timeout.calendar).addBusinessTime(run.ctx.now, ms).toISOString();
    scheduleDeadlineTimers(run, task, cfg);
  }
}

function scheduleDeadlineTimers(run: Run, task: TaskState, cfg: UserTaskConfig): void {
  if (!task.dueAt || !cfg.timeout) return;
  const due = new Date(task.dueAt).getTime();
  // A reminder or escalation already sent is not sent again when a resume moves the deadline.
  const sent = new Set(task.sent ?? []);
  for (const [i, r] of cfg.timeout.reminders.entries()) {
    if (!sent.has(`remind:${i}`)) run.schedule(task.id, 'remind', task.node, new Date(due + r.offset), { index: i });
  }
  for (const [i, e] of cfg.timeout.escalations.entries()) {
    if (!sent.has(`escalate:${i}`)) run.schedule(task.id, 'escalate', task.node, new Date(due + e.after), { index: i });
  }
}

/**
 * Gives a task to a user. The ticket's own assignee (负责人) follows only when the step is
 * defined by it (rule `field ticket.assignee`), when `owner` says so (the dispatching step's
 * assign), or when the ticket has none yet: a 回访 agent or a closing dispatcher does not
 * take the ticket over.
 */
export function setAssignee(run: Run, task: TaskState, user: string, owner = false): void {
  task.assignee = user;
  run.fx.tasksTouched.add(task.id);
  if (task.approvals) return;
  if (user !== run.ctx.ticket.assignee) run.fx.participants.push({ user, role: 'handler' });
  const rule = cfgOf(run.node(task.node)).assignee;
  const followsTicket = rule?.rule === 'field' && rule.ref === 'ticket.assignee';
  if ((!owner && !followsTicket && run.ctx.ticket.assignee) || run.ctx.ticket.assignee === user) return;
  run.ctx.ticket.assignee = user;
  run.fx.assignee = user;
  run.fx.participants.push({ user, role: 'assignee' });
}

function endTask(run: Run, task: TaskState, outcome: string): void {
  delete run.state.tasks[task.id];
  run.cancelTimersOf(task.id);
  run.fx.tasksEnded.set(task.id, { outcome, task });
  run.fx.tasksTouched.add(task.id);
  run.state.done.push({ node: task.node, task: task.id, ...(task.assignee ? { assignee: task.assignee } : {}), outcome, at: run.now });
  // Keep the history bounded: return-to-step and previous-assignee only look back this far.
  if (run.state.done.length > 50) run.state.done.splice(0, run.state.done.length - 50);
}

function cancelTask(run: Run, task: TaskState, outcome: string): void {
  endTask(run, task, outcome);
  run.event({ type: 'task.cancelled', node: task.node, task: task.id, detail: { outcome } });
}

export const TASK_HOOKS: RunHooks = { createTask, cancelTask };

export function completeTask(run: Run, task: TaskState, outcome: string, actor: Actor): void {
  endTask(run, task, outcome);
  run.event({ type: 'task.completed', node: task.node, task: task.id, actor: actor.id, detail: { outcome } });
  const token = run.state.tokens[task.token];
  if (token) run.activityDone(token);
}

/** The actions `actor` may take on `task` right now — what the UI shows as buttons. */
export function permittedActions(node: NodeDef, task: TaskState, ticket: TicketView, actor: Actor): TaskAction[] {
  const cfg = cfgOf(node);
  const tokens = actorTokens(actor);
  const isAssignee = task.assignee === actor.id;
  const isCandidate =
    !task.assignee &&
    (task.pool ? task.candidates.length === 0 || task.candidates.some((c) => tokens.includes(c)) : task.candidates.some((c) => tokens.includes(c)));
  const isCreator = ticket.creator === actor.id;
  const owner = isAssignee || isCandidate || Boolean(actor.admin);
  if (task.approvals) {
    const mode = cfg.approval?.mode ?? 'single';
    const mine = openSlots(task, mode).some((a) => tokens.includes(a.slot)) && !task.approvals.some((a) => a.by === actor.id);
    const out: TaskAction[] = mine ? ['approve', 'reject'] : [];
    if (cfg.actions.has('withdraw') && (isCreator || actor.admin)) out.push('withdraw');
    if (cfg.actions.has('cancel') && actor.admin) out.push('cancel');
    return out;
  }
  if (task.pausedAt) {
    // Paused work must be resumed before anything else happens to it, but the creator may still
    // withdraw the ticket and an admin cancel it.
    const out: TaskAction[] = owner && cfg.actions.has('pause') ? ['resume'] : [];
    if (cfg.actions.has('withdraw') && (isCreator || actor.admin)) out.push('withdraw');
    if (cfg.actions.has('cancel') && actor.admin) out.push('cancel');
    return out;
  }
  const out = new Set<TaskAction>();
  if (isCandidate && !task.assignee) out.add('claim');
  for (const a of [...cfg.completeOn, ...cfg.actions]) {
    if (a === 'withdraw') {
      if (isCreator || actor.admin) out.add(a);
    } else if (a === 'claim') {
      if (isCandidate) out.add(a);
    } else if (a === 'resume') {
      // Only offered while paused (above).
    } else if ((a === 'accept' && task.accepted && !cfg.completeOn.has(a)) || (a === 'start' && task.started && !cfg.completeOn.has(a))) {
      // Already done at this step.
    } else if (owner) out.add(a);
  }
  // An admin can always hand a step to someone, even one whose assignee rule found nobody.
  if (actor.admin) out.add('assign');
  return [...out];
}

export function applyValues(run: Run, cfg: UserTaskConfig, values: Record<string, unknown>): void {
  const refused = Object.keys(values).filter((p) => !matchesField(cfg.fields.editable, p) || matchesField(cfg.fields.hidden, p));
  if (refused.length) throw new InputError('FIELD_NOT_EDITABLE', `not editable at this step: ${refused.join(', ')}`, { fields: refused });
  for (const [path, value] of Object.entries(values)) run.setValue(path, value);
}

export function checkRequired(run: Run, cfg: UserTaskConfig): void {
  const t = run.ctx.ticket;
  const root = { data: t.data, receipt: t.receipt, components: t.components };
  const missing = cfg.fields.required.filter((p) => {
    if (p.endsWith('*')) return false;
    const v = readPath(root, p);
    return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  });
  if (missing.length) throw new InputError('REQUIRED_FIELDS_MISSING', `required at this step: ${missing.join(', ')}`, { fields: missing });
}

export function resume(run: Run, task: TaskState, cfg: UserTaskConfig): void {
  const pausedAt = new Date(task.pausedAt as string);
  if (task.dueAt) {
    const clock = run.clock(task.calendar);
    const remaining = clock.businessTimeBetween(pausedAt, new Date(task.dueAt));
    task.dueAt = clock.addBusinessTime(run.ctx.now, remaining).toISOString();
  }
  delete task.pausedAt;
  delete task.pauseReason;
  scheduleDeadlineTimers(run, task, cfg);
}

export function decide(
  run: Run,
  task: TaskState,
  cfg: UserTaskConfig,
  actor: Actor,
  action: 'approve' | 'reject',
  input: TaskInput,
  detail: Record<string, unknown>,
): void {
  const approval = cfg.approval as NonNullable<UserTaskConfig['approval']>;
  const tokens = actorTokens(actor);
  const slot = openSlots(task, approval.mode).find((a) => tokens.includes(a.slot)) as NonNullable<TaskState['approvals']>[number];
  slot.by = actor.id;
  slot.decision = action === 'approve' ? 'approved' : 'rejected';
  slot.at = run.now;
  if (input.comment) slot.comment = input.comment;
  run.fx.participants.push({ user: actor.id, role: 'approver' });
  run.fx.tasksTouched.add(task.id);
  run.event({ type: `approval.${slot.decision}`, node: task.node, task: task.id, actor: actor.id, detail: { slot: slot.slot, ...detail } });
  const outcome = approvalOutcome(task, approval);
  task.candidates = openSlots(task, approval.mode).map((a) => a.slot);
  if (outcome === 'pending') return;
  if (outcome === 'rejected' && approval.onReject) return returnTo(run, task, approval.onReject, actor, 'rejected', detail);
  if (outcome === 'approved') checkRequired(run, cfg);
  completeTask(run, task, outcome, actor);
}

/** Sends the ticket back to an earlier step (rejection target or "return to step"). */
export function returnTo(run: Run, task: TaskState, step: string | undefined, actor: Actor, outcome: string, detail: Record<string, unknown>): void {
  const target = step ?? [...run.state.done].reverse().find((d) => d.node !== task.node)?.node;
  if (!target) throw new StateError('NO_EARLIER_STEP', 'there is no earlier step to go back to', { task: task.id });
  const node = run.model.nodes.get(target);
  const token = run.state.tokens[task.token];
  if (node?.kind !== 'userTask' || !token || node.parent !== run.node(task.node).parent) {
    throw new InputError('BAD_RETURN_STEP', `cannot go back to ${target} from ${task.name}`, { step: target });
  }
  // Only the designer's rejection target may lie ahead; a step the user names must be one already done.
  const configured = outcome === 'rejected' && target === cfgOf(run.node(task.node)).approval?.onReject;
  if (!configured && !run.state.done.some((d) => d.node === target)) {
    throw new InputError('BAD_RETURN_STEP', `step ${target} has not been done yet`, { step: target });
  }
  endTask(run, task, outcome);
  run.event({
    type: `task.${outcome === 'returned' ? 'return' : 'reject'}`,
    node: task.node,
    task: task.id,
    actor: actor.id,
    detail: { ...detail, to: target },
  });
  run.cancelTimersOf(token.id);
  delete token.wait;
  token.node = target;
  delete token.via;
  sentBack.set(run, (sentBack.get(run) ?? new Map<string, string>()).set(token.id, target));
  run.requeue(token);
}

/** Cancel or withdraw: every token stops; the ticket shows the process's cancelled status (`tk:status` on the process). */
export function cancelInstance(run: Run, outcome: 'cancelled' | 'withdrawn'): void {
  run.cancelScope('root', outcome);
  run.state.joins = {};
  run.state.status = 'terminated';
  run.setStatus(run.model.cancelStatus ?? outcome, 'cancelled');
  run.event({ type: `process.${outcome}` });
}
