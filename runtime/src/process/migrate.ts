import type { ProcessModel } from './model.ts';
import type { InstanceState } from './state.ts';

export interface StateMigration {
  state?: InstanceState;
  /** Nodes of the old process that have no counterpart in the new one. */
  unmapped: string[];
  /** Old node → new node, for timers and the task table. */
  moved: Map<string, string>;
}

/**
 * Moves an instance's tokens, tasks, scopes and joins onto another process version.
 * A node maps to `mapping[node]`, or to the node with the same id; the new node must be of
 * the same kind (a waiting user task stays a user task). Pure: returns a new state.
 */
export function migrateState(state: InstanceState, from: ProcessModel, to: ProcessModel, mapping: Record<string, string>): StateMigration {
  const moved = new Map<string, string>();
  const unmapped = new Set<string>();
  const map = (node: string): string => {
    const target = mapping[node] ?? node;
    const a = from.nodes.get(node);
    const b = to.nodes.get(target);
    if (!a || !b || a.kind !== b.kind || Boolean(a.multi) !== Boolean(b.multi)) unmapped.add(node);
    else moved.set(node, target);
    return target;
  };
  const next = structuredClone(state);
  for (const token of Object.values(next.tokens)) {
    token.node = map(token.node);
    if (token.via && !to.flows.has(token.via)) delete token.via;
    if (token.wait?.kind === 'eventGateway') token.wait.targets = token.wait.targets.map(map);
  }
  for (const scope of Object.values(next.scopes)) scope.node = map(scope.node);
  for (const task of Object.values(next.tasks)) {
    task.node = map(task.node);
    const cfg = to.nodes.get(task.node);
    if (cfg?.task) {
      task.name = cfg.name ?? cfg.id;
      if (cfg.task.status) task.status = cfg.task.status;
      if (cfg.task.statusCategory) task.statusCategory = cfg.task.statusCategory;
    }
  }
  const joins: InstanceState['joins'] = {};
  for (const [key, arrived] of Object.entries(next.joins)) {
    const [scope, node] = key.split('|') as [string, string];
    joins[`${scope}|${map(node)}`] = arrived;
  }
  next.joins = joins;
  for (const d of next.done) if (to.nodes.has(mapping[d.node] ?? d.node)) d.node = mapping[d.node] ?? d.node;
  if (unmapped.size > 0) return { unmapped: [...unmapped].sort(), moved };
  return { state: next, unmapped: [], moved };
}
