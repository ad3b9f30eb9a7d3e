import type { StatusCategory, TaskAction } from './model.ts';

/**
 * The state of one process instance: plain JSON, stored as one JSONB value next to
 * the ticket and replaced as a whole by every command (the ticket's version guards it).
 */
export interface InstanceState {
  status: 'running' | 'completed' | 'terminated' | 'failed';
  seq: number;
  tokens: Record<string, Token>;
  scopes: Record<string, Scope>;
  /** Open user tasks; finished ones live in the task table and the audit log. */
  tasks: Record<string, TaskState>;
  /** Parallel / inclusive joins waiting for more tokens: `scope|node` → incoming flow ids arrived. */
  joins: Record<string, string[]>;
  /** Steps finished so far, newest last (previous-assignee rule, return-to-step). */
  done: DoneStep[];
  error?: { code?: string; node: string };
}

export interface Token {
  id: string;
  node: string;
  /** Scope instance id ('root' or a sub-process / multi-instance scope). */
  scope: string;
  /** What the token waits for, when it waits. */
  wait?: Wait;
  /** Set on tokens that execute one item of a multi-instance activity. */
  item?: { scope: string; index: number };
  /** The sequence flow the token arrived by: parallel joins count arrivals per incoming flow. */
  via?: string;
}

export type Wait =
  | { kind: 'task'; task: string }
  | { kind: 'scope'; scope: string }
  | { kind: 'timer' }
  | { kind: 'message'; message: string }
  | { kind: 'eventGateway'; targets: string[] }
  | { kind: 'children'; pending: number }
  | { kind: 'join' };

export interface Scope {
  id: string;
  /** The sub-process or multi-instance node. */
  node: string;
  kind: 'root' | 'sub' | 'multi';
  parent: string;
  /** The token in the parent scope that waits for this scope to finish. */
  owner?: string;
  multi?: { total: number; completed: number; next: number; items: unknown[]; active: string[] };
}

export interface Approval {
  slot: string;
  by?: string;
  decision?: 'approved' | 'rejected';
  at?: string;
  comment?: string;
}

export interface TaskState {
  id: string;
  node: string;
  token: string;
  name: string;
  status: string;
  statusCategory: StatusCategory;
  assignee?: string;
  /** `role:x`, `team:x`, `post:x`, `orgUnit:x`, `user:x` — who may claim or act when unassigned. */
  candidates: string[];
  pool: boolean;
  collaborators: string[];
  createdAt: string;
  dueAt?: string;
  /** Business calendar of the deadline (for pausing). */
  calendar?: string;
  pausedAt?: string;
  pauseReason?: string;
  accepted?: boolean;
  started?: boolean;
  escalations: { severity?: string; at: string; by?: string; reason?: string }[];
  /** Deadline reminders and escalations already fired (`remind:0`, `escalate:1`). */
  sent?: string[];
  approvals?: Approval[];
  /** Multi-instance loop variables of this task. */
  vars?: Record<string, unknown>;
}

export interface DoneStep {
  node: string;
  task: string;
  assignee?: string;
  outcome: string;
  at: string;
}

/** Something outside the instance (a user, a timer, a message, a child ticket) asks the instance to move. */
export type Command =
  | { type: 'start'; message?: string }
  | { type: 'task'; task: string; action: TaskAction; actor: Actor; input?: TaskInput }
  | { type: 'timer'; timer: TimerRow }
  | { type: 'message'; message: string; data?: Record<string, unknown> }
  | { type: 'childDone'; token: string; child: string };

export interface TaskInput {
  /** New values: `{ "data.x": 1, "receipt.resolution": "…", "components.spareParts": [...] }`. */
  values?: Record<string, unknown>;
  to?: string;
  users?: string[];
  reason?: string;
  comment?: string;
  severity?: string;
  cc?: string[];
  step?: string;
}

/** Who acts, with the memberships assignment rules match against. */
export interface Actor {
  id: string;
  roles?: string[];
  teams?: string[];
  posts?: string[];
  orgUnits?: string[];
  /** Admins may act on any task (reassign, cancel). */
  admin?: boolean;
  /** Timers and jobs. */
  system?: boolean;
}

export interface TimerRow {
  id: string;
  /** The task or token whose end cancels the timer. */
  owner: string;
  kind: 'boundary' | 'catch' | 'remind' | 'escalate';
  node: string;
  dueAt: string;
  data: Record<string, unknown>;
}

export interface OutboxItem {
  kind: string;
  payload: Record<string, unknown>;
}

/** A child ticket a call activity asks for; the store creates it and starts its process. */
export interface ChildRequest {
  token: string;
  ticketType: string;
  data: Record<string, unknown>;
  index: number;
}

export interface EngineEvent {
  type: string;
  node?: string;
  task?: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

/** Everything a command changed besides the instance state; the store applies it in the same transaction. */
export interface Effects {
  events: EngineEvent[];
  timers: TimerRow[];
  cancelTimers: string[];
  outbox: OutboxItem[];
  children: ChildRequest[];
  /** Ticket columns and values the command changed (paths like `data.x`, `receipt.y`). */
  values: Record<string, unknown>;
  status?: { status: string; statusCategory: StatusCategory };
  /** `undefined`: unchanged. */
  assignee?: string | null;
  participants: { user: string; role: string }[];
  /** Tasks created, changed or finished by this command (the store mirrors them into the task table). */
  tasksTouched: Set<string>;
  tasksEnded: Map<string, { outcome: string; task: TaskState }>;
}

export const newState = (): InstanceState => ({ status: 'running', seq: 0, tokens: {}, scopes: {}, tasks: {}, joins: {}, done: [] });

export const actorTokens = (a: Actor): string[] => [
  `user:${a.id}`,
  ...(a.roles ?? []).map((r) => `role:${r}`),
  ...(a.teams ?? []).map((t) => `team:${t}`),
  ...(a.posts ?? []).map((p) => `post:${p}`),
  ...(a.orgUnits ?? []).map((o) => `orgUnit:${o}`),
];

const copyValues = <T>(record: Record<string, T>, copy: (v: T) => T): Record<string, T> => {
  const out: Record<string, T> = {};
  for (const key in record) out[key] = copy(record[key] as T);
  return out;
};

/**
 * A copy of an instance state deep enough that running a command on it never changes the
 * original: every object and array the interpreter mutates is copied; values it only
 * replaces (loop items, variables) are shared. Several times faster than structuredClone,
 * which dominated the in-memory engine's profile.
 */
export function cloneState(s: InstanceState): InstanceState {
  return {
    ...s,
    tokens: copyValues(s.tokens, (t) => ({
      ...t,
      ...(t.wait ? { wait: t.wait.kind === 'eventGateway' ? { ...t.wait, targets: [...t.wait.targets] } : { ...t.wait } } : {}),
      ...(t.item ? { item: { ...t.item } } : {}),
    })),
    scopes: copyValues(s.scopes, (sc) => ({ ...sc, ...(sc.multi ? { multi: { ...sc.multi, active: [...sc.multi.active] } } : {}) })),
    tasks: copyValues(s.tasks, (t) => ({
      ...t,
      candidates: [...t.candidates],
      collaborators: [...t.collaborators],
      escalations: [...t.escalations],
      ...(t.approvals ? { approvals: t.approvals.map((a) => ({ ...a })) } : {}),
      ...(t.sent ? { sent: [...t.sent] } : {}),
    })),
    joins: copyValues(s.joins, (arrived) => [...arrived]),
    done: s.done.map((d) => ({ ...d })),
    ...(s.error ? { error: { ...s.error } } : {}),
  };
}
