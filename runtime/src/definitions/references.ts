import { pointer } from './issues.ts';
import type { DefinitionDocument, Kind } from './kinds/index.ts';
import type { DefinitionSummary } from './validate.ts';

/** A reference from one definition to another, found at `pointer` in the referring document. */
export interface Reference {
  pointer: string;
  kind: Kind;
  key: string;
  /** Line in a BPMN file, when the reference comes from one. */
  line?: number;
}
/** A reference to a task of the referenced process (ticket type step settings). */
export interface StepReference {
  pointer: string;
  process: string;
  step: string;
}

type AnyField = { type: string; [k: string]: unknown };

function fieldRefs(fields: readonly AnyField[] | undefined, base: string, out: Reference[]) {
  fields?.forEach((f, i) => {
    const at = `${base}/${i}`;
    if (typeof f.dictionary === 'string') out.push({ pointer: `${at}/dictionary`, kind: 'dictionary', key: f.dictionary });
    if (typeof f.recordType === 'string') out.push({ pointer: `${at}/recordType`, kind: 'recordType', key: f.recordType });
    if (f.type === 'ref') out.push({ pointer: `${at}/ref`, kind: 'field', key: String(f.ref) });
    if (f.type === 'user') (f.roles as string[] | undefined)?.forEach((r, j) => out.push({ pointer: `${at}/roles/${j}`, kind: 'role', key: r }));
    if (f.type === 'subTable') fieldRefs(f.fields as AnyField[], `${at}/fields`, out);
  });
}

const one = (out: Reference[], pointer: string, kind: Kind, key: string | undefined) => {
  if (key !== undefined) out.push({ pointer, kind, key });
};
const many = (out: Reference[], base: string, kind: Kind, keys: readonly string[] | undefined) =>
  keys?.forEach((key, i) => out.push({ pointer: `${base}/${i}`, kind, key }));

/**
 * Every reference a document makes to other definitions, by key. A process's references
 * live in its BPMN, so they come from the summary its validation produced.
 */
export function referencesOf(doc: DefinitionDocument, summary?: DefinitionSummary): Reference[] {
  const out: Reference[] = [];
  switch (doc.kind) {
    case 'process':
      for (const r of summary?.process?.references ?? []) out.push({ ...r });
      break;
    case 'ticketType':
      one(out, '/process', 'process', doc.process);
      many(out, '/components', 'component', doc.components);
      one(out, '/calendar', 'calendar', doc.calendar);
      one(out, '/sla', 'slaPolicy', doc.sla);
      one(out, '/priorities', 'dictionary', doc.priorities);
      many(out, '/reports', 'reportTemplate', doc.reports);
      many(out, '/visibility/roles', 'role', doc.visibility?.roles);
      fieldRefs(doc.form.fields as AnyField[], '/form/fields', out);
      fieldRefs(doc.receiptForm?.fields as AnyField[] | undefined, '/receiptForm/fields', out);
      break;
    case 'field':
      fieldRefs([doc as unknown as AnyField], '', out);
      for (const r of out) r.pointer = r.pointer.replace(/^\/0/, '');
      break;
    case 'component':
    case 'recordType':
      fieldRefs(doc.fields as AnyField[], '/fields', out);
      break;
    case 'role':
      many(out, '/ticketTypes', 'ticketType', doc.ticketTypes);
      for (const k of Object.keys(doc.dataScope.ticketTypes ?? {})) one(out, `/dataScope/ticketTypes${pointer(k)}`, 'ticketType', k);
      for (const k of Object.keys(doc.fieldPermissions ?? {})) one(out, `/fieldPermissions${pointer(k)}`, 'ticketType', k);
      break;
    case 'slaPolicy':
      one(out, '/calendar', 'calendar', doc.calendar);
      doc.reminders?.forEach((r, i) => one(out, `/reminders/${i}/template`, 'messageTemplate', r.template));
      doc.escalations?.forEach((r, i) => one(out, `/escalations/${i}/template`, 'messageTemplate', r.template));
      break;
    case 'reportTemplate':
    case 'dispatchRule':
      many(out, '/ticketTypes', 'ticketType', doc.ticketTypes);
      break;
    case 'schedule':
      one(out, '/ticketType', 'ticketType', doc.ticketType);
      break;
    default:
      break;
  }
  return out;
}

export function stepReferencesOf(doc: DefinitionDocument): StepReference[] {
  if (doc.kind !== 'ticketType') return [];
  return Object.keys(doc.steps ?? {}).map((step) => ({ pointer: `/steps${pointer(step)}`, process: doc.process, step }));
}
