import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../errors.ts';
import type { TaskAction, UserTaskConfig } from './model.ts';
import type { Run } from './run.ts';
import type { Actor, TaskInput, TaskState } from './state.ts';
import { applyValues, cancelInstance, cfgOf, checkRequired, completeTask, decide, permittedActions, resume, returnTo, setAssignee } from './tasks.ts';

/** What one action sees: the task, its step configuration, who acts and with what. */
export interface ActionContext {
  run: Run;
  task: TaskState;
  cfg: UserTaskConfig;
  actor: Actor;
  input: TaskInput;
  /** Whether this action finishes the step (`tk:task completeOn`). */
  completing: boolean;
  /** What the audit event says besides the action (reason, from/to, severity …). */
  detail: Record<string, unknown>;
}

/**
 * One ticket action as a command: `validate` refuses bad input before anything changes,
 * `apply` changes the task and says whether the step's normal ending should follow
 * (`continue`: record the event, then complete the step if the action finishes it) or the
 * command already moved the ticket on itself (`done`: approvals, return, cancel).
 */
export interface TaskCommand {
  validate?(c: ActionContext): void;
  apply(c: ActionContext): 'continue' | 'done';
}

const need = (value: string | undefined, field: string): string => {
  if (!value) throw new InputError('INPUT_REQUIRED', `${field} is required for this action`, { field });
  return value;
};

/** The step is held by the ticket's owner (负责人): handing it over hands over the ticket. */
const ownersStep = (c: ActionContext): boolean => c.task.assignee !== undefined && c.task.assignee === c.run.ctx.ticket.assignee;

/** Assign and transfer: the step changes hands; `owner` makes the new holder the ticket's assignee too. */
const handOver = (owner: (c: ActionContext) => boolean): TaskCommand => ({
  validate: (c) => void need(c.input.to, 'to'),
  apply(c) {
    const to = c.input.to as string;
    c.detail.from = c.task.assignee;
    c.detail.to = to;
    setAssignee(c.run, c.task, to, owner(c));
    return 'continue';
  },
});

export const TASK_COMMANDS: Record<TaskAction, TaskCommand> = {
  claim: {
    apply({ run, task, actor }) {
      setAssignee(run, task, actor.id);
      return 'continue';
    },
  },
  // The dispatching step's assign (completeOn="assign") gives the ticket itself to the chosen user,
  // and so does reassigning a step the ticket's owner holds.
  assign: handOver((c) => c.completing || ownersStep(c)),
  // 转派: when the ticket's owner hands their step over, the new holder owns the ticket too.
  transfer: handOver(ownersStep),
  accept: {
    apply({ task }) {
      task.accepted = true;
      return 'continue';
    },
  },
  start: {
    apply({ task }) {
      task.started = true;
      return 'continue';
    },
  },
  complete: { apply: () => 'continue' },
  pause: {
    validate: (c) => void need(c.input.reason, 'reason'),
    apply({ run, task, input }) {
      task.pausedAt = run.now;
      task.pauseReason = input.reason as string;
      run.cancelTimersOf(task.id);
      return 'continue';
    },
  },
  resume: {
    apply({ run, task, cfg }) {
      resume(run, task, cfg);
      return 'continue';
    },
  },
  addCollaborator: {
    validate: (c) => void (c.input.users?.length ? c.input.users : need(c.input.to, 'users')),
    apply({ run, task, input, detail }) {
      const users = input.users?.length ? input.users : [input.to as string];
      for (const u of users) {
        if (!task.collaborators.includes(u)) task.collaborators.push(u);
        run.fx.participants.push({ user: u, role: 'collaborator' });
      }
      detail.users = users;
      return 'continue';
    },
  },
  escalate: {
    apply({ run, task, actor, input, detail }) {
      task.escalations.push({
        ...(input.severity ? { severity: input.severity } : {}),
        at: run.now,
        by: actor.id,
        ...(input.reason ? { reason: input.reason } : {}),
      });
      for (const u of input.cc ?? []) run.fx.participants.push({ user: u, role: 'cc' });
      run.fx.outbox.push({
        kind: 'notify',
        payload: { event: 'escalated', ticket: run.ctx.ticket.id, task: task.id, severity: input.severity, cc: input.cc ?? [] },
      });
      detail.severity = input.severity;
      detail.cc = input.cc;
      return 'continue';
    },
  },
  approve: {
    apply({ run, task, cfg, actor, input, detail }) {
      if (!task.approvals) return 'continue';
      decide(run, task, cfg, actor, 'approve', input, detail);
      return 'done';
    },
  },
  reject: {
    apply({ run, task, cfg, actor, input, detail }) {
      if (task.approvals) decide(run, task, cfg, actor, 'reject', input, detail);
      else returnTo(run, task, input.step ?? cfg.approval?.onReject, actor, 'rejected', detail);
      return 'done';
    },
  },
  return: {
    validate: (c) => void need(c.input.step, 'step'),
    apply({ run, task, actor, input, detail }) {
      returnTo(run, task, input.step as string, actor, 'returned', detail);
      return 'done';
    },
  },
  withdraw: {
    apply({ run, task, actor, detail }) {
      run.event({ type: 'task.withdraw', node: task.node, task: task.id, actor: actor.id, detail });
      cancelInstance(run, 'withdrawn');
      return 'done';
    },
  },
  cancel: {
    apply({ run, task, actor, detail }) {
      run.event({ type: 'task.cancel', node: task.node, task: task.id, actor: actor.id, detail });
      cancelInstance(run, 'cancelled');
      return 'done';
    },
  },
};

/** Runs one user action on one task: may this actor do it, validate, apply, and let the token move on. */
export function runTaskCommand(run: Run, taskId: string, action: TaskAction, actor: Actor, input: TaskInput = {}): void {
  const task = run.state.tasks[taskId];
  if (!task) {
    if (run.state.done.some((d) => d.task === taskId) || run.state.status !== 'running') {
      throw new ConflictError(`task ${taskId} is already finished`, { task: taskId }, 'TASK_ALREADY_COMPLETED');
    }
    throw new NotFoundError(`no task ${taskId} on this ticket`, { task: taskId }, 'TASK_NOT_FOUND');
  }
  const node = run.node(task.node);
  const allowed = permittedActions(node, task, run.ctx.ticket, actor);
  if (!allowed.includes(action)) {
    const code = task.pausedAt ? 'TASK_PAUSED' : 'ACTION_NOT_ALLOWED';
    throw new ForbiddenError(`${action} is not available to you at step ${task.name}`, { task: taskId, action, allowed }, code);
  }
  const cfg = cfgOf(node);
  const detail: Record<string, unknown> = {};
  if (input.reason) detail.reason = input.reason;
  if (input.comment) detail.comment = input.comment;
  const c: ActionContext = { run, task, cfg, actor, input, completing: cfg.completeOn.has(action), detail };
  const command = TASK_COMMANDS[action];
  command.validate?.(c);
  if (input.values) applyValues(run, cfg, input.values);
  // A candidate who does the step's work without claiming it first takes it (抢单 in one click).
  if (!task.assignee && !task.approvals && (c.completing || action === 'accept' || action === 'start') && action !== 'assign') {
    setAssignee(run, task, actor.id);
  }
  if (command.apply(c) === 'done') return;
  run.fx.tasksTouched.add(task.id);
  run.event({ type: `task.${action}`, node: task.node, task: task.id, actor: actor.id, detail });
  if (c.completing) {
    checkRequired(run, cfg);
    completeTask(run, task, action === 'complete' ? 'completed' : action, actor);
  }
}
