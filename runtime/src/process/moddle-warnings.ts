import { type DefinitionIssue, issue } from '../definitions/issues.ts';
import type { Findings, ModdleElement, ModdleWarning } from './bpmn-tree.ts';
import { tagOf } from './bpmn-tree.ts';
import { placesOf } from './validate-tk.ts';

/**
 * What bpmn-moddle's warnings mean for a Docket process. moddle reads leniently and
 * reports problems as warnings of three shapes:
 * - `unknown attribute <x>` with the element that carries it (no line);
 * - `unparsable content <tag> detected … line: L column: C … nested error: …` with a
 *   0-based line and the column of the tag, for unknown or misplaced elements and
 *   duplicate ids (the later element is dropped);
 * - `unresolved reference <id>` with the element and the property (e.g. bpmn:targetRef).
 * Anything about tk: becomes an error; duplicate ids too, since the later element is gone;
 * unresolved flow ends and attachments are left to the flow checks; the rest stay warnings.
 */

/** Unresolved reference ids by element and property (`bpmn:sourceRef` → "nope"). */
export type Unresolved = Map<ModdleElement, Map<string, string>>;
const CONSUMED = new Set(['bpmn:sourceRef', 'bpmn:targetRef', 'bpmn:attachedToRef']);

/** `owners`: the flow elements (and the process) issues can name, in any order. */
export function mapWarnings(warnings: readonly ModdleWarning[], owners: ReadonlySet<ModdleElement>, findings: Findings): Unresolved {
  const unresolved: Unresolved = new Map();
  const ownerOf = (el: ModdleElement | undefined) => {
    let e = el;
    while (e && !owners.has(e)) e = e.$parent;
    return e;
  };
  let ownerIds: Set<string | undefined> | undefined;
  /** The owner whose tag is the last one opened before `offset`: extension elements come first in an element. */
  const ownerAt = (offset: number): string | undefined => {
    ownerIds ??= new Set([...owners].map((o) => o.id));
    let found: string | undefined;
    for (const [id, at] of findings.source.ids()) {
      if (at > offset) break;
      if (ownerIds.has(id)) found = id;
    }
    return found;
  };

  for (const w of warnings) {
    const first = w.message.split('\n')[0]?.trim() ?? w.message;
    const ref = /^unresolved reference <(.*)>$/.exec(first);
    if (ref && w.element && w.property && CONSUMED.has(w.property)) {
      const props = unresolved.get(w.element) ?? new Map<string, string>();
      props.set(w.property, ref[1] as string);
      unresolved.set(w.element, props);
      continue;
    }
    const attr = /^unknown attribute <(.*)>$/.exec(first);
    if (attr && w.element && (w.element.$type.startsWith('tk:') || attr[1]?.startsWith('tk:'))) {
      findings.at(ownerOf(w.element) ?? w.element, 'DEF_BPMN_UNKNOWN_EXTENSION', { element: tagOf(w.element.$type), attribute: attr[1] });
      continue;
    }
    const line = /\bline: (\d+)/.exec(w.message);
    const column = /\bcolumn: (\d+)/.exec(w.message);
    const nested = /nested error: (.*)$/m.exec(w.message)?.[1] ?? '';
    const tag = /^unparsable content <([^\s>/]+)/.exec(first)?.[1];
    // moddle counts lines from 0; editors and users count from 1.
    const userLine = line ? Number(line[1]) + 1 : undefined;
    const duplicate = /^duplicate ID <(.*)>$/.exec(nested);
    if (duplicate) {
      findings.atId(duplicate[1], 'DEF_BPMN_DUPLICATE_ID', {}, 'error', userLine);
      continue;
    }
    if (tag?.startsWith('tk:') && line && column) {
      const owner = ownerAt(findings.source.offsetAt(Number(line[1]), Number(column[1])));
      const type = `tk:${tag.charAt(3).toUpperCase()}${tag.slice(4)}`;
      const known = placesOf(type).length > 0 && !nested.startsWith('unknown type');
      const parent = tagOf([...owners].find((o) => o.id === owner)?.$type ?? 'bpmn:Process');
      if (known) findings.atId(owner, 'DEF_BPMN_MISPLACED_EXTENSION', { element: tag, parent, allowed: placesOf(type) }, 'error', userLine);
      else findings.atId(owner, 'DEF_BPMN_UNKNOWN_EXTENSION', { element: tag }, 'error', userLine);
      continue;
    }
    findings.issues.push(plainWarning(w));
  }
  return unresolved;
}

/** Any other moddle warning, as it always was: DEF_BPMN_WARNING at /bpmn, with the line when the message has one. */
export function plainWarning(w: ModdleWarning): DefinitionIssue {
  const line = /\bline: (\d+)/.exec(w.message);
  const reason = w.message.split('\n')[0]?.trim() ?? w.message;
  return issue({ code: 'DEF_BPMN_WARNING', severity: 'warning', pointer: '/bpmn', line: line ? Number(line[1]) + 1 : undefined, params: { reason } });
}
