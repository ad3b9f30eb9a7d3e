import type { Kind } from '../definitions/kinds/index.ts';
import { FIELD_KEY_PATTERN, KEY_PATTERN } from '../definitions/schema-kit.ts';
import type { Findings, ModdleElement } from './bpmn-tree.ts';
import { tagOf } from './bpmn-tree.ts';
import { isDuration, isJsonObject, parseJson, ruleBodyProblem, ruleProblem } from './expressions.ts';
import { BUILTIN_ACTIONS, APPROVAL_MODES as MODES, ASSIGNEE_RULES as RULES, STATUS_CATEGORIES, TASK_ACTIONS } from './model.ts';

/**
 * Checks of the `tk:` extension elements (tk-moddle.json) against what the engine
 * (model.ts, assignment.ts, run.ts) understands, and the definitions they name.
 * Unknown tk attributes and elements come from bpmn-moddle's warnings (validate-bpmn.ts).
 */

const ASSIGNEE_RULES: string[] = [...RULES];
/** Rules whose ref is optional: creator needs none, previous may name a step, pool may list candidates, manager defaults to the assignee's. */
const OPTIONAL_REF = new Set(['creator', 'previous', 'pool', 'manager']);
const MANAGER_OF = ['assignee', 'creator', 'previous'];
const APPROVAL_MODES: string[] = [...MODES];
const ACTION_TYPES: string[] = [...BUILTIN_ACTIONS];
const CALL_WAIT = ['all', 'none'];
const GROUPS = ['user', 'role', 'team', 'post', 'orgUnit'];
const APPROVERS = ['user:<id>', 'role:<key>', 'team:<id>', 'post:<id>', 'orgUnit:<id>', 'field:data.<field>', 'manager', 'creator'];
const RECIPIENTS = ['assignee', 'collaborators', 'creator', 'managers', 'manager', 'user:<id>', 'post:<id>', 'role:<key>', 'team:<id>'];
const RECIPIENT_PREFIXES = ['user', 'post', 'role', 'team'];

const inner = (pattern: string) => pattern.slice(1, -1);
const KEY = new RegExp(KEY_PATTERN);
/** A value the engine can read or write: data.x, receipt.x (form fields) or components.k (component rows). */
const FIELD_PATH = new RegExp(`^(?:(?:data|receipt)\\.${inner(FIELD_KEY_PATTERN)}|components\\.${inner(KEY_PATTERN)})$`);
const FIELD_PATTERN = new RegExp(`${FIELD_PATH.source}|^(?:(?:data|receipt|components)\\.)?\\*$`);

type Format = readonly [en: string, zh: string];
const FORMATS = {
  duration: ['an ISO 8601 duration such as PT2H, P1D or PT30M', '如 PT2H、P1D、PT30M 的 ISO 8601 时长'],
  key: ['a definition key such as "default" or "field-service:repair"', '定义键，如 "default" 或 "field-service:repair"'],
  fieldPath: ['a field path: data.<field>, receipt.<field> or components.<component>', '字段路径：data.<字段>、receipt.<字段> 或 components.<组件>'],
  fieldPattern: [
    'field patterns: data.<field>, receipt.<field>, components.<component>, data.*, receipt.*, components.* or *',
    '字段模式：data.<字段>、receipt.<字段>、components.<组件>、data.*、receipt.*、components.* 或 *',
  ],
  percentage: ['a whole number from 1 to 100', '1 到 100 之间的整数'],
  beforeOrAfter: ['either before or after, not both', 'before 与 after 二选一，不能同时设置'],
} satisfies Record<string, Format>;

/** Where each tk element may appear: flow element types for top-level ones, the tk parent for nested ones. */
const EVENTS_AND_AUTOMATIC = [
  'bpmn:Process',
  'bpmn:StartEvent',
  'bpmn:EndEvent',
  'bpmn:IntermediateCatchEvent',
  'bpmn:BoundaryEvent',
  'bpmn:ServiceTask',
  'bpmn:SendTask',
  'bpmn:BusinessRuleTask',
  'bpmn:CallActivity',
  'bpmn:SubProcess',
];
const PLACES: Record<string, readonly string[]> = {
  'tk:Task': ['bpmn:UserTask'],
  'tk:Status': EVENTS_AND_AUTOMATIC,
  'tk:Action': ['bpmn:ServiceTask', 'bpmn:SendTask'],
  'tk:Call': ['bpmn:CallActivity'],
  'tk:Rule': ['bpmn:BusinessRuleTask'],
  'tk:Assignee': ['tk:Task'],
  'tk:Approval': ['tk:Task'],
  'tk:Fields': ['tk:Task'],
  'tk:Timeout': ['tk:Task'],
  'tk:Remind': ['tk:Timeout'],
  'tk:Escalate': ['tk:Timeout'],
};
const SINGLE = new Set(['tk:Task', 'tk:Status', 'tk:Call']);

/** Tags a tk element may appear in, as written in XML (for misplacement messages). */
export const placesOf = (type: string): string[] => (PLACES[type] ?? []).map(tagOf);

export interface TkScope {
  findings: Findings;
  /** Ids of every user task in the process: rejection and previous-assignee targets. */
  userTasks: ReadonlySet<string>;
  /** Variable roots the engine adds where these rules run (multi-instance item, loopCounter). */
  locals: readonly string[];
}

interface Tk extends ModdleElement {
  [property: string]: unknown;
}
const words = (v: unknown) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : []);
const shown = (v: unknown) => {
  const s = String(v).trim();
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Reports against one owner element: every issue names it. */
function reporter(owner: ModdleElement, scope: TkScope) {
  const f = scope.findings;
  const r = {
    value: (element: string, attribute: string, value: unknown, allowed: readonly string[]) =>
      f.at(owner, 'DEF_BPMN_EXTENSION_VALUE', { element, attribute, value: shown(value), allowed }),
    format: (element: string, attribute: string, value: unknown, [format, formatZh]: Format) =>
      f.at(owner, 'DEF_BPMN_EXTENSION_FORMAT', { element, attribute, value: shown(value), format, formatZh }),
    missing: (element: string, attribute?: string) => f.at(owner, 'DEF_BPMN_EXTENSION_MISSING', attribute ? { element, attribute } : { element }),
    /** `value` must be one of `allowed`; `shownAllowed` is what the message lists, when that is wider. */
    oneOf(element: string, attribute: string, value: unknown, allowed: readonly string[], shownAllowed = allowed) {
      if (value !== undefined && !allowed.includes(value as string)) r.value(element, attribute, value, shownAllowed);
    },
    duration(element: string, attribute: string, value: unknown) {
      if (value !== undefined && !isDuration(String(value))) r.format(element, attribute, value, FORMATS.duration);
    },
    /** A definition key: reported when malformed, else recorded as a reference. */
    key(element: string, attribute: string, value: unknown, kind: Kind) {
      if (typeof value !== 'string') return;
      if (KEY.test(value)) f.refer(owner, kind, value);
      else r.format(element, attribute, value, FORMATS.key);
    },
    /** A rule, parsed (`rule`) or as the text body of an element (`body`). */
    rule(where: string, rule: unknown, body?: string) {
      const problem = body === undefined ? ruleProblem(rule, scope.locals) : ruleBodyProblem(body, scope.locals);
      if (problem) f.at(owner, 'DEF_BPMN_BAD_CONDITION', { where, ...problem });
    },
    /** A JSON object body (tk:action, tk:call); undefined when absent or reported. */
    object(element: string, body: unknown): Record<string, unknown> | undefined {
      if (typeof body !== 'string' || body.trim() === '') return undefined;
      const parsed = parseJson(body);
      if (isJsonObject(parsed.value)) return parsed.value;
      const p = parsed.problem;
      r.format(element, 'body', body, p ? [`a JSON object (${p.reason})`, `JSON 对象（${p.reasonZh}）`] : ['a JSON object', 'JSON 对象']);
      return undefined;
    },
  };
  return r;
}
type Reporter = ReturnType<typeof reporter>;

/** Checks the tk: elements of one extensionElements. `holder` carries them; `owner` is the flow element issues name. */
export function checkTkExtensions(holder: ModdleElement, owner: ModdleElement, values: readonly ModdleElement[], scope: TkScope): void {
  const r = reporter(owner, scope);
  const seen = new Set<string>();
  for (const el of values as Tk[]) {
    const places = PLACES[el.$type] ?? [];
    if (!places.includes(holder.$type)) {
      scope.findings.at(owner, 'DEF_BPMN_MISPLACED_EXTENSION', { element: tagOf(el.$type), parent: tagOf(holder.$type), allowed: placesOf(el.$type) });
      continue;
    }
    if (SINGLE.has(el.$type)) {
      if (seen.has(el.$type)) scope.findings.at(owner, 'DEF_BPMN_DUPLICATE_EXTENSION', { element: tagOf(el.$type) });
      seen.add(el.$type);
    }
    if (el.$type === 'tk:Task') checkTask(el, r, scope);
    else if (el.$type === 'tk:Status') r.oneOf('tk:status', 'statusCategory', el.statusCategory, STATUS_CATEGORIES);
    else if (el.$type === 'tk:Action') checkAction(el, r);
    else if (el.$type === 'tk:Rule') checkRule(el, r);
    else if (el.$type === 'tk:Call') checkCall(el, r);
  }
}

/** A call activity starts child tickets of a ticket type: tk:call's, or (as the engine falls back) calledElement. */
export function checkCallTarget(activity: ModdleElement, scope: TkScope): void {
  const r = reporter(activity, scope);
  const call = activity.extensionElements?.values?.find((v) => v.$type === 'tk:Call') as Tk | undefined;
  if (typeof call?.ticketType === 'string') r.key('tk:call', 'ticketType', call.ticketType, 'ticketType');
  else if (activity.calledElement !== undefined) r.key('bpmn:callActivity', 'calledElement', activity.calledElement, 'ticketType');
  else if (call) r.missing('tk:call', 'ticketType');
  else r.missing('tk:call');
}

function checkTask(t: Tk, r: Reporter, scope: TkScope) {
  r.oneOf('tk:task', 'statusCategory', t.statusCategory, STATUS_CATEGORIES);
  for (const attribute of ['actions', 'completeOn']) {
    for (const a of words(t[attribute])) r.oneOf('tk:task', attribute, a, TASK_ACTIONS);
  }
  if (t.assignee) checkAssignee(t.assignee as Tk, r, scope);
  if (t.approval) checkApproval(t.approval as Tk, r, scope);
  for (const f of (t.fields as Tk[] | undefined) ?? []) {
    for (const attribute of ['editable', 'required', 'hidden']) {
      for (const p of words(f[attribute])) if (!FIELD_PATTERN.test(p)) r.format('tk:fields', attribute, p, FORMATS.fieldPattern);
    }
  }
  const timeout = t.timeout as Tk | undefined;
  if (timeout) {
    r.duration('tk:timeout', 'duration', timeout.duration);
    r.key('tk:timeout', 'calendar', timeout.calendar, 'calendar');
    for (const remind of (timeout.remind as Tk[] | undefined) ?? []) {
      if (remind.before !== undefined && remind.after !== undefined) r.format('tk:remind', 'before', remind.before, FORMATS.beforeOrAfter);
      r.duration('tk:remind', 'before', remind.before);
      r.duration('tk:remind', 'after', remind.after);
      checkNotice('tk:remind', remind, r);
    }
    for (const escalate of (timeout.escalate as Tk[] | undefined) ?? []) {
      r.duration('tk:escalate', 'after', escalate.after);
      checkNotice('tk:escalate', escalate, r);
    }
  }
}

/** Who a reminder or escalation goes to, and the message template it uses. */
function checkNotice(element: string, notice: Tk, r: Reporter) {
  const to = words(notice.to);
  if (to.length === 0) r.missing(element, 'to');
  for (const who of to) {
    const [prefix, rest] = splitToken(who);
    if (rest === undefined ? !RECIPIENTS.includes(who) : !RECIPIENT_PREFIXES.includes(prefix) || rest === '') r.value(element, 'to', who, RECIPIENTS);
    else if (prefix === 'role') r.key(element, 'to', rest, 'role');
  }
  r.key(element, 'template', notice.template, 'messageTemplate');
}

const splitToken = (token: string): [string, string | undefined] => {
  const i = token.indexOf(':');
  return i === -1 ? [token, undefined] : [token.slice(0, i), token.slice(i + 1)];
};

function checkAssignee(a: Tk, r: Reporter, scope: TkScope) {
  const rule = a.rule as string | undefined;
  if (rule === undefined) return r.missing('tk:assignee', 'rule');
  if (!ASSIGNEE_RULES.includes(rule)) return r.value('tk:assignee', 'rule', rule, ASSIGNEE_RULES);
  const refs = words(a.ref);
  if (refs.length === 0) {
    if (!OPTIONAL_REF.has(rule)) r.missing('tk:assignee', 'ref');
    return;
  }
  for (const ref of refs) {
    if (rule === 'role') r.key('tk:assignee', 'ref', ref, 'role');
    else if (rule === 'dispatchRule') r.key('tk:assignee', 'ref', ref, 'dispatchRule');
    else if (rule === 'manager') r.oneOf('tk:assignee', 'ref', ref, MANAGER_OF);
    else if (rule === 'previous') r.oneOf('tk:assignee', 'ref', ref, [...scope.userTasks]);
    else if (rule === 'field' && !FIELD_PATH.test(ref) && ref !== 'ticket.assignee' && ref !== 'ticket.creator') {
      r.format('tk:assignee', 'ref', ref, FORMATS.fieldPath);
    } else if (rule === 'pool') {
      const [prefix, rest] = splitToken(ref);
      if (!GROUPS.includes(prefix) || !rest)
        r.value(
          'tk:assignee',
          'ref',
          ref,
          GROUPS.map((g) => `${g}:<id>`),
        );
      else if (prefix === 'role') r.key('tk:assignee', 'ref', rest, 'role');
    }
  }
}

function checkApproval(a: Tk, r: Reporter, scope: TkScope) {
  r.oneOf('tk:approval', 'mode', a.mode, APPROVAL_MODES);
  const p = a.percentage as number | undefined;
  if (a.mode === 'percentage' && !(Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 100)) {
    if (p === undefined) r.missing('tk:approval', 'percentage');
    else r.format('tk:approval', 'percentage', p, FORMATS.percentage);
  }
  for (const who of words(a.approvers)) {
    const [prefix, rest] = splitToken(who);
    if (rest === undefined) r.oneOf('tk:approval', 'approvers', who, ['manager', 'creator'], APPROVERS);
    else if (prefix === 'field') {
      if (!FIELD_PATH.test(rest)) r.format('tk:approval', 'approvers', who, FORMATS.fieldPath);
    } else if (!GROUPS.includes(prefix) || rest === '') r.value('tk:approval', 'approvers', who, APPROVERS);
    else if (prefix === 'role') r.key('tk:approval', 'approvers', rest, 'role');
  }
  if (a.onReject !== undefined) r.oneOf('tk:approval', 'onReject', a.onReject, [...scope.userTasks]);
}

function checkAction(a: Tk, r: Reporter) {
  const type = a.type as string | undefined;
  if (type === undefined) r.missing('tk:action', 'type');
  // Anything with a namespace is a plugin's action, registered at run time.
  else if (!ACTION_TYPES.includes(type) && !(type.includes(':') && KEY.test(type))) r.value('tk:action', 'type', type, [...ACTION_TYPES, '<plugin>:<action>']);
  const body = r.object('tk:action', a.body);
  if (type === 'sendMessage' || type === 'renderReport') {
    const kind = type === 'sendMessage' ? 'messageTemplate' : 'reportTemplate';
    if (typeof body?.template === 'string') r.key('tk:action', 'template', body.template, kind);
    else r.missing('tk:action', 'template');
  }
  if (type === 'createTickets' && typeof body?.ticketType === 'string') r.key('tk:action', 'ticketType', body.ticketType, 'ticketType');
  if (type === 'setFields' && body) {
    for (const [path, value] of Object.entries(body)) {
      if (!FIELD_PATH.test(path)) r.format('tk:action', 'body', path, FORMATS.fieldPath);
      // Objects are rules the engine evaluates; anything else is set as it is.
      else if (isJsonObject(value)) r.rule(`tk:action ${path}`, value);
    }
  }
}

function checkRule(rule: Tk, r: Reporter) {
  if (rule.target === undefined) r.missing('tk:rule', 'target');
  else if (!FIELD_PATH.test(String(rule.target))) r.format('tk:rule', 'target', rule.target, FORMATS.fieldPath);
  r.rule('tk:rule', undefined, typeof rule.body === 'string' ? rule.body : '');
}

function checkCall(call: Tk, r: Reporter) {
  r.oneOf('tk:call', 'wait', call.wait, CALL_WAIT);
  // The body maps the child ticket's fields to rules over this ticket.
  const mapping = r.object('tk:call', call.body);
  for (const [path, rule] of Object.entries(mapping ?? {})) r.rule(`tk:call ${path}`, rule);
}
