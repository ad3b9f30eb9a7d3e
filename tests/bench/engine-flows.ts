/**
 * The flows of the `engine` benchmark: the 售后宝 work order (tests/fixtures) and a generated
 * 50-node flow of user tasks, exclusive and parallel gateways. The generated graph is written
 * twice, differing only in how conditions are spelled: json-logic for Docket, bpmn-engine's
 * `${environment.variables.x}` expressions for the peer. Each route variant sets one boolean
 * per exclusive branch, so both engines pick the same branches, and the graph walk says which
 * nodes an instance enters and which user tasks it must finish.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor, TaskAction, TaskInput } from '../../runtime/src/process/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The 售后宝 flow as a user drives it: node, action, who, with what (runtime.test.ts does the same). */
export interface PlannedAction {
  node: string;
  action: TaskAction;
  actor: Actor;
  input?: TaskInput;
}

const dispatcher: Actor = { id: 'disp', roles: ['dispatcher'] };
const tech: Actor = { id: 'tech' };

export const WORK_ORDER = {
  xml: readFileSync(join(ROOT, 'tests/fixtures/processes/work-order.bpmn'), 'utf8'),
  /** Ticket type installed by tests/support/processes.ts for this flow. */
  ticketType: 'work-order',
  actions: [
    { node: 'assign', action: 'assign', actor: dispatcher, input: { to: 'tech' } },
    { node: 'accept', action: 'accept', actor: tech },
    { node: 'start', action: 'start', actor: tech },
    { node: 'complete', action: 'complete', actor: tech, input: { values: { 'receipt.resolution': 'x' } } },
    { node: 'settle', action: 'approve', actor: { id: 'fin', roles: ['finance'] } },
    { node: 'settle', action: 'approve', actor: { id: 'boss', roles: ['manager'] } },
    { node: 'revisit', action: 'complete', actor: { id: 'agent', roles: ['agent'] }, input: { values: { 'receipt.satisfaction': 5 } } },
    { node: 'close', action: 'complete', actor: dispatcher },
  ] satisfies PlannedAction[],
  /** created → 7 user tasks and 自动回访 → closed: a straight line of 10 nodes. */
  userTasks: ['assign', 'accept', 'start', 'complete', 'settle', 'revisit', 'close'],
};

// ── the generated gateway flow ──

type Block = { t: 'task' } | { t: 'xor' | 'and'; branches: Block[][] };

const task = (): Block => ({ t: 'task' });
const tasks = (n: number): Block[] => Array.from({ length: n }, task);
const xor = (...branches: Block[][]): Block => ({ t: 'xor', branches });
const and = (...branches: Block[][]): Block => ({ t: 'and', branches });

const blockSize = (b: Block): number => (b.t === 'task' ? 1 : 2 + b.branches.flat().reduce((n, c) => n + blockSize(c), 0));

/** One repeating stretch: 21 nodes with a 3-way choice, a 3-way fork, and a choice holding a fork. */
const STRETCH: Block[] = [task(), xor(tasks(2), tasks(2), tasks(2)), and(tasks(1), tasks(1), tasks(1)), xor([and(tasks(1), tasks(1))], tasks(1))];

function blocksFor(nodes: number): Block[] {
  const out: Block[] = [];
  let left = nodes - 2; // start and end
  for (let i = 0; ; i = (i + 1) % STRETCH.length) {
    const b = STRETCH[i] as Block;
    if (blockSize(b) > left) break;
    out.push(b);
    left -= blockSize(b);
  }
  out.push(...tasks(left));
  return out;
}

interface Flow {
  id: string;
  from: string;
  to: string;
  /** Variable that must be true to take this flow (exclusive branches but the last). */
  when?: string;
}
interface Graph {
  nodes: { id: string; kind: 'start' | 'end' | 'task' | 'xor' | 'and'; default?: string }[];
  flows: Flow[];
  /** Exclusive splits: their id and how many branches each has (the last is the default). */
  choices: { id: string; branches: number }[];
  blocks: Block[];
}

function buildGraph(size: number): Graph {
  const g: Graph = { nodes: [{ id: 'start', kind: 'start' }], flows: [], choices: [], blocks: blocksFor(size) };
  let n = 0;
  const link = (from: string, to: string, when?: string) => {
    const flow: Flow = { id: `f${g.flows.length + 1}`, from, to, ...(when ? { when } : {}) };
    g.flows.push(flow);
    return flow;
  };
  /** Emits `blocks` after `from` and returns the last node. */
  const emit = (blocks: Block[], from: string, when?: string): { last: string; first?: Flow } => {
    let prev = from;
    let first: Flow | undefined;
    let pending = when;
    const enter = (id: string) => {
      const f = link(prev, id, pending);
      first ??= f;
      pending = undefined;
    };
    for (const b of blocks) {
      n += 1;
      if (b.t === 'task') {
        const id = `task${n}`;
        g.nodes.push({ id, kind: 'task' });
        enter(id);
        prev = id;
        continue;
      }
      const split = `${b.t}${n}`;
      const join = `${split}join`;
      const splitNode: Graph['nodes'][number] = { id: split, kind: b.t };
      g.nodes.push(splitNode);
      enter(split);
      if (b.t === 'xor') g.choices.push({ id: split, branches: b.branches.length });
      const ends = b.branches.map((branch, i) => {
        const cond = b.t === 'xor' && i < b.branches.length - 1 ? `${split}_b${i}` : undefined;
        const r = emit(branch, split, cond);
        if (b.t === 'xor' && i === b.branches.length - 1) splitNode.default = r.first?.id;
        return r.last;
      });
      g.nodes.push({ id: join, kind: b.t });
      for (const e of ends) link(e, join);
      prev = join;
    }
    return { last: prev, ...(first ? { first } : {}) };
  };
  const { last } = emit(g.blocks, 'start');
  g.nodes.push({ id: 'end', kind: 'end' });
  link(last, 'end');
  return g;
}

type Dialect = 'docket' | 'bpmn-engine';

const condition = (variable: string, dialect: Dialect) =>
  dialect === 'docket'
    ? `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="json-logic">{"var":"data.${variable}"}</bpmn:conditionExpression>`
    : `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${environment.variables.${variable}}</bpmn:conditionExpression>`;

function toXml(g: Graph, id: string, dialect: Dialect): string {
  const nodes = g.nodes.map((node) => {
    switch (node.kind) {
      case 'start':
        return `    <bpmn:startEvent id="${node.id}" name="开始"/>`;
      case 'end':
        return `    <bpmn:endEvent id="${node.id}" name="结束"/>`;
      case 'task':
        return `    <bpmn:userTask id="${node.id}" name="步骤 ${node.id}">
      <bpmn:extensionElements><tk:task status="${node.id}" statusCategory="open"><tk:assignee rule="role" ref="technician"/></tk:task></bpmn:extensionElements>
    </bpmn:userTask>`;
      case 'xor':
        return `    <bpmn:exclusiveGateway id="${node.id}"${node.default ? ` default="${node.default}"` : ''}/>`;
      case 'and':
        return `    <bpmn:parallelGateway id="${node.id}"/>`;
    }
  });
  const flows = g.flows.map((f) =>
    f.when
      ? `    <bpmn:sequenceFlow id="${f.id}" sourceRef="${f.from}" targetRef="${f.to}">${condition(f.when, dialect)}</bpmn:sequenceFlow>`
      : `    <bpmn:sequenceFlow id="${f.id}" sourceRef="${f.from}" targetRef="${f.to}"/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:tk="http://docket.dev/schema/tk/1.0"
                  id="${id}-definitions" targetNamespace="http://docket.dev/definitions/bench">
  <bpmn:process id="${id}" name="网关基准流程" isExecutable="true">
${nodes.join('\n')}
${flows.join('\n')}
  </bpmn:process>
</bpmn:definitions>`;
}

/** One instance's route: the variables the driver sets and what the instance then does. */
export interface RouteVariant {
  variables: Record<string, boolean>;
  /** Flow nodes entered (a join counts once), the same figure for both engines. */
  steps: number;
  /** The user tasks the driver must finish, sorted. */
  userTasks: string[];
}

/** Small deterministic PRNG (mulberry32), so every run drives the same routes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walk(g: Graph, picks: Map<string, number>): { steps: number; userTasks: string[] } {
  const userTasks: string[] = [];
  let n = 0;
  let choice = 0;
  const visit = (blocks: Block[]): number => {
    let steps = 0;
    for (const b of blocks) {
      n += 1;
      if (b.t === 'task') {
        userTasks.push(`task${n}`);
        steps += 1;
        continue;
      }
      const id = `${b.t}${n}`;
      steps += 2;
      if (b.t === 'xor') {
        choice += 1;
        const pick = picks.get(id) as number;
        // Numbering runs through every branch, taken or not: walk all, count the chosen one.
        for (const [i, branch] of b.branches.entries()) {
          const before = userTasks.length;
          const s = visit(branch);
          if (i === pick) steps += s;
          else userTasks.splice(before);
        }
      } else for (const branch of b.branches) steps += visit(branch);
    }
    return steps;
  };
  const steps = 2 + visit(g.blocks);
  if (choice !== picks.size) throw new Error('walk: choice count mismatch');
  return { steps, userTasks: userTasks.sort() };
}

export interface GatewayFlow {
  id: string;
  nodeCount: number;
  docketXml: string;
  peerXml: string;
  variants: RouteVariant[];
}

/** The generated flow with `nodes` nodes and `variantCount` seeded route variants. */
export function gatewayFlow(nodes = 50, variantCount = 16, seed = 50): GatewayFlow {
  const id = `gateway${nodes}`;
  const g = buildGraph(nodes);
  if (g.nodes.length !== nodes) throw new Error(`generated ${g.nodes.length} nodes, wanted ${nodes}`);
  const rnd = random(seed);
  const variants: RouteVariant[] = [];
  for (let v = 0; v < variantCount; v++) {
    const picks = new Map<string, number>();
    const variables: Record<string, boolean> = {};
    for (const c of g.choices) {
      const pick = Math.floor(rnd() * c.branches);
      picks.set(c.id, pick);
      for (let i = 0; i < c.branches - 1; i++) variables[`${c.id}_b${i}`] = i === pick;
    }
    variants.push({ variables, ...walk(g, picks) });
  }
  return { id, nodeCount: g.nodes.length, docketXml: toXml(g, id, 'docket'), peerXml: toXml(g, id, 'bpmn-engine'), variants };
}
