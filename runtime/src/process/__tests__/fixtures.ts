import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProcess, type ProcessModel } from '../model.ts';
import type { Actor } from '../state.ts';

const FIXTURES = join(import.meta.dirname, '../../../../tests/fixtures/processes');

export const fixtureXml = (name: string) => readFileSync(join(FIXTURES, `${name}.bpmn`), 'utf8');
export const fixtureModel = (name: string): Promise<ProcessModel> => compileProcess(fixtureXml(name));

/** Wraps process elements into a BPMN document (the `tk` and `xsi` namespaces are declared). */
export const bpmn = (body: string, attrs = '') => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:tk="http://docket.dev/schema/tk/1.0" id="d" targetNamespace="http://docket.dev/tests">
  <bpmn:process id="p" isExecutable="true" ${attrs}>${body}</bpmn:process>
</bpmn:definitions>`;

export const model = (body: string) => compileProcess(bpmn(body));

let flowCount = 0;
/** `a->b` sequence flows with ids f1, f2, … unique per test file (or `a-[id]->b`, `a-{json-logic}->b`). */
export const flows = (...pairs: string[]) =>
  pairs
    .map((p) => {
      const m = /^(\w+)\s*-(?:\[(\w+)\])?(\{.*\})?-?>\s*(\w+)$/.exec(p);
      if (!m) throw new Error(`bad flow ${p}`);
      const [, from, id, cond, to] = m;
      const c = cond ? `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="json-logic">${cond}</bpmn:conditionExpression>` : '';
      return `<bpmn:sequenceFlow id="${id ?? `f${++flowCount}`}" sourceRef="${from}" targetRef="${to}">${c}</bpmn:sequenceFlow>`;
    })
    .join('\n');

/** A user task assigned to `user` (default tech) with optional tk:task attributes and children. */
export const userTask = (id: string, opts: { user?: string; attrs?: string; inner?: string; loop?: string } = {}) =>
  `<bpmn:userTask id="${id}" name="${id}"><bpmn:extensionElements><tk:task status="${id}" ${opts.attrs ?? ''}>` +
  `<tk:assignee rule="user" ref="${opts.user ?? 'tech'}"/>${opts.inner ?? ''}</tk:task></bpmn:extensionElements>${opts.loop ?? ''}</bpmn:userTask>`;

export const tech: Actor = { id: 'tech' };
export const tech2: Actor = { id: 'tech2' };
export const dispatcher: Actor = { id: 'disp', roles: ['dispatcher'] };
export const finance: Actor = { id: 'fin', roles: ['finance'] };
export const manager: Actor = { id: 'boss', roles: ['manager'] };
export const agent: Actor = { id: 'agent', roles: ['agent'] };
export const creator: Actor = { id: 'creator' };
export const admin: Actor = { id: 'root', admin: true };

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
