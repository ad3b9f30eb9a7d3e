import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { LIST_FIELDS } from './schema.ts';

/**
 * Limits checked while the query is validated, before any resolver runs: a deep or wide query is
 * refused whole instead of costing the database first. Introspection fields are not counted.
 */
export interface QueryLimits {
  maxDepth: number;
  /** Upper bound of objects a query may return: list sizes multiplied down every nesting. */
  maxCost: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 8, maxCost: 10_000 };
export const MAX_PAGE = 100;

type Fragments = Map<string, FragmentDefinitionNode>;

const isIntrospection = (name: string) => name.startsWith('__');

function depthOf(set: SelectionSetNode | undefined, fragments: Fragments, seen: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (isIntrospection(s.name.value)) continue;
      deepest = Math.max(deepest, 1 + depthOf(s.selectionSet, fragments, seen));
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(s.selectionSet, fragments, seen));
    } else if (!seen.has(s.name.value)) {
      const fragment = fragments.get(s.name.value);
      deepest = Math.max(deepest, depthOf(fragment?.selectionSet, fragments, new Set([...seen, s.name.value])));
    }
  }
  return deepest;
}

/** The `first` argument as a number, from a literal or a variable; absent or unreadable → the field's default. */
function sizeOf(args: readonly { name: { value: string }; value: ValueNode }[] | undefined, variables: Record<string, unknown>, fallback: number): number {
  const first = args?.find((a) => a.name.value === 'first')?.value;
  if (!first) return fallback;
  const raw = first.kind === Kind.INT ? Number(first.value) : first.kind === Kind.VARIABLE ? Number(variables[first.name.value]) : Number.NaN;
  return Number.isFinite(raw) && raw > 0 ? Math.min(raw, MAX_PAGE) : fallback;
}

function costOf(set: SelectionSetNode | undefined, fragments: Fragments, variables: Record<string, unknown>, seen: Set<string>): number {
  if (!set) return 0;
  let total = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (isIntrospection(s.name.value)) continue;
      const listSize = LIST_FIELDS[s.name.value];
      const children = costOf(s.selectionSet, fragments, variables, seen);
      total += listSize === undefined ? 1 + children : sizeOf(s.arguments, variables, listSize) * (1 + children);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      total += costOf(s.selectionSet, fragments, variables, seen);
    } else if (!seen.has(s.name.value)) {
      total += costOf(fragments.get(s.name.value)?.selectionSet, fragments, variables, new Set([...seen, s.name.value]));
    }
  }
  return total;
}

/** The validation rules for one request (they need its variables to read `first: $n`). */
export function limitRules(limits: QueryLimits, variables: Record<string, unknown> = {}): ValidationRule[] {
  const rule =
    (check: (op: OperationDefinitionNode, fragments: Fragments, context: ValidationContext) => void): ValidationRule =>
    (context): ASTVisitor => ({
      OperationDefinition(op) {
        const fragments: Fragments = new Map();
        for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
        check(op, fragments, context);
      },
    });
  const depth = rule((op, fragments, context) => {
    const found = depthOf(op.selectionSet, fragments, new Set());
    if (found > limits.maxDepth) {
      context.reportError(
        new GraphQLError(`The query is ${found} levels deep; at most ${limits.maxDepth} are allowed`, {
          nodes: [op],
          extensions: { code: 'GRAPHQL_DEPTH_LIMIT', depth: found, limit: limits.maxDepth },
        }),
      );
    }
  });
  const cost = rule((op, fragments, context) => {
    const found = costOf(op.selectionSet, fragments, variables, new Set());
    if (found > limits.maxCost) {
      context.reportError(
        new GraphQLError(`The query could return ${found} objects; at most ${limits.maxCost} are allowed (ask for smaller pages or fewer nested lists)`, {
          nodes: [op],
          extensions: { code: 'GRAPHQL_COST_LIMIT', cost: found, limit: limits.maxCost },
        }),
      );
    }
  });
  return [depth, cost];
}
