import { type DefinitionIssue, type IssueCode, issue, pointer } from '../definitions/issues.ts';
import type { Kind } from '../definitions/kinds/index.ts';
import type { Reference } from '../definitions/references.ts';

/**
 * A bpmn-moddle element as the validator reads it: only the properties it checks.
 * References (sourceRef, attachedToRef…) are non-enumerable in moddle; contained
 * children are enumerable and point back through `$parent`.
 */
export interface ModdleElement {
  $type: string;
  $parent?: ModdleElement;
  $attrs?: Record<string, string>;
  id?: string;
  name?: string;
  isExecutable?: boolean;
  rootElements?: ModdleElement[];
  flowElements?: ModdleElement[];
  eventDefinitions?: ModdleElement[];
  extensionElements?: ModdleElement & { values?: ModdleElement[] };
  loopCharacteristics?: ModdleElement;
  sourceRef?: ModdleElement;
  targetRef?: ModdleElement;
  attachedToRef?: ModdleElement;
  default?: ModdleElement;
  triggeredByEvent?: boolean;
  calledElement?: string;
  conditionExpression?: ModdleElement;
  completionCondition?: ModdleElement;
  loopCardinality?: ModdleElement;
  timeDuration?: ModdleElement;
  timeDate?: ModdleElement;
  timeCycle?: ModdleElement;
  language?: string;
  body?: string;
  collection?: string;
  elementVariable?: string;
}

/** A parser warning as moddle-xml reports it (the typings in types/ only declare `message`). */
export interface ModdleWarning {
  message: string;
  element?: ModdleElement;
  property?: string;
  value?: unknown;
}

/** `bpmn:UserTask` → `bpmn:userTask`, `tk:Assignee` → `tk:assignee`: the tag as written in XML. */
export function tagOf(type: string): string {
  const i = type.indexOf(':');
  return type.slice(0, i + 1) + type.charAt(i + 1).toLowerCase() + type.slice(i + 2);
}

interface PropertyDescriptor {
  name: string;
  type: string;
  isAttr?: boolean;
  isReference?: boolean;
}
const PRIMITIVES = new Set(['String', 'Boolean', 'Integer', 'Real']);
/** Containment properties per moddle type descriptor (walking own keys of moddle objects is several times slower). */
const containment = new WeakMap<object, string[]>();
function containmentOf(el: ModdleElement): string[] {
  const descriptor = (el as { $descriptor?: { properties?: PropertyDescriptor[] } }).$descriptor;
  if (!descriptor) return [];
  let names = containment.get(descriptor);
  if (!names) {
    names = (descriptor.properties ?? []).filter((p) => !p.isAttr && !p.isReference && !PRIMITIVES.has(p.type)).map((p) => p.name);
    containment.set(descriptor, names);
  }
  return names;
}

/** Calls `visit` for each element `el` contains (not the ones it refers to). Generic foreign elements are not entered. */
export function eachChild(el: ModdleElement, visit: (child: ModdleElement) => void): void {
  const props = el as unknown as Record<string, unknown>;
  for (const name of containmentOf(el)) {
    const value = props[name];
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const v of value) if (v !== null && typeof v === 'object' && (v as ModdleElement).$parent === el) visit(v as ModdleElement);
    } else if ((value as ModdleElement).$parent === el) visit(value as ModdleElement);
  }
}

/** Where things sit in the XML text; built on first use, since valid documents never ask. */
export function sourceOf(xml: string) {
  let lineStarts: number[] | undefined;
  let ids: Map<string, number> | undefined;
  const starts = () => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = xml.indexOf('\n'); i !== -1; i = xml.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    return lineStarts;
  };
  return {
    /** 1-based line of a character offset. */
    lineAt(offset: number): number {
      const s = starts();
      let lo = 0;
      let hi = s.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((s[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo + 1;
    },
    /** Offset of moddle's 0-based line and column. */
    offsetAt(line: number, column: number): number {
      return (starts()[line] ?? xml.length) + column;
    },
    /** Offset of the tag that first declares `id="…"`, for every id, in document order. */
    ids(): Map<string, number> {
      if (!ids) {
        ids = new Map();
        for (const m of xml.matchAll(/\sid\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
          const id = (m[1] ?? m[2]) as string;
          if (!ids.has(id)) ids.set(id, xml.lastIndexOf('<', m.index));
        }
      }
      return ids;
    },
  };
}
export type BpmnSource = ReturnType<typeof sourceOf>;

/** Issues and references found in one process, each pointing at the element it is about. */
export interface Findings {
  source: BpmnSource;
  issues: DefinitionIssue[];
  references: Reference[];
  /** An issue about element `el`: pointer /bpmn/<id>, the line of its tag (unless `line` is given), and its id first in params. */
  at(el: ModdleElement | undefined, code: IssueCode, params?: Record<string, unknown>, severity?: 'error' | 'warning', line?: number): void;
  /** The same for an element known only by its id. */
  atId(id: string | undefined, code: IssueCode, params?: Record<string, unknown>, severity?: 'error' | 'warning', line?: number): void;
  /** A reference from element `el` to another definition. */
  refer(el: ModdleElement, kind: Kind, key: string): void;
}

export function findingsFor(xml: string): Findings {
  const source = sourceOf(xml);
  const lineOf = (id: string | undefined) => {
    const offset = id === undefined ? undefined : source.ids().get(id);
    return offset === undefined ? undefined : source.lineAt(offset);
  };
  const places = new Map<string | undefined, { pointer: string; line: number | undefined }>();
  const where = (id: string | undefined) => {
    let place = places.get(id);
    if (!place) {
      place = { pointer: id ? pointer('bpmn', id) : '/bpmn', line: lineOf(id) };
      places.set(id, place);
    }
    return place;
  };
  const findings: Findings = {
    source,
    issues: [],
    references: [],
    at(el, code, params, severity, line) {
      findings.atId(el?.id, code, params, severity, line);
    },
    atId(id, code, params = {}, severity = 'error', line = undefined) {
      const w = where(id);
      findings.issues.push(issue({ code, severity, pointer: w.pointer, line: line ?? w.line, params: { id: id ?? '?', ...params } }));
    },
    refer(el, kind, key) {
      const { pointer, line } = where(el.id);
      findings.references.push(line === undefined ? { pointer, kind, key } : { pointer, kind, key, line });
    },
  };
  return findings;
}
