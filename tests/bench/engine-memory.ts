/**
 * Part (a) of the `engine` benchmark: one process instance run to its end in memory, by
 * Docket's interpreter (MemoryEngine, events not kept) and by bpmn-engine (user tasks
 * driven with `signal()`), on the same BPMN. Every instance must complete; anything else
 * throws.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as elements from 'bpmn-elements';
import { Engine } from 'bpmn-engine';
import { BpmnModdle } from 'bpmn-moddle';
import serializer, { TypeResolver } from 'moddle-context-serializer';
import type { Calendar } from '../../runtime/src/definitions/kinds/calendar.ts';
import { type Actor, compileCalendar, compileProcess, MemoryEngine, type ProcessModel } from '../../runtime/src/process/index.ts';
import type { GatewayFlow, PlannedAction } from './engine-flows.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DEFAULT_CALENDAR = compileCalendar(JSON.parse(readFileSync(join(ROOT, 'definitions/calendars/default.json'), 'utf8')) as Calendar);
// Monday 2026-03-02 09:00 in Shanghai: inside business hours, as the flow tests use.
const MONDAY_9 = new Date('2026-03-02T01:00:00Z');
const TECHNICIAN: Actor = { id: 'tech', roles: ['technician'] };

/** Runs one instance; the argument picks the route variant (ignored by flows without one). */
export type Instance = (i: number) => void | Promise<void>;

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

// ── Docket ──

function docketEngine(model: ProcessModel, data: Record<string, unknown> = {}): MemoryEngine {
  const e = new MemoryEngine(model, {
    now: MONDAY_9,
    ticket: { creator: 'creator', data },
    calendar: (key) => (key === 'default' ? DEFAULT_CALENDAR : undefined),
  });
  e.record = false;
  e.start();
  return e;
}

function docketEnded(e: MemoryEngine, flow: string): void {
  if (e.state?.status !== 'completed') throw new Error(`engine bench: a Docket ${flow} instance ended ${e.state?.status ?? 'unstarted'}`);
}

/** Docket on the 售后宝 flow: the planned actions, in order. */
export async function docketWorkOrder(xml: string, actions: readonly PlannedAction[]): Promise<Instance> {
  const model = await compileProcess(xml);
  return () => {
    const e = docketEngine(model);
    for (const a of actions) e.act(a.node, a.action, a.actor, a.input);
    docketEnded(e, 'work order');
  };
}

/** Docket on the generated flow: completes the first open task until none is left. */
export async function docketGateway(flow: GatewayFlow, check = false): Promise<Instance> {
  const model = await compileProcess(flow.docketXml);
  return (i) => {
    const variant = flow.variants[i % flow.variants.length] as GatewayFlow['variants'][number];
    const e = docketEngine(model, { ...variant.variables });
    for (;;) {
      let open: string | undefined;
      for (const id in e.state?.tasks) {
        open = id;
        break;
      }
      if (open === undefined) break;
      e.act(open, 'complete', TECHNICIAN);
    }
    docketEnded(e, flow.id);
    if (check && !same(e.finished.map((f) => f.task.node).sort(), variant.userTasks)) {
      throw new Error(`engine bench: Docket finished ${e.finished.map((f) => f.task.node)} on ${flow.id} variant ${i}, the walk says ${variant.userTasks}`);
    }
  };
}

// ── bpmn-engine ──

type Waiting = { id: string; signal(message?: unknown): void };

/** The BPMN parsed and serialized once, as a long-running bpmn-engine host would keep it. */
async function peerSource(xml: string) {
  const moddle = await new BpmnModdle().fromXML(xml);
  return serializer(moddle as never, TypeResolver(elements as never));
}

/**
 * bpmn-engine on a flow: a new Engine per instance on the shared source; each user task
 * that waits is signalled once. With `entered`, checks the instance entered that many
 * flow nodes and signalled exactly `tasks(i)`.
 */
async function peerInstance(
  xml: string,
  label: string,
  variables: (i: number) => Record<string, unknown>,
  expect?: { entered: (i: number) => number; tasks: (i: number) => readonly string[] },
): Promise<Instance> {
  const sourceContext = await peerSource(xml);
  const waiting: Waiting[] = [];
  const listener = new EventEmitter();
  listener.on('wait', (api: Waiting) => waiting.push(api));
  let entered = 0;
  if (expect) listener.on('activity.enter', () => (entered += 1));
  return async (i) => {
    const engine = new Engine({ name: label, sourceContext, settings: { enableDummyService: true }, variables: variables(i) });
    let ended = false;
    engine.once('end', () => (ended = true));
    entered = 0;
    const signalled: string[] = [];
    await engine.execute({ listener });
    for (let w = waiting.shift(); w; w = waiting.shift()) {
      if (expect) signalled.push(w.id);
      w.signal();
    }
    if (!ended) throw new Error(`engine bench: a bpmn-engine ${label} instance did not end (state ${engine.state}, ${engine.activityStatus})`);
    if (expect && (entered !== expect.entered(i) || !same(signalled.sort(), expect.tasks(i)))) {
      throw new Error(`engine bench: bpmn-engine entered ${entered} nodes and signalled ${signalled} on ${label} ${i}; expected ${expect.entered(i)}`);
    }
  };
}

export const peerWorkOrder = (xml: string, expect?: { steps: number; tasks: readonly string[] }) =>
  peerInstance(xml, 'work-order', () => ({}), expect && { entered: () => expect.steps, tasks: () => [...expect.tasks].sort() });

export function peerGateway(flow: GatewayFlow, check = false): Promise<Instance> {
  const variant = (i: number) => flow.variants[i % flow.variants.length] as GatewayFlow['variants'][number];
  return peerInstance(
    flow.peerXml,
    flow.id,
    (i) => variant(i).variables,
    check ? { entered: (i) => variant(i).steps, tasks: (i) => variant(i).userTasks } : undefined,
  );
}
