import type { RulesLogic } from 'json-logic-js';
import { DocketError } from '../errors.ts';
import { parseIsoDuration } from './calendar.ts';
import { BPMN_MODDLE } from './moddle.ts';

/** What a node does when a token reaches it. Anything validation rejects never gets here. */
export type NodeKind =
  | 'start'
  | 'end'
  | 'userTask'
  | 'serviceTask'
  | 'ruleTask'
  | 'exclusive'
  | 'parallel'
  | 'inclusive'
  | 'eventBased'
  | 'timerCatch'
  | 'messageCatch'
  | 'subProcess'
  | 'callActivity'
  | 'boundary';

export type EventType = 'none' | 'terminate' | 'error' | 'message' | 'timer';
export const STATUS_CATEGORIES = ['new', 'open', 'pending', 'resolved', 'closed', 'cancelled'] as const;
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];

export const TASK_ACTIONS = [
  'assign',
  'claim',
  'accept',
  'start',
  'complete',
  'reject',
  'approve',
  'transfer',
  'escalate',
  'return',
  'withdraw',
  'pause',
  'resume',
  'addCollaborator',
  'cancel',
] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

export interface FlowDef {
  id: string;
  source: string;
  target: string;
  name?: string;
  condition?: RulesLogic;
}

export interface TimerDef {
  /** ms for durations and cycles; an ISO instant for dates. */
  duration?: number;
  date?: string;
  /** Cycles R<n>/<duration>: how many times (Infinity for R/…). */
  repeat?: number;
}

export interface MultiInstanceDef {
  sequential: boolean;
  cardinality?: RulesLogic | number;
  /** A rule-context path (e.g. `data.workOrders`) whose array items each get one instance. */
  collection?: string;
  elementVariable?: string;
  completion?: RulesLogic;
}

export interface Reminder {
  /** Offset from the deadline in ms: negative before, positive after. */
  offset: number;
  to: string[];
  template?: string;
}
export interface Escalation {
  after: number;
  to: string[];
  severity?: string;
  template?: string;
}

export const APPROVAL_MODES = ['single', 'all', 'any', 'sequential', 'percentage'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** How `tk:assignee rule` picks who does a step (assignment.ts). */
export const ASSIGNEE_RULES = ['user', 'role', 'team', 'post', 'orgUnit', 'field', 'creator', 'manager', 'previous', 'pool', 'dispatchRule'] as const;

/** `tk:action type`s the engine runs itself; any other type is a plugin's `ns:name` (run.ts). */
export const BUILTIN_ACTIONS = ['setFields', 'sendMessage', 'createTickets', 'webhook', 'renderReport'] as const;

export interface UserTaskConfig {
  status?: string;
  statusCategory?: StatusCategory;
  /** Actions offered at this step besides the completing ones. */
  actions: Set<TaskAction>;
  /** The actions that finish the step (售后宝: 接受 finishes "accept", 指派 finishes "assign"). */
  completeOn: Set<TaskAction>;
  assignee?: { rule: string; ref?: string };
  approval?: { mode: ApprovalMode; approvers: string[]; percentage?: number; onReject?: string };
  fields: { editable: string[]; required: string[]; hidden: string[] };
  timeout?: { duration: number; calendar?: string; reminders: Reminder[]; escalations: Escalation[] };
}

export interface ServiceAction {
  type: string;
  params: Record<string, unknown>;
}

export interface NodeDef {
  id: string;
  kind: NodeKind;
  name?: string;
  /** Id of the enclosing sub-process, or the process id. */
  parent: string;
  incoming: string[];
  outgoing: string[];
  defaultFlow?: string;
  eventType?: EventType;
  errorCode?: string;
  message?: string;
  timer?: TimerDef;
  attachedTo?: string;
  cancelActivity?: boolean;
  boundaries: string[];
  task?: UserTaskConfig;
  actions?: ServiceAction[];
  rules?: { target: string; logic: RulesLogic }[];
  call?: { ticketType: string; wait: 'all' | 'none'; data: Record<string, RulesLogic> };
  status?: { status?: string; statusCategory?: StatusCategory };
  multi?: MultiInstanceDef;
  /** Start events of a sub-process. */
  starts?: string[];
}

export interface ProcessModel {
  id: string;
  name?: string;
  nodes: Map<string, NodeDef>;
  flows: Map<string, FlowDef>;
  /** None start events of the process itself. */
  starts: string[];
  messageStarts: Map<string, string>;
  /** The status a cancelled or withdrawn ticket shows (`tk:status` on the process; 售后宝: 已取消). */
  cancelStatus?: string;
  /** Nodes reachable from each node (filled lazily; inclusive joins ask it). */
  reach: Map<string, Set<string>>;
}

interface El {
  $type: string;
  id: string;
  name?: string;
  [k: string]: unknown;
}

const KIND_OF: Record<string, NodeKind> = {
  'bpmn:StartEvent': 'start',
  'bpmn:EndEvent': 'end',
  'bpmn:UserTask': 'userTask',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:SendTask': 'serviceTask',
  'bpmn:BusinessRuleTask': 'ruleTask',
  'bpmn:ExclusiveGateway': 'exclusive',
  'bpmn:ParallelGateway': 'parallel',
  'bpmn:InclusiveGateway': 'inclusive',
  'bpmn:EventBasedGateway': 'eventBased',
  'bpmn:SubProcess': 'subProcess',
  'bpmn:CallActivity': 'callActivity',
  'bpmn:BoundaryEvent': 'boundary',
};

const words = (s: unknown): string[] => (typeof s === 'string' ? s.split(/\s+/).filter(Boolean) : []);
const json = (s: unknown): unknown => (typeof s === 'string' && s.trim() ? JSON.parse(s) : undefined);
const body = (e: unknown): string | undefined => (e && typeof e === 'object' ? ((e as { body?: string }).body?.trim() ?? undefined) : undefined);
const ext = (el: El, type: string): El[] => ((el.extensionElements as { values?: El[] } | undefined)?.values ?? []).filter((v) => v.$type === type);

function timerOf(def: El): TimerDef {
  const duration = body(def.timeDuration);
  if (duration) return { duration: parseIsoDuration(duration) };
  const date = body(def.timeDate);
  if (date) return { date };
  const cycle = body(def.timeCycle) ?? '';
  const m = /^R(\d*)\/(P.+)$/.exec(cycle);
  if (!m) throw new DocketError('BAD_TIMER', `unsupported timer cycle: ${cycle}`);
  return { duration: parseIsoDuration(m[2] as string), repeat: m[1] ? Number(m[1]) : Number.POSITIVE_INFINITY };
}

function taskConfig(el: El): UserTaskConfig | undefined {
  const t = ext(el, 'tk:Task')[0];
  const cfg: UserTaskConfig = {
    actions: new Set(words(t?.actions) as TaskAction[]),
    completeOn: new Set((t?.completeOn ? words(t.completeOn) : ['complete']) as TaskAction[]),
    fields: { editable: [], required: [], hidden: [] },
  };
  if (!t) return cfg;
  if (t.status) cfg.status = t.status as string;
  if (t.statusCategory) cfg.statusCategory = t.statusCategory as StatusCategory;
  const a = t.assignee as El | undefined;
  if (a) cfg.assignee = { rule: a.rule as string, ...(a.ref ? { ref: a.ref as string } : {}) };
  const ap = t.approval as El | undefined;
  if (ap) {
    cfg.approval = { mode: ((ap.mode as string | undefined) ?? 'single') as ApprovalMode, approvers: words(ap.approvers) };
    if (ap.percentage !== undefined) cfg.approval.percentage = Number(ap.percentage);
    if (ap.onReject) cfg.approval.onReject = ap.onReject as string;
  }
  for (const f of (t.fields as El[] | undefined) ?? []) {
    cfg.fields.editable.push(...words(f.editable));
    cfg.fields.required.push(...words(f.required));
    cfg.fields.hidden.push(...words(f.hidden));
  }
  const to = t.timeout as El | undefined;
  if (to?.duration) {
    cfg.timeout = {
      duration: parseIsoDuration(to.duration as string),
      ...(to.calendar ? { calendar: to.calendar as string } : {}),
      reminders: ((to.remind as El[] | undefined) ?? []).map((r) => ({
        offset: r.before ? -parseIsoDuration(r.before as string) : parseIsoDuration((r.after as string) ?? 'PT0S'),
        to: words(r.to),
        ...(r.template ? { template: r.template as string } : {}),
      })),
      escalations: ((to.escalate as El[] | undefined) ?? []).map((e) => ({
        after: parseIsoDuration((e.after as string) ?? 'PT0S'),
        to: words(e.to),
        ...(e.severity ? { severity: e.severity as string } : {}),
        ...(e.template ? { template: e.template as string } : {}),
      })),
    };
  }
  return cfg;
}

function multiOf(el: El): MultiInstanceDef | undefined {
  const lc = el.loopCharacteristics as El | undefined;
  if (lc?.$type !== 'bpmn:MultiInstanceLoopCharacteristics') return undefined;
  const m: MultiInstanceDef = { sequential: lc.isSequential === true };
  const card = body(lc.loopCardinality);
  if (card) m.cardinality = /^\d+$/.test(card) ? Number(card) : (json(card) as RulesLogic);
  if (lc.collection) m.collection = lc.collection as string;
  if (lc.elementVariable) m.elementVariable = lc.elementVariable as string;
  const done = body(lc.completionCondition);
  if (done) m.completion = json(done) as RulesLogic;
  return m;
}

function nodeOf(el: El, parent: string): NodeDef {
  const kind0 = KIND_OF[el.$type];
  const defs = (el.eventDefinitions as El[] | undefined) ?? [];
  const def = defs[0];
  let kind: NodeKind | undefined = kind0;
  if (el.$type === 'bpmn:IntermediateCatchEvent') kind = def?.$type === 'bpmn:TimerEventDefinition' ? 'timerCatch' : 'messageCatch';
  if (!kind) throw new DocketError('BPMN_UNSUPPORTED', `unsupported element ${el.$type} (${el.id})`, { element: el.id });
  const node: NodeDef = { id: el.id, kind, parent, incoming: [], outgoing: [], boundaries: [] };
  if (el.name) node.name = el.name;
  if (def) {
    const t = def.$type;
    node.eventType = t.includes('Terminate')
      ? 'terminate'
      : t.includes('Error')
        ? 'error'
        : t.includes('Message')
          ? 'message'
          : t.includes('Timer')
            ? 'timer'
            : 'none';
    if (node.eventType === 'error') {
      const ref = def.errorRef as El | undefined;
      if (ref) node.errorCode = (ref.errorCode as string | undefined) ?? ref.id;
    }
    if (node.eventType === 'message') {
      const ref = def.messageRef as El | undefined;
      node.message = (ref?.name as string | undefined) ?? ref?.id ?? el.id;
    }
    if (node.eventType === 'timer') node.timer = timerOf(def);
  } else if (kind === 'start' || kind === 'end' || kind === 'boundary') node.eventType = 'none';
  if (kind === 'boundary') {
    node.attachedTo = (el.attachedToRef as El | undefined)?.id as string;
    node.cancelActivity = el.cancelActivity !== false;
  }
  if (kind === 'userTask') node.task = taskConfig(el);
  const status = ext(el, 'tk:Status')[0];
  if (status)
    node.status = {
      ...(status.status ? { status: status.status as string } : {}),
      ...(status.statusCategory ? { statusCategory: status.statusCategory as StatusCategory } : {}),
    };
  if (kind === 'serviceTask')
    node.actions = ext(el, 'tk:Action').map((a) => ({ type: a.type as string, params: (json(a.body) as Record<string, unknown>) ?? {} }));
  if (kind === 'ruleTask') node.rules = ext(el, 'tk:Rule').map((r) => ({ target: r.target as string, logic: json(r.body) as RulesLogic }));
  if (kind === 'callActivity') {
    const c = ext(el, 'tk:Call')[0];
    node.call = {
      ticketType: (c?.ticketType as string | undefined) ?? (el.calledElement as string),
      wait: c?.wait === 'none' ? 'none' : 'all',
      data: (json(c?.body) as Record<string, RulesLogic>) ?? {},
    };
  }
  const multi = multiOf(el);
  if (multi) node.multi = multi;
  return node;
}

const IGNORED = new Set(['bpmn:TextAnnotation', 'bpmn:Association', 'bpmn:Group', 'bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

function collect(container: El, parent: string, model: ProcessModel): string[] {
  const starts: string[] = [];
  const elements = (container.flowElements as El[] | undefined) ?? [];
  for (const el of elements) {
    if (IGNORED.has(el.$type) || el.$type === 'bpmn:SequenceFlow') continue;
    const node = nodeOf(el, parent);
    model.nodes.set(node.id, node);
    if (node.kind === 'start') {
      if (node.eventType === 'message' && parent === model.id) model.messageStarts.set(node.message as string, node.id);
      else starts.push(node.id);
    }
    if (node.kind === 'subProcess') node.starts = collect(el, node.id, model);
  }
  for (const el of elements) {
    if (el.$type !== 'bpmn:SequenceFlow') continue;
    const flow: FlowDef = { id: el.id, source: (el.sourceRef as El).id, target: (el.targetRef as El).id };
    if (el.name) flow.name = el.name;
    const cond = body(el.conditionExpression);
    if (cond) flow.condition = json(cond) as RulesLogic;
    model.flows.set(flow.id, flow);
    model.nodes.get(flow.source)?.outgoing.push(flow.id);
    model.nodes.get(flow.target)?.incoming.push(flow.id);
  }
  for (const el of elements) {
    const node = model.nodes.get(el.id);
    if (node && el.default) node.defaultFlow = (el.default as El).id;
  }
  return starts;
}

/** Compiles a validated BPMN document into the graph the interpreter walks. */
export async function compileProcess(xml: string): Promise<ProcessModel> {
  const { rootElement } = await BPMN_MODDLE.fromXML(xml, 'bpmn:Definitions');
  const root = rootElement as unknown as El;
  const process = ((root.rootElements as El[]) ?? []).find((r) => r.$type === 'bpmn:Process' && r.isExecutable === true);
  if (!process) throw new DocketError('BPMN_NO_PROCESS', 'no executable process');
  const model: ProcessModel = { id: process.id, nodes: new Map(), flows: new Map(), starts: [], messageStarts: new Map(), reach: new Map() };
  if (process.name) model.name = process.name;
  model.starts = collect(process, process.id, model);
  const cancelled = ext(process, 'tk:Status')[0]?.status;
  if (typeof cancelled === 'string') model.cancelStatus = cancelled;
  for (const node of model.nodes.values()) {
    if (node.kind === 'boundary' && node.attachedTo) model.nodes.get(node.attachedTo)?.boundaries.push(node.id);
  }
  return model;
}

/** Every node reachable from `from` by sequence flows (boundary events count through their activity). */
export function reachable(model: ProcessModel, from: string): Set<string> {
  const cached = model.reach.get(from);
  if (cached) return cached;
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop() as string;
    const node = model.nodes.get(id);
    if (!node) continue;
    const next = [...node.outgoing.map((f) => model.flows.get(f)?.target as string), ...node.boundaries];
    for (const n of next) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  model.reach.set(from, seen);
  return seen;
}
