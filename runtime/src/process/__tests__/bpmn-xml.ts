/** Small BPMN builders for the validator's tests: one element per line, so lines are easy to assert. */
import { expect } from 'vitest';
import { expectWellFormed } from '../../definitions/__tests__/examples.ts';
import { parseProcessXml } from '../../definitions/bpmn.ts';
import type { DefinitionIssue } from '../../definitions/issues.ts';

// lines[i] of doc() sits on line FIRST + i
const HEAD = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:tk="http://docket.dev/schema/tk/1.0" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs">',
  '<bpmn:process id="p" isExecutable="true">',
];
export const FIRST = HEAD.length + 1;
export const doc = (...lines: string[]) => [...HEAD, ...lines, '</bpmn:process>', '</bpmn:definitions>'].join('\n');

export const el = (tag: string, id: string, inner = '', attrs = '') => `<bpmn:${tag} id="${id}"${attrs}${inner ? `>${inner}</bpmn:${tag}>` : '/>'}`;
export const ext = (...tkElements: string[]) => `<bpmn:extensionElements>${tkElements.join('')}</bpmn:extensionElements>`;
export const start = (id = 'start', inner = '') => el('startEvent', id, inner);
export const end = (id = 'end', inner = '') => el('endEvent', id, inner);
export const userTask = (id: string, ...tkElements: string[]) => el('userTask', id, tkElements.length ? ext(...tkElements) : '');
export const condition = (body: string, language = 'json-logic') =>
  `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="${language}">${body}</bpmn:conditionExpression>`;
export const flow = (id: string, from: string, to: string, inner = '') => el('sequenceFlow', id, inner, ` sourceRef="${from}" targetRef="${to}"`);
export const timer = (kind: string, value: string) => `<bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition>`;
/** start → node → end; the node is on line FIRST + 1. */
export const around = (node: string, id: string, ...more: string[]) => doc(start(), node, end(), flow('in', 'start', id), flow('out', id, 'end'), ...more);
/** A user task carrying `tkTask` inside a tk:task, on line FIRST + 1. */
export const withTask = (tkTask: string, attrs = '') => around(userTask('step', `<tk:task${attrs}>${tkTask}</tk:task>`), 'step');

export const issuesOf = async (xml: string) => (await parseProcessXml(xml)).issues;
export const errors = (issues: DefinitionIssue[]) => issues.filter((i) => i.severity === 'error');

/** Exactly one error, with this code, naming element `id` in its params and pointer (and at `line`). */
export function expectError(issues: DefinitionIssue[], code: string, id: string, line?: number): DefinitionIssue {
  expect(errors(issues).map((i) => `${i.code} ${i.params?.id}`)).toEqual([`${code} ${id}`]);
  const e = errors(issues)[0] as DefinitionIssue;
  expect(e.pointer).toBe(`/bpmn/${id}`);
  if (line !== undefined) expect(e.line).toBe(line);
  for (const text of [e.message.en, e.message['zh-CN']]) expect(text).toContain(`"${id}"`);
  expectWellFormed(issues);
  return e;
}
