import { type ProcessSummary, parseProcessXml } from './bpmn.ts';
import { type DefinitionIssue, hasErrors, issue } from './issues.ts';
import type { DefinitionDocument, Kind } from './kinds/index.ts';
import { referencesOf, stepReferencesOf } from './references.ts';
import { validateSchema } from './schema-validator.ts';
import { checkSemantics } from './semantics.ts';

/** What a definition looks like to cross-reference checks: it exists, and (processes) its tasks. */
export interface DefinitionSummary {
  process?: ProcessSummary;
}
export interface DefinitionLookup {
  get(kind: Kind, key: string): DefinitionSummary | undefined;
}
export interface ValidatedDocument {
  issues: DefinitionIssue[];
  /** Set when the document passed its schema (it may still have other errors: check `issues`). */
  doc?: DefinitionDocument;
  summary?: DefinitionSummary;
}

const tag = (issues: DefinitionIssue[], doc: unknown, file?: string) => {
  const d = (doc ?? {}) as { kind?: unknown; key?: unknown };
  for (const i of issues) {
    if (file !== undefined && i.file === undefined) i.file = file;
    if (typeof d.kind === 'string' && i.kind === undefined) i.kind = d.kind;
    if (typeof d.key === 'string' && i.key === undefined) i.key = d.key;
  }
  return issues;
};

/** Validates one document on its own: schema, document-level semantics and (processes) BPMN parsing. */
export async function validateDocument(doc: unknown, file?: string): Promise<ValidatedDocument> {
  const issues = validateSchema(doc);
  if (hasErrors(issues)) return { issues: tag(issues, doc, file) };
  const valid = doc as DefinitionDocument;
  issues.push(...checkSemantics(valid));
  const summary: DefinitionSummary = {};
  if (valid.kind === 'process') {
    const parsed = await parseProcessXml(valid.bpmn);
    issues.push(...parsed.issues);
    if (parsed.summary) summary.process = parsed.summary;
  }
  tag(issues, doc, file);
  return { issues, doc: valid, summary };
}

export interface SetMember {
  doc: DefinitionDocument;
  summary?: DefinitionSummary;
  file?: string;
}

/**
 * Cross-reference checks over a set of valid documents plus what already exists
 * (`outside`): every reference must resolve, and configured steps must exist in the
 * referenced process. Each error names both ends.
 */
export function checkReferences(members: readonly SetMember[], outside?: DefinitionLookup, severity: 'error' | 'warning' = 'error'): DefinitionIssue[] {
  const inSet = new Map<string, SetMember>();
  for (const m of members) inSet.set(`${m.doc.kind}\u0000${m.doc.key}`, m);
  const find = (kind: Kind, key: string): DefinitionSummary | undefined => {
    const m = inSet.get(`${kind}\u0000${key}`);
    if (m) return m.summary ?? {};
    return outside?.get(kind, key);
  };
  const issues: DefinitionIssue[] = [];
  for (const m of members) {
    const base = { file: m.file, kind: m.doc.kind, key: m.doc.key, severity };
    for (const ref of referencesOf(m.doc, m.summary)) {
      if (find(ref.kind, ref.key) === undefined) {
        issues.push(
          issue({
            ...base,
            code: 'DEF_MISSING_REFERENCE',
            pointer: ref.pointer,
            line: ref.line,
            params: { fromKind: m.doc.kind, fromKey: m.doc.key, kind: ref.kind, key: ref.key },
          }),
        );
      }
    }
    for (const ref of stepReferencesOf(m.doc)) {
      const tasks = find('process', ref.process)?.process?.tasks;
      if (tasks && !tasks.includes(ref.step)) {
        issues.push(
          issue({
            ...base,
            code: 'DEF_UNKNOWN_STEP',
            pointer: ref.pointer,
            params: { fromKey: m.doc.key, step: ref.step, process: ref.process, allowed: tasks },
          }),
        );
      }
    }
  }
  return issues;
}

/** Detects the same kind+key twice in one set. */
export function checkDuplicates(members: readonly SetMember[]): DefinitionIssue[] {
  const seen = new Map<string, SetMember>();
  const issues: DefinitionIssue[] = [];
  for (const m of members) {
    const id = `${m.doc.kind}\u0000${m.doc.key}`;
    const other = seen.get(id);
    if (other) {
      issues.push(
        issue({
          code: 'DEF_DUPLICATE_DEFINITION',
          pointer: '/key',
          file: m.file,
          kind: m.doc.kind,
          key: m.doc.key,
          params: { kind: m.doc.kind, key: m.doc.key, other: other.file ?? 'this set' },
        }),
      );
    } else seen.set(id, m);
  }
  return issues;
}
