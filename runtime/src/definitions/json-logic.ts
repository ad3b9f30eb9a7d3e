import { RECORD_FILTER_ROOTS, RULE_ROOTS } from './rule-context.ts';

/**
 * The json-logic operators Docket evaluates. `method` is left out on purpose: it calls
 * arbitrary methods on values, which a definition author must not be able to do.
 */
export const RULE_OPERATORS = new Set([
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  '==',
  '===',
  '!=',
  '!==',
  '!',
  '!!',
  'or',
  'and',
  '>',
  '>=',
  '<',
  '<=',
  'max',
  'min',
  '+',
  '-',
  '*',
  '/',
  '%',
  'map',
  'reduce',
  'filter',
  'all',
  'none',
  'some',
  'merge',
  'in',
  'cat',
  'substr',
  'log',
]);
/** Operators whose later arguments run against each array element (where `var` is relative). */
const ITERATING = new Set(['map', 'filter', 'all', 'none', 'some', 'reduce']);

export interface RuleProblem {
  code: 'DEF_RULE_UNKNOWN_OPERATOR' | 'DEF_RULE_UNKNOWN_VARIABLE' | 'DEF_RULE_INVALID';
  path: (string | number)[];
  params: Record<string, unknown>;
}
export interface RuleVariable {
  path: (string | number)[];
  name: string;
}

/**
 * Walks a rule and reports unknown operators and variables outside the rule context.
 * `variables` collects every absolute `var` so callers can check field keys.
 */
export function inspectRule(rule: unknown, allowRecord = false): { problems: RuleProblem[]; variables: RuleVariable[] } {
  const roots = allowRecord ? RECORD_FILTER_ROOTS : RULE_ROOTS;
  const problems: RuleProblem[] = [];
  const variables: RuleVariable[] = [];
  const walk = (node: unknown, path: (string | number)[], relative: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, [...path, i], relative));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      problems.push({ code: 'DEF_RULE_INVALID', path, params: { reason: 'an operation is an object with exactly one operator key' } });
      return;
    }
    const op = keys[0] as string;
    const args = (node as Record<string, unknown>)[op];
    if (!RULE_OPERATORS.has(op)) {
      problems.push({ code: 'DEF_RULE_UNKNOWN_OPERATOR', path: [...path, op], params: { operator: op } });
      return;
    }
    if (op === 'var') {
      const name = Array.isArray(args) ? args[0] : args;
      if (typeof name === 'string') {
        if (!relative && name !== '') {
          const root = name.split('.')[0] as string;
          if (!roots.includes(root)) {
            problems.push({ code: 'DEF_RULE_UNKNOWN_VARIABLE', path: [...path, op], params: { variable: name, allowed: roots } });
          } else variables.push({ path: [...path, op], name });
        }
      } else if (typeof name !== 'number' && name !== undefined && name !== null) {
        walk(name, Array.isArray(args) ? [...path, op, 0] : [...path, op], relative);
      }
      return;
    }
    const list = Array.isArray(args) ? args : [args];
    list.forEach((arg, i) => {
      const argPath = Array.isArray(args) ? [...path, op, i] : [...path, op];
      // Per-element arguments see the element; reduce's third argument (the initial value) does not.
      const perElement = ITERATING.has(op) && (op === 'reduce' ? i === 1 : i > 0);
      walk(arg, argPath, relative || perElement);
    });
  };
  walk(rule, [], false);
  return { problems, variables };
}
