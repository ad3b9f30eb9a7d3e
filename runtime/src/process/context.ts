import jsonLogic, { type RulesLogic } from 'json-logic-js';
import type { StepSettings } from '../definitions/kinds/ticket-type.ts';
import type { BusinessCalendar } from './calendar.ts';

/** The ticket as the engine sees it: what conditions read and service tasks write. */
export interface TicketView {
  id: string;
  type?: string;
  number?: string;
  creator?: string;
  assignee?: string | null;
  priority?: string;
  data: Record<string, unknown>;
  receipt: Record<string, unknown>;
  components: Record<string, unknown>;
}

/** People lookups the engine cannot answer from the instance (the platform's directory implements it). */
export interface Directory {
  managerOf(user: string): string | undefined;
  /** Picks an assignee by a dispatch-rule definition; undefined leaves the task in the pool. */
  dispatch?(rule: string, ticket: TicketView): string | undefined;
}

/** What a plugin's service-task action returns: values to set and side effects for the outbox. */
export interface ActionResult {
  values?: Record<string, unknown>;
  outbox?: { kind: string; payload: Record<string, unknown> }[];
}
export type ServiceActionHandler = (params: Record<string, unknown>, ticket: TicketView) => ActionResult;

export interface EngineContext {
  now: Date;
  ticket: TicketView;
  /** Per-ticket-type overrides of process steps (售后宝 switches steps on and off and sets their timeouts). */
  steps?: Record<string, StepSettings>;
  /** Business calendar by definition key; unknown keys fall back to wall-clock time. */
  calendar?: (key: string) => BusinessCalendar | undefined;
  directory?: Directory;
  actions?: Record<string, ServiceActionHandler>;
}

// `method` calls arbitrary JavaScript methods; definitions are validated without it, and it is removed here too.
jsonLogic.rm_operation('method');

export const evaluate = (logic: RulesLogic, data: Record<string, unknown>): unknown => jsonLogic.apply(logic, data);

/** Reads `data.x`, `receipt.y.z`, `components.k` from a rule-context object. */
export function readPath(root: Record<string, unknown>, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const ROOTS = new Set(['data', 'receipt', 'components']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Writes a `data.x` / `receipt.x` / `components.x` value into the ticket view; other roots are refused. */
export function writePath(ticket: TicketView, path: string, value: unknown): boolean {
  const [root, key, ...rest] = path.split('.');
  if (!root || !key || rest.length > 0 || !ROOTS.has(root) || FORBIDDEN_KEYS.has(key)) return false;
  (ticket[root as 'data' | 'receipt' | 'components'] as Record<string, unknown>)[key] = value;
  return true;
}

/** `receipt.*` matches every receipt field; `data.x` matches itself. */
export const matchesField = (patterns: string[], path: string): boolean =>
  patterns.some((p) => p === path || (p.endsWith('.*') && path.startsWith(p.slice(0, -1))) || p === '*');
