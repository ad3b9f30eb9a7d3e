import { readPath, type TicketView } from './context.ts';
import type { UserTaskConfig } from './model.ts';
import type { Run } from './run.ts';
import type { Approval, InstanceState, TaskState } from './state.ts';

export interface Assignment {
  assignee?: string;
  candidates: string[];
  pool: boolean;
}

/**
 * A rule that finds nobody leaves the step unassigned and closed: only an admin (or a
 * dispatcher through assign) can give it to someone. Open grabbing is what `pool` is for.
 */
const NOBODY: Assignment = { candidates: [], pool: false };

const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);

/** Who should do a step, from its `tk:assignee` rule. Users become the assignee; groups become candidates. */
export function resolveAssignee(run: Run, cfg: UserTaskConfig): Assignment {
  const rule = cfg.assignee;
  const ticket = run.ctx.ticket;
  // No rule: the step follows the ticket's own assignee (负责人) when it has one.
  if (!rule) return ticket.assignee ? { assignee: ticket.assignee, candidates: [], pool: false } : NOBODY;
  const ref = rule.ref;
  switch (rule.rule) {
    case 'user': {
      const users = words(ref);
      return users.length === 1 ? { assignee: users[0] as string, candidates: [], pool: false } : { candidates: users.map((u) => `user:${u}`), pool: false };
    }
    case 'role':
    case 'team':
    case 'post':
    case 'orgUnit':
      return { candidates: words(ref).map((r) => `${rule.rule}:${r}`), pool: false };
    case 'field': {
      const v = fieldValue(ticket, ref ?? '');
      return typeof v === 'string' && v ? { assignee: v, candidates: [], pool: false } : NOBODY;
    }
    case 'creator':
      return ticket.creator ? { assignee: ticket.creator, candidates: [], pool: false } : NOBODY;
    case 'manager': {
      const of = ref === 'creator' ? ticket.creator : ref === 'previous' ? previousAssignee(run.state, undefined) : (ticket.assignee ?? undefined);
      const manager = of ? run.ctx.directory?.managerOf(of) : undefined;
      return manager ? { assignee: manager, candidates: [], pool: false } : NOBODY;
    }
    case 'previous': {
      const prev = previousAssignee(run.state, ref);
      return prev ? { assignee: prev, candidates: [], pool: false } : NOBODY;
    }
    case 'pool':
      return { candidates: words(ref).filter((r) => r.includes(':')), pool: true };
    case 'dispatchRule': {
      const picked = run.ctx.directory?.dispatch?.(ref ?? '', ticket);
      return picked ? { assignee: picked, candidates: [], pool: false } : NOBODY;
    }
    default:
      return NOBODY;
  }
}

/** A user id held in `data.x`, `receipt.x`, `components.x`, `ticket.assignee` or `ticket.creator`. */
const fieldValue = (t: TicketView, path: string): unknown =>
  readPath({ data: t.data, receipt: t.receipt, components: t.components, ticket: { assignee: t.assignee, creator: t.creator } }, path);

/** The assignee of the newest finished step (of `node` when given). */
export function previousAssignee(state: InstanceState, node: string | undefined): string | undefined {
  for (let i = state.done.length - 1; i >= 0; i--) {
    const d = state.done[i];
    if (d?.assignee && (!node || d.node === node)) return d.assignee;
  }
  return undefined;
}

/** Approval slots from `approvers="role:finance role:manager user:u1 creator manager field:data.x"`. */
export function approvalSlots(run: Run, cfg: NonNullable<UserTaskConfig['approval']>): Approval[] {
  const ticket = run.ctx.ticket;
  const slots: string[] = [];
  for (const a of cfg.approvers) {
    if (a === 'creator') {
      if (ticket.creator) slots.push(`user:${ticket.creator}`);
    } else if (a === 'manager') {
      const m = ticket.assignee ? run.ctx.directory?.managerOf(ticket.assignee) : undefined;
      if (m) slots.push(`user:${m}`);
    } else if (a.startsWith('field:')) {
      const v = fieldValue(ticket, a.slice(6));
      if (typeof v === 'string' && v) slots.push(`user:${v}`);
    } else slots.push(a);
  }
  return slots.map((slot) => ({ slot }));
}

/** Slots still waiting for a decision that may be decided now (sequential mode: only the first). */
export function openSlots(task: TaskState, mode: string): Approval[] {
  const open = (task.approvals ?? []).filter((a) => !a.decision);
  return mode === 'sequential' ? open.slice(0, 1) : open;
}

/** The approval's result so far: approved, rejected, or still pending. */
export function approvalOutcome(task: TaskState, cfg: NonNullable<UserTaskConfig['approval']>): 'approved' | 'rejected' | 'pending' {
  const all = task.approvals ?? [];
  const yes = all.filter((a) => a.decision === 'approved').length;
  const no = all.filter((a) => a.decision === 'rejected').length;
  const total = all.length;
  switch (cfg.mode) {
    case 'single':
    case 'any':
      // Or-sign (或签): the first decision, either way, decides for everyone.
      if (yes > 0) return 'approved';
      return no > 0 ? 'rejected' : 'pending';
    case 'all':
    case 'sequential':
      if (no > 0) return 'rejected';
      return yes === total ? 'approved' : 'pending';
    case 'percentage': {
      const need = Math.ceil(((cfg.percentage ?? 100) * total) / 100);
      if (yes >= need) return 'approved';
      return total - no < need ? 'rejected' : 'pending';
    }
  }
}
