import type { ModdleElement, ModdleWarning } from '../process/bpmn-tree.ts';
import { BPMN_MODDLE } from '../process/moddle.ts';
import { plainWarning } from '../process/moddle-warnings.ts';
import { inspectProcessModel } from '../process/validate-bpmn.ts';
import { type DefinitionIssue, issue } from './issues.ts';
import type { Reference } from './references.ts';

/** What the rest of the meta-model needs to know about a process without parsing it again. */
export interface ProcessSummary {
  processId: string;
  name?: string;
  /** Ids of the tasks a ticket type may configure (user, service, send, receive, manual, business rule, call activities). */
  tasks: string[];
  /**
   * Definitions the BPMN names (tk:timeout calendars, roles, message and report templates,
   * ticket types, dispatch rules), each at /bpmn/<elementId>; absent when there are none.
   */
  references?: Reference[];
}

const TASK_TYPES = new Set([
  'bpmn:UserTask',
  'bpmn:ServiceTask',
  'bpmn:SendTask',
  'bpmn:ReceiveTask',
  'bpmn:ManualTask',
  'bpmn:BusinessRuleTask',
  'bpmn:CallActivity',
  'bpmn:Task',
  'bpmn:ScriptTask',
]);

const lineOf = (message: string): number | undefined => {
  const m = /line: (\d+)/.exec(message);
  // bpmn-moddle counts lines from 0; editors and users count from 1.
  return m ? Number(m[1]) + 1 : undefined;
};
const firstLine = (message: string) => message.split('\n')[0]?.trim() ?? message;

const moddle = BPMN_MODDLE;

/**
 * Parses BPMN 2.0 XML with bpmn-moddle and the tk extension, checks there is exactly one
 * executable process and validates it against what the engine runs (process/validate-bpmn.ts).
 */
export async function parseProcessXml(xml: string): Promise<{ issues: DefinitionIssue[]; summary?: ProcessSummary }> {
  let root: ModdleElement;
  let warnings: ModdleWarning[];
  try {
    const result = await moddle.fromXML(xml, 'bpmn:Definitions');
    root = result.rootElement as ModdleElement;
    warnings = result.warnings as ModdleWarning[];
  } catch (e) {
    const err = e as Error & { warnings?: { message: string }[] };
    const detail = err.warnings?.[0]?.message ?? err.message;
    return {
      issues: [issue({ code: 'DEF_INVALID_BPMN', pointer: '/bpmn', line: lineOf(detail) ?? lineOf(err.message), params: { reason: firstLine(detail) } })],
    };
  }
  const processes = (root.rootElements ?? []).filter((r) => r.$type === 'bpmn:Process' && r.isExecutable === true);
  if (processes.length !== 1) {
    const issues = warnings.map(plainWarning);
    issues.push(issue({ code: 'DEF_BPMN_PROCESS_COUNT', pointer: '/bpmn', params: { count: processes.length } }));
    return { issues };
  }
  const { issues, references } = inspectProcessModel(root, xml, warnings);
  const process = processes[0] as ModdleElement;
  const tasks: string[] = [];
  const collect = (elements: ModdleElement[] | undefined) => {
    for (const el of elements ?? []) {
      if (TASK_TYPES.has(el.$type) && el.id) tasks.push(el.id);
      if (el.$type === 'bpmn:SubProcess') collect(el.flowElements);
    }
  };
  collect(process.flowElements);
  const summary: ProcessSummary = { processId: process.id ?? '', tasks };
  if (process.name) summary.name = process.name;
  if (references.length > 0) summary.references = references;
  return { issues, summary };
}
