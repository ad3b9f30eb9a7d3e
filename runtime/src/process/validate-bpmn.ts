import type { DefinitionIssue } from '../definitions/issues.ts';
import type { Reference } from '../definitions/references.ts';
import { RULE_ROOTS } from '../definitions/rule-context.ts';
import { eachChild, type Findings, findingsFor, type ModdleElement, type ModdleWarning, tagOf } from './bpmn-tree.ts';
import { parseJson, ruleBodyProblem, ruleProblem, type TimerKind, timerProblem } from './expressions.ts';
import { mapWarnings, type Unresolved } from './moddle-warnings.ts';
import { checkCallTarget, checkTkExtensions } from './validate-tk.ts';

/**
 * Semantic checks of a parsed BPMN process against what Docket's engine runs
 * (ARCHITECTURE.md, "The process engine"): supported elements, sequence-flow graph,
 * gateway conditions, timers, multi-instance, tk: extensions, foreign extensions.
 * Pure: the moddle tree and the XML text (for lines) in, coded issues out.
 */

const NODE_TYPES = new Set([
  'bpmn:StartEvent',
  'bpmn:EndEvent',
  'bpmn:UserTask',
  'bpmn:ServiceTask',
  'bpmn:SendTask',
  'bpmn:BusinessRuleTask',
  'bpmn:ExclusiveGateway',
  'bpmn:ParallelGateway',
  'bpmn:InclusiveGateway',
  'bpmn:EventBasedGateway',
  'bpmn:BoundaryEvent',
  'bpmn:IntermediateCatchEvent',
  'bpmn:SubProcess',
  'bpmn:CallActivity',
]);
/** Flow elements that carry no behaviour; the engine skips them. */
const HARMLESS = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);
const ACTIVITIES = new Set(['bpmn:UserTask', 'bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask', 'bpmn:SubProcess', 'bpmn:CallActivity']);
/** Event definitions each event may carry ('' = none). */
const EVENT_DEFINITIONS: Record<string, readonly string[]> = {
  'bpmn:StartEvent': ['', 'bpmn:MessageEventDefinition'],
  'bpmn:EndEvent': ['', 'bpmn:TerminateEventDefinition', 'bpmn:ErrorEventDefinition', 'bpmn:MessageEventDefinition'],
  'bpmn:BoundaryEvent': ['bpmn:TimerEventDefinition', 'bpmn:ErrorEventDefinition', 'bpmn:MessageEventDefinition'],
  'bpmn:IntermediateCatchEvent': ['bpmn:TimerEventDefinition', 'bpmn:MessageEventDefinition'],
};
const USER_TASK_HINT: readonly [string, string] = [
  'use a bpmn:userTask for work people do, or a bpmn:serviceTask with tk:action for automatic steps',
  '人工处理请用 bpmn:userTask，自动步骤请用带 tk:action 的 bpmn:serviceTask',
];
const HINTS: Record<string, readonly [string, string]> = {
  'bpmn:Task': USER_TASK_HINT,
  'bpmn:ManualTask': USER_TASK_HINT,
  'bpmn:ScriptTask': [
    'scripts do not run in Docket: use a bpmn:businessRuleTask with tk:rule (json-logic) or a bpmn:serviceTask with tk:action',
    'Docket 不运行脚本：请用带 tk:rule（json-logic）的 bpmn:businessRuleTask 或带 tk:action 的 bpmn:serviceTask',
  ],
  'bpmn:ReceiveTask': [
    'wait with a bpmn:intermediateCatchEvent holding a message event definition',
    '请用带消息事件定义的 bpmn:intermediateCatchEvent 等待消息',
  ],
  'bpmn:ComplexGateway': ['use an exclusive or inclusive gateway with json-logic conditions', '请用带 json-logic 条件的排他网关或包容网关'],
  'bpmn:IntermediateThrowEvent': [
    'send messages with a bpmn:sendTask and tk:action type="sendMessage"',
    '发送消息请用 bpmn:sendTask 与 tk:action type="sendMessage"',
  ],
  'bpmn:Transaction': ['use an embedded bpmn:subProcess', '请改用内嵌子流程 bpmn:subProcess'],
  'bpmn:AdHocSubProcess': ['use an embedded bpmn:subProcess', '请改用内嵌子流程 bpmn:subProcess'],
  eventSubProcess: ['use boundary events on an embedded bpmn:subProcess', '请在内嵌子流程上使用边界事件'],
  standardLoop: [
    'use bpmn:multiInstanceLoopCharacteristics, or loop back through a gateway',
    '请改用多实例 bpmn:multiInstanceLoopCharacteristics，或经网关回退',
  ],
  'bpmn:StartEvent|bpmn:TimerEventDefinition': ['create tickets on a timetable with a schedule definition', '定时创建工单请使用 schedule（计划）定义'],
};
const TIMER_KINDS: TimerKind[] = ['timeDuration', 'timeDate', 'timeCycle'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RULE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;
const COMPLETION_VARIABLES = ['nrOfInstances', 'nrOfCompletedInstances', 'nrOfActiveInstances'];

interface Context {
  findings: Findings;
  unresolved: Unresolved;
  userTasks: ReadonlySet<string>;
  /** Variable roots the engine adds inside multi-instance activities, per element. */
  locals: Map<ModdleElement, readonly string[]>;
}

/** Validates the executable process of a parsed BPMN document; `warnings` are bpmn-moddle's for it. */
export function validateProcessModel(definitions: ModdleElement, xml: string, warnings: readonly ModdleWarning[] = []): DefinitionIssue[] {
  return inspectProcessModel(definitions, xml, warnings).issues;
}

/**
 * The issues and, besides, the definitions the process names (calendars, roles,
 * templates, ticket types, dispatch rules) as references pointing at /bpmn/<elementId>.
 * Semantic checks need exactly one executable process; parseProcessXml reports other counts.
 */
export function inspectProcessModel(
  definitions: ModdleElement,
  xml: string,
  warnings: readonly ModdleWarning[] = [],
): { issues: DefinitionIssue[]; references: Reference[] } {
  const findings = findingsFor(xml);
  const processes = (definitions.rootElements ?? []).filter((r) => r.$type === 'bpmn:Process' && r.isExecutable === true);
  const process = processes.length === 1 ? processes[0] : undefined;
  const owners = new Set<ModdleElement>();
  if (process) collectOwners(process, owners);
  const unresolved = mapWarnings(warnings, owners, findings);
  if (process) {
    const userTasks = new Set([...owners].filter((o) => o.$type === 'bpmn:UserTask' && o.id).map((o) => o.id as string));
    const ctx: Context = { findings, unresolved, userTasks, locals: new Map() };
    checkScope(process, ctx, []);
    checkExtensions(process, owners, ctx);
  }
  // In document order, whichever check found them.
  const references = findings.references.sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
  return { issues: findings.issues, references };
}

function collectOwners(container: ModdleElement, owners: Set<ModdleElement>) {
  owners.add(container);
  for (const el of container.flowElements ?? []) {
    if (el.flowElements) collectOwners(el, owners);
    else owners.add(el);
  }
}

/** One process or sub-process: its nodes, its flows and the graph they make. */
function checkScope(container: ModdleElement, ctx: Context, locals: readonly string[]) {
  const f = ctx.findings;
  const elements = container.flowElements ?? [];
  const nodes = elements.filter((e) => e.$type !== 'bpmn:SequenceFlow' && !HARMLESS.has(e.$type));
  const inScope = new Set(nodes);
  for (const node of nodes) checkNode(node, container, ctx, locals);

  const outgoing = new Map<ModdleElement, ModdleElement[]>(nodes.map((n) => [n, []]));
  const incoming = new Map<ModdleElement, ModdleElement[]>(nodes.map((n) => [n, []]));
  for (const flow of elements.filter((e) => e.$type === 'bpmn:SequenceFlow')) {
    let connected = true;
    for (const end of ['sourceRef', 'targetRef'] as const) {
      const ref = flow[end];
      if (ref && inScope.has(ref)) continue;
      connected = false;
      const missing = ref?.id ?? ctx.unresolved.get(flow)?.get(`bpmn:${end}`);
      f.at(flow, 'DEF_BPMN_DANGLING_FLOW', missing === undefined ? { end } : { end, ref: missing });
    }
    if (connected) {
      outgoing.get(flow.sourceRef as ModdleElement)?.push(flow);
      incoming.get(flow.targetRef as ModdleElement)?.push(flow);
    }
    if (flow.conditionExpression) checkCondition(flow, flow.conditionExpression, ctx, locals);
  }

  for (const gateway of nodes.filter((n) => n.$type === 'bpmn:ExclusiveGateway' || n.$type === 'bpmn:InclusiveGateway')) {
    const out = outgoing.get(gateway) ?? [];
    if (out.length < 2) continue;
    for (const flow of out) {
      if (!flow.conditionExpression && gateway.default !== flow) f.at(gateway, 'DEF_BPMN_MISSING_CONDITION', { flow: flow.id ?? '?' });
    }
  }
  checkReachability(container, nodes, outgoing, incoming, f);
}

function checkReachability(
  container: ModdleElement,
  nodes: readonly ModdleElement[],
  outgoing: Map<ModdleElement, ModdleElement[]>,
  incoming: Map<ModdleElement, ModdleElement[]>,
  f: Findings,
) {
  const starts = nodes.filter((n) => n.$type === 'bpmn:StartEvent');
  if (starts.length === 0) f.at(container, 'DEF_BPMN_NO_START', { element: tagOf(container.$type) });
  const boundaries = new Map<ModdleElement, ModdleElement[]>();
  for (const b of nodes.filter((n) => n.$type === 'bpmn:BoundaryEvent' && n.attachedToRef)) {
    const list = boundaries.get(b.attachedToRef as ModdleElement) ?? [];
    boundaries.set(b.attachedToRef as ModdleElement, [...list, b]);
  }
  // Forwards from the starts; a boundary event is reached with its activity. One without
  // an activity is already an error: its successors are not blamed for it too.
  const unattached = nodes.filter((n) => n.$type === 'bpmn:BoundaryEvent' && !n.attachedToRef);
  const reached = walk([...starts, ...unattached], (n) => [
    ...(outgoing.get(n) ?? []).map((flow) => flow.targetRef as ModdleElement),
    ...(boundaries.get(n) ?? []),
  ]);
  // Backwards from the ends; an activity finishes through its boundary events too.
  const ends = nodes.filter((n) => n.$type === 'bpmn:EndEvent');
  const finishing = walk(ends, (n) => [
    ...(incoming.get(n) ?? []).map((flow) => flow.sourceRef as ModdleElement),
    ...(n.$type === 'bpmn:BoundaryEvent' && n.attachedToRef ? [n.attachedToRef] : []),
  ]);
  for (const node of nodes) {
    // Boundary events are judged through their activity (or their missing attachment).
    if (node.$type === 'bpmn:BoundaryEvent') continue;
    const element = tagOf(node.$type);
    if (!reached.has(node)) f.at(node, 'DEF_BPMN_UNREACHABLE', { element });
    else if (!finishing.has(node) && starts.length > 0) f.at(node, 'DEF_BPMN_DEAD_END', { element }, 'warning');
  }
}

function walk(from: readonly ModdleElement[], next: (n: ModdleElement) => ModdleElement[]): Set<ModdleElement> {
  const seen = new Set<ModdleElement>();
  const stack = [...from];
  while (stack.length > 0) {
    const n = stack.pop() as ModdleElement;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...next(n));
  }
  return seen;
}

/** Why Docket cannot run `el`, or undefined when it can. */
function unsupported(el: ModdleElement, container: ModdleElement): { element: string; hint?: readonly [string, string] } | undefined {
  if (!NODE_TYPES.has(el.$type)) return { element: tagOf(el.$type), hint: HINTS[el.$type] };
  if (el.$type === 'bpmn:SubProcess' && el.triggeredByEvent) return { element: 'bpmn:subProcess triggeredByEvent="true"', hint: HINTS.eventSubProcess };
  if (el.loopCharacteristics?.$type === 'bpmn:StandardLoopCharacteristics') {
    return { element: `${tagOf(el.$type)} + bpmn:standardLoopCharacteristics`, hint: HINTS.standardLoop };
  }
  const allowed = EVENT_DEFINITIONS[el.$type];
  if (!allowed) return undefined;
  const defs = el.eventDefinitions ?? [];
  const kind = defs.length === 0 ? '' : defs.length === 1 ? (defs[0] as ModdleElement).$type : 'several';
  // Only the process itself can be started by a message; a sub-process starts plain.
  const ok = allowed.includes(kind) && !(el.$type === 'bpmn:StartEvent' && kind !== '' && container.$type !== 'bpmn:Process');
  if (ok) return undefined;
  const what = defs.length === 0 ? 'none' : defs.map((d) => tagOf(d.$type)).join(' + ');
  return { element: `${tagOf(el.$type)} (${what})`, hint: HINTS[`${el.$type}|${kind}`] };
}

function checkNode(node: ModdleElement, container: ModdleElement, ctx: Context, locals: readonly string[]) {
  const f = ctx.findings;
  const why = unsupported(node, container);
  if (why) {
    f.at(node, 'DEF_BPMN_UNSUPPORTED', why.hint ? { element: why.element, hint: why.hint[0], hintZh: why.hint[1] } : { element: why.element });
    ctx.locals.set(node, locals);
    return;
  }
  if (node.$type === 'bpmn:BoundaryEvent') {
    const target = node.attachedToRef;
    const missing = ctx.unresolved.get(node)?.get('bpmn:attachedToRef');
    if (!target) f.at(node, 'DEF_BPMN_BOUNDARY_UNATTACHED', missing === undefined ? {} : { ref: missing });
    else if (!ACTIVITIES.has(target.$type) || target.$parent !== container) f.at(node, 'DEF_BPMN_BOUNDARY_UNATTACHED', { ref: target.id ?? '?' });
    else if (target.$type === 'bpmn:CallActivity' && (node.eventDefinitions ?? []).some((d) => d.$type === 'bpmn:ErrorEventDefinition')) {
      // Child tickets end on their own; their errors do not travel to the parent.
      f.at(node, 'DEF_BPMN_UNSUPPORTED', {
        element: 'an error boundary event on a call activity',
        hint: 'child tickets do not raise errors into their parent; use a timer or message boundary, or a gateway after the call',
        hintZh: '子工单的错误不会传递给父流程；请改用定时或消息边界事件，或在调用活动之后用网关判断',
      });
    }
  }
  if (node.$type === 'bpmn:EventBasedGateway') {
    const flows = (container.flowElements ?? []).filter((e) => e.$type === 'bpmn:SequenceFlow' && e.sourceRef === node);
    if (flows.some((e) => e.targetRef && e.targetRef.$type !== 'bpmn:IntermediateCatchEvent')) {
      // Anything else after an event-based gateway would wait forever.
      f.at(node, 'DEF_BPMN_UNSUPPORTED', {
        element: 'an event-based gateway leading to something other than a timer or message catch event',
        hint: 'connect each outgoing flow to an intermediate timer or message catch event',
        hintZh: '事件网关的每条出线都必须连接中间定时或消息捕获事件',
      });
    }
  }
  for (const def of node.eventDefinitions ?? []) if (def.$type === 'bpmn:TimerEventDefinition') checkTimer(node, def, f);
  let inner = locals;
  if (node.loopCharacteristics) inner = checkMultiInstance(node, node.loopCharacteristics, f, locals);
  ctx.locals.set(node, inner);
  if (node.$type === 'bpmn:CallActivity') checkCallTarget(node, { findings: f, userTasks: ctx.userTasks, locals: inner });
  if (node.$type === 'bpmn:SubProcess') checkScope(node, ctx, inner);
}

function checkCondition(owner: ModdleElement, expression: ModdleElement, ctx: Context, locals: readonly string[], where = 'condition') {
  const language = expression.language;
  const problem =
    language !== undefined && language !== '' && language !== 'json-logic'
      ? { reason: `language "${language}" is not supported; use json-logic`, reasonZh: `不支持语言 "${language}"，请使用 json-logic` }
      : ruleBodyProblem(expression.body, locals);
  if (problem) ctx.findings.at(owner, 'DEF_BPMN_BAD_CONDITION', { where, ...problem });
}

function checkTimer(node: ModdleElement, def: ModdleElement, f: Findings) {
  const given = TIMER_KINDS.filter((k) => def[k] !== undefined);
  if (given.length !== 1) {
    f.at(node, 'DEF_BPMN_BAD_TIMER', {
      reason: 'a timer needs exactly one of timeDuration, timeDate or timeCycle',
      reasonZh: '定时器必须且只能设置 timeDuration、timeDate、timeCycle 之一',
    });
    return;
  }
  const kind = given[0] as TimerKind;
  const problem = timerProblem(kind, def[kind]?.body?.trim() ?? '');
  if (problem) f.at(node, 'DEF_BPMN_BAD_TIMER', { ...problem });
}

/** Multi-instance settings; returns the variable roots rules inside the activity may use. */
function checkMultiInstance(node: ModdleElement, lc: ModdleElement, f: Findings, locals: readonly string[]): readonly string[] {
  const bad = (reason: string, reasonZh: string) => f.at(node, 'DEF_BPMN_BAD_MULTI_INSTANCE', { reason, reasonZh });
  const { loopCardinality: cardinality, collection, elementVariable } = lc;
  if ((cardinality === undefined) === (collection === undefined)) {
    bad('multi-instance needs exactly one of loopCardinality or tk:collection', '多实例必须且只能设置 loopCardinality 或 tk:collection 之一');
  }
  if (cardinality) {
    const { value, problem } = parseJson(cardinality.body);
    const ruleIssue = problem ?? (typeof value === 'number' ? undefined : ruleProblem(value, locals));
    if (ruleIssue) bad(`loopCardinality: ${ruleIssue.reason}`, `loopCardinality：${ruleIssue.reasonZh}`);
    else if (typeof value === 'number' && !(Number.isInteger(value) && value >= 1))
      bad('loopCardinality must be a whole number ≥ 1', 'loopCardinality 必须是不小于 1 的整数');
  }
  if (collection !== undefined) {
    const root = collection.split('.')[0] as string;
    if (!RULE_PATH.test(collection) || !([...RULE_ROOTS, ...locals] as string[]).includes(root)) {
      bad(
        `tk:collection "${collection}" must be a rule-context path such as data.engineers`,
        `tk:collection "${collection}" 必须是规则上下文路径，如 data.engineers`,
      );
    }
  }
  if (elementVariable !== undefined && (!IDENTIFIER.test(elementVariable) || (RULE_ROOTS as string[]).includes(elementVariable))) {
    bad(
      `tk:elementVariable "${elementVariable}" must be a name (letters, digits, _) other than ${RULE_ROOTS.join(', ')}`,
      `tk:elementVariable "${elementVariable}" 必须是名称（字母、数字、_），且不能是 ${RULE_ROOTS.join('、')}`,
    );
  }
  const inner = [...locals, 'loopCounter', elementVariable ?? 'item'];
  if (lc.completionCondition) {
    const problem = ruleBodyProblem(lc.completionCondition.body, [...inner, ...COMPLETION_VARIABLES]);
    if (problem) f.at(node, 'DEF_BPMN_BAD_CONDITION', { where: 'completionCondition', ...problem });
  }
  return inner;
}

/** tk: elements wherever they are, and one warning per element carrying foreign (camunda:, zeebe:…) extensions. */
const OWN_PREFIXES = new Set(['xmlns', 'xml', 'xsi', 'bpmn', 'bpmndi', 'dc', 'di', 'tk']);
function checkExtensions(process: ModdleElement, owners: ReadonlySet<ModdleElement>, ctx: Context) {
  const foreign = new Map<ModdleElement, Set<string>>();
  const note = (owner: ModdleElement, name: string) => foreign.set(owner, (foreign.get(owner) ?? new Set()).add(name));
  const visit = (el: ModdleElement, owner: ModdleElement) => {
    const self = owners.has(el) ? el : owner;
    for (const name in el.$attrs) {
      const colon = name.indexOf(':');
      if (colon > 0 && !OWN_PREFIXES.has(name.slice(0, colon))) note(self, name);
    }
    if (el.$type === 'bpmn:ExtensionElements') {
      const values = (el as { values?: ModdleElement[] }).values ?? [];
      for (const v of values) if (!v.$type.startsWith('tk:')) note(self, v.$type);
      const tk = values.filter((v) => v.$type.startsWith('tk:'));
      const scope = { findings: ctx.findings, userTasks: ctx.userTasks, locals: ctx.locals.get(self) ?? [] };
      if (tk.length > 0 && el.$parent) checkTkExtensions(el.$parent, self, tk, scope);
      // Foreign elements are not entered; tk elements are, for foreign attributes on them.
      for (const v of tk) visit(v, self);
      return;
    }
    eachChild(el, (child) => visit(child, self));
  };
  visit(process, process);
  for (const [owner, names] of foreign) ctx.findings.at(owner, 'DEF_BPMN_FOREIGN_EXTENSION', { names: [...names] }, 'warning');
}
