import { BpmnModdle } from 'bpmn-moddle';
import { type DefinitionIssue, issue } from './issues.ts';

/** What the rest of the meta-model needs to know about a process without parsing it again. */
export interface ProcessSummary {
  processId: string;
  name?: string;
  /** Ids of the tasks a ticket type may configure (user, service, send, receive, manual, business rule, call activities). */
  tasks: string[];
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

interface ModdleElement {
  $type: string;
  id?: string;
  name?: string;
  isExecutable?: boolean;
  flowElements?: ModdleElement[];
  rootElements?: ModdleElement[];
}

const lineOf = (message: string): number | undefined => {
  const m = /line: (\d+)/.exec(message);
  // bpmn-moddle counts lines from 0; editors and users count from 1.
  return m ? Number(m[1]) + 1 : undefined;
};
const firstLine = (message: string) => message.split('\n')[0]?.trim() ?? message;

/**
 * Parses BPMN 2.0 XML with bpmn-moddle and checks there is exactly one executable
 * process. Semantic BPMN validation (supported elements, tk: extensions) is the engine's.
 */
export async function parseProcessXml(xml: string): Promise<{ issues: DefinitionIssue[]; summary?: ProcessSummary }> {
  const moddle = new BpmnModdle();
  let root: ModdleElement;
  const issues: DefinitionIssue[] = [];
  try {
    const result = await moddle.fromXML(xml, 'bpmn:Definitions');
    root = result.rootElement as unknown as ModdleElement;
    for (const w of result.warnings as { message: string }[]) {
      issues.push(
        issue({ code: 'DEF_BPMN_WARNING', severity: 'warning', pointer: '/bpmn', line: lineOf(w.message), params: { reason: firstLine(w.message) } }),
      );
    }
  } catch (e) {
    const err = e as Error & { warnings?: { message: string }[] };
    const detail = err.warnings?.[0]?.message ?? err.message;
    return {
      issues: [issue({ code: 'DEF_INVALID_BPMN', pointer: '/bpmn', line: lineOf(detail) ?? lineOf(err.message), params: { reason: firstLine(detail) } })],
    };
  }
  const processes = (root.rootElements ?? []).filter((r) => r.$type === 'bpmn:Process' && r.isExecutable === true);
  if (processes.length !== 1) {
    issues.push(issue({ code: 'DEF_BPMN_PROCESS_COUNT', pointer: '/bpmn', params: { count: processes.length } }));
    return { issues };
  }
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
  return { issues, summary };
}
