import { readFile } from 'node:fs/promises';
import { BpmnModdle } from 'bpmn-moddle';
import { describe, expect, it } from 'vitest';
import { expectWellFormed } from '../../definitions/__tests__/examples.ts';
import { parseProcessXml } from '../../definitions/bpmn.ts';
import type { ModdleElement } from '../bpmn-tree.ts';
import tk from '../tk-moddle.json' with { type: 'json' };
import { validateProcessModel } from '../validate-bpmn.ts';
import { around, condition, doc, el, end, errors, expectError, ext, FIRST, flow, issuesOf, start, timer, userTask, withTask } from './bpmn-xml.ts';

// ── a process using every supported element and tk: feature ──

const COMPLETE = doc(
  ext('<tk:status status="已取消" statusCategory="cancelled"/>'),
  '<bpmn:laneSet id="lanes"><bpmn:lane id="desk"><bpmn:flowNodeRef>accept</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>',
  '<bpmn:dataObject id="photos"/><bpmn:textAnnotation id="note"><bpmn:text>受理后派单</bpmn:text></bpmn:textAnnotation>',
  '<bpmn:association id="noteOnAccept" sourceRef="note" targetRef="accept"/><bpmn:group id="desk-work"/>',
  start('submitted', ext('<tk:status status="已提交" statusCategory="new"/>')),
  start('byMessage', '<bpmn:messageEventDefinition/>'),
  userTask(
    'accept',
    '<tk:task status="待受理" statusCategory="new" actions="accept assign transfer cancel" completeOn="accept assign">',
    '<tk:assignee rule="role" ref="dispatcher"/>',
    '<tk:fields editable="data.* receipt.result" required="data.room"/><tk:fields hidden="components.spare-parts"/>',
    '<tk:timeout duration="PT2H" calendar="property-hours">',
    '<tk:remind before="PT30M" to="assignee role:dispatcher" template="fee-reminder"/><tk:remind after="PT0M" to="assignee manager"/>',
    '<tk:escalate after="PT4H" to="managers user:u1 post:lead team:night" severity="high"/>',
    '</tk:timeout></tk:task>',
  ),
  el('boundaryEvent', 'withdrawn', '<bpmn:messageEventDefinition/>', ' attachedToRef="accept"'),
  el('exclusiveGateway', 'triage', '', ' default="toDispatch"'),
  userTask(
    'dispatch',
    '<tk:task status="待派单" statusCategory="open" actions="assign claim return">',
    '<tk:assignee rule="dispatchRule" ref="repair-dispatch"/>',
    '<tk:approval mode="percentage" percentage="60" approvers="role:dispatcher user:u2 field:data.owner manager creator" onReject="accept"/>',
    '</tk:task>',
  ),
  el(
    'businessRuleTask',
    'price',
    ext(
      '<tk:rule target="data.fee">{"*":[{"var":"data.hours"},80]}</tk:rule>',
      '<tk:rule target="receipt.result">{"cat":["fee ",{"var":"data.fee"}]}</tk:rule>',
    ),
  ),
  el(
    'serviceTask',
    'notify',
    ext(
      '<tk:status status="通知中" statusCategory="open"/>',
      '<tk:action type="setFields">{"data.notified":true,"data.total":{"+":[{"var":"data.fee"},5]}}</tk:action>',
      '<tk:action type="sendMessage">{"template":"fee-reminder","to":"creator"}</tk:action>',
      '<tk:action type="webhook">{"url":"https://example.com/hook"}</tk:action>',
      '<tk:action type="field-service:reserveParts"/>',
      '<tk:action type="createTickets">{"ticketType":"repair","count":2}</tk:action>',
    ),
  ),
  el('exclusiveGateway', 'merge'),
  el('parallelGateway', 'split'),
  el(
    'callActivity',
    'workOrders',
    ext('<tk:call ticketType="repair" wait="all">{"data.room":{"var":"room"},"data.parent":{"var":"ticket.number"}}</tk:call>') +
      '<bpmn:multiInstanceLoopCharacteristics tk:collection="data.rooms" tk:elementVariable="room"/>',
  ),
  el('boundaryEvent', 'ordersFailed', timer('timeDuration', 'P3D'), ' attachedToRef="workOrders"'),
  el(
    'subProcess',
    'visit',
    [
      start('visitStart'),
      userTask('onSite', '<tk:task status="上门中" statusCategory="open" actions="start complete pause resume addCollaborator"/>'),
      el('boundaryEvent', 'nudge', timer('timeCycle', 'R3/PT1H'), ' attachedToRef="onSite" cancelActivity="false"'),
      el('sendTask', 'remindTech', ext('<tk:action type="sendMessage">{"template":"fee-reminder"}</tk:action>')),
      end('nudged'),
      end('visitEnd'),
      flow('v1', 'visitStart', 'onSite'),
      flow('v2', 'onSite', 'visitEnd'),
      flow('v3', 'nudge', 'remindTech'),
      flow('v4', 'remindTech', 'nudged'),
      '<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>2</bpmn:loopCardinality>',
      '<bpmn:completionCondition>{">=":[{"var":"nrOfCompletedInstances"},{"var":"loopCounter"}]}</bpmn:completionCondition>',
      '</bpmn:multiInstanceLoopCharacteristics>',
    ].join('\n'),
  ),
  el('boundaryEvent', 'tooLong', timer('timeDuration', 'P2D'), ' attachedToRef="visit"'),
  el('parallelGateway', 'join'),
  el('inclusiveGateway', 'followUps', '', ' default="noFollowUp"'),
  el('sendTask', 'survey', ext('<tk:action type="sendMessage">{"template":"fee-reminder"}</tk:action>')),
  el('inclusiveGateway', 'followUpsDone'),
  el('eventBasedGateway', 'waitReply'),
  el('intermediateCatchEvent', 'noReply', timer('timeDate', '2030-01-31T09:00:00+08:00')),
  el('intermediateCatchEvent', 'replied', '<bpmn:messageEventDefinition/>'),
  el('serviceTask', 'report', ext('<tk:action type="renderReport">{"template":"repair-sheet","format":"pdf"}</tk:action>')),
  end('done', '<bpmn:messageEventDefinition/>'),
  end('closedSilently', '<bpmn:terminateEventDefinition/>'),
  end('failed', '<bpmn:errorEventDefinition/>'),
  end('cancelled'),
  end('late'),
  flow('c1', 'submitted', 'accept'),
  flow('c2', 'byMessage', 'accept'),
  flow('c3', 'withdrawn', 'cancelled'),
  flow('c4', 'accept', 'triage'),
  flow('toDispatch', 'triage', 'dispatch'),
  flow('toPrice', 'triage', 'price', condition('{"==":[{"var":"data.paid"},true]}')),
  flow('c5', 'price', 'notify'),
  flow('c6', 'dispatch', 'merge'),
  flow('c7', 'notify', 'merge'),
  flow('c8', 'merge', 'split'),
  flow('c9', 'split', 'workOrders'),
  flow('c10', 'split', 'visit'),
  flow('c11', 'workOrders', 'join'),
  flow('c12', 'visit', 'join'),
  flow('c13', 'ordersFailed', 'failed'),
  flow('c14', 'tooLong', 'late'),
  flow('c15', 'join', 'followUps'),
  flow('wantsSurvey', 'followUps', 'survey', condition('{"!!":[{"var":"data.survey"}]}')),
  flow('noFollowUp', 'followUps', 'followUpsDone'),
  flow('c16', 'survey', 'followUpsDone'),
  flow('c17', 'followUpsDone', 'waitReply'),
  flow('c18', 'waitReply', 'noReply'),
  flow('c19', 'waitReply', 'replied'),
  flow('c20', 'noReply', 'closedSilently'),
  flow('c21', 'replied', 'report'),
  flow('c22', 'report', 'done'),
);

describe('a valid process', () => {
  it('a process using every supported element and tk: feature validates with no issues at all', async () => {
    const r = await parseProcessXml(COMPLETE);
    expect(r.issues).toEqual([]);
    expect(r.summary?.tasks).toEqual(['accept', 'dispatch', 'price', 'notify', 'workOrders', 'onSite', 'remindTech', 'survey', 'report']);
  });

  it('the definitions it names become references at /bpmn/<elementId> with their line', async () => {
    const refs = (await parseProcessXml(COMPLETE)).summary?.references ?? [];
    expect(refs.map((r) => `${r.pointer} ${r.kind}:${r.key}`)).toEqual([
      '/bpmn/accept role:dispatcher',
      '/bpmn/accept calendar:property-hours',
      '/bpmn/accept role:dispatcher',
      '/bpmn/accept messageTemplate:fee-reminder',
      '/bpmn/dispatch dispatchRule:repair-dispatch',
      '/bpmn/dispatch role:dispatcher',
      '/bpmn/notify messageTemplate:fee-reminder',
      '/bpmn/notify ticketType:repair',
      '/bpmn/workOrders ticketType:repair',
      '/bpmn/remindTech messageTemplate:fee-reminder',
      '/bpmn/survey messageTemplate:fee-reminder',
      '/bpmn/report reportTemplate:repair-sheet',
    ]);
    const lines = COMPLETE.split('\n');
    for (const r of refs) expect(lines[(r.line as number) - 1]).toContain(`id="${r.pointer.slice('/bpmn/'.length)}"`);
  });

  it('the core general.bpmn still validates, with its tasks and its role and calendar references', async () => {
    const xml = await readFile(new URL('../../../../definitions/processes/general.bpmn', import.meta.url), 'utf8');
    const r = await parseProcessXml(xml);
    expect(r.issues).toEqual([]);
    expect(r.summary?.tasks).toEqual(['accept', 'handle', 'confirm']);
    expect(r.summary?.references?.map((x) => `${x.pointer} ${x.kind}:${x.key} line ${x.line}`)).toEqual([
      '/bpmn/accept role:agent line 20',
      '/bpmn/accept calendar:default line 20',
      '/bpmn/handle role:technician line 32',
      '/bpmn/handle calendar:default line 32',
      '/bpmn/confirm role:agent line 48',
      '/bpmn/confirm calendar:default line 48',
    ]);
  });

  it('validateProcessModel is a pure function of the moddle tree and the XML text', async () => {
    const { rootElement } = await new BpmnModdle({ tk }).fromXML(COMPLETE, 'bpmn:Definitions');
    expect(validateProcessModel(rootElement as ModdleElement, COMPLETE)).toEqual([]);
    const { rootElement: broken } = await new BpmnModdle({ tk }).fromXML(around('<bpmn:scriptTask id="calc"/>', 'calc'), 'bpmn:Definitions');
    expect(validateProcessModel(broken as ModdleElement, around('<bpmn:scriptTask id="calc"/>', 'calc')).map((i) => i.code)).toEqual(['DEF_BPMN_UNSUPPORTED']);
  });

  it('parses running at the same time on the shared parser give the answers they give one by one', async () => {
    const xmls = [COMPLETE, withTask('<tk:assignee rule="boss"/>'), around('<bpmn:task id="t"/>', 't'), doc(userTask('alone'))];
    const alone = [];
    for (const xml of xmls) alone.push(await parseProcessXml(xml));
    expect(await Promise.all(xmls.map((xml) => parseProcessXml(xml)))).toEqual(alone);
  });
});

describe('foreign extensions', () => {
  it('a diagram with camunda: attributes and elements imports with one warning per element and no error', async () => {
    const xml = around(
      '<bpmn:userTask id="approve" camunda:assignee="#{initiator}" camunda:candidateGroups="managers">' +
        '<bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="x">1</camunda:inputParameter></camunda:inputOutput>' +
        '<tk:task status="审批中"/></bpmn:extensionElements></bpmn:userTask>',
      'approve',
      flow('later', 'end', 'start', condition('{"var":"data.x"}').replace('language="json-logic"', 'language="json-logic" camunda:resource="r"')),
    ).replace('<bpmn:process id="p"', '<bpmn:process id="p" camunda:historyTimeToLive="180"');
    const issues = await issuesOf(xml);
    expect(errors(issues)).toEqual([]);
    expect(issues.map((i) => `${i.code} ${i.severity} ${i.pointer} ${JSON.stringify(i.params?.names)}`)).toEqual([
      'DEF_BPMN_FOREIGN_EXTENSION warning /bpmn/p ["camunda:historyTimeToLive"]',
      'DEF_BPMN_FOREIGN_EXTENSION warning /bpmn/approve ["camunda:assignee","camunda:candidateGroups","camunda:inputOutput"]',
      'DEF_BPMN_FOREIGN_EXTENSION warning /bpmn/later ["camunda:resource"]',
    ]);
    expect(issues[1]?.line).toBe(FIRST + 1);
    expect(issues[1]?.message.en).toBe('"approve" carries extensions Docket ignores: camunda:assignee, camunda:candidateGroups, camunda:inputOutput');
    expectWellFormed(issues);
  });

  it('bpmn-moddle warnings not about tk: stay DEF_BPMN_WARNING warnings', async () => {
    const issues = await issuesOf(around(userTask('t').replace('/>', ' priority="high"/>'), 't'));
    expect(issues.map((i) => `${i.code} ${i.severity} ${i.params?.reason}`)).toEqual(['DEF_BPMN_WARNING warning unknown attribute <priority>']);
  });
});

describe('unsupported elements', () => {
  const cases: [string, string, string, string][] = [
    ['a script task', '<bpmn:scriptTask id="calc"/>', 'calc', 'bpmn:scriptTask'],
    ['a plain task', '<bpmn:task id="todo"/>', 'todo', 'bpmn:task'],
    ['a receive task', '<bpmn:receiveTask id="wait"/>', 'wait', 'bpmn:receiveTask'],
    ['a manual task', '<bpmn:manualTask id="by-hand"/>', 'by-hand', 'bpmn:manualTask'],
    ['a complex gateway', '<bpmn:complexGateway id="cx"/>', 'cx', 'bpmn:complexGateway'],
    ['an intermediate throw event', '<bpmn:intermediateThrowEvent id="shout"/>', 'shout', 'bpmn:intermediateThrowEvent'],
    [
      'a signal catch event',
      el('intermediateCatchEvent', 'sig', '<bpmn:signalEventDefinition/>'),
      'sig',
      'bpmn:intermediateCatchEvent (bpmn:signalEventDefinition)',
    ],
    [
      'a conditional catch event',
      el('intermediateCatchEvent', 'cond', '<bpmn:conditionalEventDefinition/>'),
      'cond',
      'bpmn:intermediateCatchEvent (bpmn:conditionalEventDefinition)',
    ],
    ['a transaction', '<bpmn:transaction id="pay"/>', 'pay', 'bpmn:transaction'],
    ['an ad-hoc sub-process', '<bpmn:adHocSubProcess id="adhoc"/>', 'adhoc', 'bpmn:adHocSubProcess'],
    ['a standard loop', el('userTask', 'again', '<bpmn:standardLoopCharacteristics/>'), 'again', 'bpmn:userTask + bpmn:standardLoopCharacteristics'],
  ];
  it.each(cases)('%s is rejected naming its id and line', async (_what, node, id, element) => {
    const e = expectError(await issuesOf(around(node, id)), 'DEF_BPMN_UNSUPPORTED', id, FIRST + 1);
    expect(e.params?.element).toBe(element);
    expect(e.message.en).toContain(`${element} "${id}" is not supported`);
  });

  it('a plain task is rejected with a hint to use a user task', async () => {
    const e = expectError(await issuesOf(around('<bpmn:task id="todo"/>', 'todo')), 'DEF_BPMN_UNSUPPORTED', 'todo');
    expect(e.message.en).toContain('use a bpmn:userTask');
    expect(e.message['zh-CN']).toContain('bpmn:userTask');
  });

  it('a timer start event is rejected with a hint to use a schedule', async () => {
    const xml = doc(start('tick', timer('timeCycle', 'R/P1D')), end(), flow('f', 'tick', 'end'));
    const e = expectError(await issuesOf(xml), 'DEF_BPMN_UNSUPPORTED', 'tick', FIRST);
    expect(e.message.en).toContain('schedule');
  });

  it('a signal end event and an escalation boundary event are rejected', async () => {
    const xml = doc(start(), userTask('t'), end('end', '<bpmn:signalEventDefinition/>'), flow('a', 'start', 't'), flow('b', 't', 'end'));
    expectError(await issuesOf(xml), 'DEF_BPMN_UNSUPPORTED', 'end', FIRST + 2);
    const boundary = el('boundaryEvent', 'esc', '<bpmn:escalationEventDefinition/>', ' attachedToRef="t"');
    expectError(await issuesOf(around(userTask('t'), 't', boundary, end('e2'), flow('x', 'esc', 'e2'))), 'DEF_BPMN_UNSUPPORTED', 'esc', FIRST + 5);
  });

  it('an event sub-process is rejected', async () => {
    const inner = [start('s2'), end('e2'), flow('i', 's2', 'e2')].join('');
    const e = expectError(await issuesOf(around(el('subProcess', 'onError', inner, ' triggeredByEvent="true"'), 'onError')), 'DEF_BPMN_UNSUPPORTED', 'onError');
    expect(e.params?.element).toBe('bpmn:subProcess triggeredByEvent="true"');
  });

  it('a sub-process started by a message is rejected: only the process itself starts on messages', async () => {
    const inner = [start('s2', '<bpmn:messageEventDefinition/>'), end('e2'), flow('i', 's2', 'e2')].join('\n');
    expectError(await issuesOf(around(el('subProcess', 'sub', inner), 'sub')), 'DEF_BPMN_UNSUPPORTED', 's2', FIRST + 1);
  });
});

describe('gateways and conditions', () => {
  const split = (kind: string, out1: string, out2: string, attrs = '') =>
    doc(start(), el(kind, 'gw', '', attrs), end('a'), end('b'), flow('in', 'start', 'gw'), out1, out2);

  it('a diverging exclusive gateway without conditions or default is rejected naming the gateway', async () => {
    const issues = await issuesOf(split('exclusiveGateway', flow('toA', 'gw', 'a'), flow('toB', 'gw', 'b')));
    expect(errors(issues).map((i) => `${i.code} ${i.params?.id} ${i.params?.flow} ${i.line}`)).toEqual([
      `DEF_BPMN_MISSING_CONDITION gw toA ${FIRST + 1}`,
      `DEF_BPMN_MISSING_CONDITION gw toB ${FIRST + 1}`,
    ]);
    expect(issues[0]?.pointer).toBe('/bpmn/gw');
    expectWellFormed(issues);
  });

  it('a diverging inclusive gateway whose unconditioned flow is not the default is rejected naming that flow', async () => {
    const xml = split('inclusiveGateway', flow('toA', 'gw', 'a', condition('{"var":"data.a"}')), flow('toB', 'gw', 'b'));
    expect(expectError(await issuesOf(xml), 'DEF_BPMN_MISSING_CONDITION', 'gw', FIRST + 1).params?.flow).toBe('toB');
  });

  it('the default flow needs no condition, and a parallel gateway needs none at all', async () => {
    expect(await issuesOf(split('exclusiveGateway', flow('toA', 'gw', 'a', condition('{"var":"data.a"}')), flow('toB', 'gw', 'b'), ' default="toB"'))).toEqual(
      [],
    );
    expect(await issuesOf(split('parallelGateway', flow('toA', 'gw', 'a'), flow('toB', 'gw', 'b')))).toEqual([]);
  });

  const bad: [string, string, string | undefined][] = [
    ['a body that is not JSON', '{"==":[{"var":"data.a"},true]', undefined],
    ['an unknown operator', '{"eval":["1"]}', undefined],
    ['the banned method operator', '{"method":[{"var":"data.a"},"toString"]}', undefined],
    ['a variable outside the rule context', '{"var":"process.env.SECRET"}', undefined],
    ['an empty body', ' ', undefined],
    ['another expression language', 'amount &gt; 100', 'javascript'],
  ];
  it.each(bad)('a flow condition with %s is rejected naming the flow', async (_what, body, language) => {
    const xml = split('exclusiveGateway', flow('toA', 'gw', 'a', condition(body, language)), flow('toB', 'gw', 'b'), ' default="toB"');
    const e = expectError(await issuesOf(xml), 'DEF_BPMN_BAD_CONDITION', 'toA', FIRST + 5);
    expect(e.params?.where).toBe('condition');
  });

  it('a condition without a language attribute is json-logic', async () => {
    const xml = split(
      'exclusiveGateway',
      flow('toA', 'gw', 'a', '<bpmn:conditionExpression>{"var":"data.a"}</bpmn:conditionExpression>'),
      flow('toB', 'gw', 'b'),
      ' default="toB"',
    );
    expect(await issuesOf(xml)).toEqual([]);
  });
});

describe('the sequence-flow graph', () => {
  it('a node no start event leads to is rejected as unreachable, naming it with its line', async () => {
    expectError(await issuesOf(around(userTask('t'), 't', userTask('orphan'), flow('o', 'orphan', 'end'))), 'DEF_BPMN_UNREACHABLE', 'orphan', FIRST + 5);
  });

  it('a boundary event counts as reached when its activity is', async () => {
    const xml = around(userTask('t'), 't', el('boundaryEvent', 'late', timer('timeDuration', 'PT1H'), ' attachedToRef="t"'), userTask('chase'), end('e2'));
    const more = [flow('b1', 'late', 'chase'), flow('b2', 'chase', 'e2')];
    expect(await issuesOf(xml.replace('</bpmn:process>', `${more.join('\n')}\n</bpmn:process>`))).toEqual([]);
  });

  it('a node that never leads to an end event is a warning, not an error', async () => {
    const xml = doc(start(), userTask('a'), userTask('b'), end(), flow('f1', 'start', 'a'), flow('f2', 'a', 'b'), flow('f3', 'b', 'a'));
    const issues = await issuesOf(xml);
    expect(issues.map((i) => `${i.code} ${i.severity} ${i.params?.id}`)).toEqual([
      'DEF_BPMN_DEAD_END warning start',
      'DEF_BPMN_DEAD_END warning a',
      'DEF_BPMN_DEAD_END warning b',
      'DEF_BPMN_UNREACHABLE error end',
    ]);
    expect(issues[1]?.message.en).toBe('bpmn:userTask "a" never leads to an end event');
  });

  it('a flow to an id that does not exist is a dangling flow naming the flow and the missing id', async () => {
    const e = expectError(await issuesOf(around(userTask('t'), 't', flow('lost', 't', 'nowhere'))), 'DEF_BPMN_DANGLING_FLOW', 'lost', FIRST + 5);
    expect(e.params).toEqual({ id: 'lost', end: 'targetRef', ref: 'nowhere' });
  });

  it('a flow without a sourceRef is a dangling flow', async () => {
    const e = expectError(await issuesOf(around(userTask('t'), 't', '<bpmn:sequenceFlow id="half" targetRef="t"/>')), 'DEF_BPMN_DANGLING_FLOW', 'half');
    expect(e.params).toEqual({ id: 'half', end: 'sourceRef' });
  });

  it('a flow into a node inside a sub-process is a dangling flow: flows stay in their scope', async () => {
    const inner = [start('s2'), userTask('deep'), end('e2'), flow('i1', 's2', 'deep'), flow('i2', 'deep', 'e2')].join('');
    const e = expectError(await issuesOf(around(el('subProcess', 'sub', inner), 'sub', flow('jump', 'start', 'deep'))), 'DEF_BPMN_DANGLING_FLOW', 'jump');
    expect(e.params).toEqual({ id: 'jump', end: 'targetRef', ref: 'deep' });
  });

  it('a process without a start event is rejected naming the process', async () => {
    const issues = await issuesOf(doc(userTask('t'), end(), flow('f', 't', 'end')));
    expect(errors(issues)[0]).toMatchObject({ code: 'DEF_BPMN_NO_START', pointer: '/bpmn/p', line: 3, params: { id: 'p', element: 'bpmn:process' } });
  });

  it('a sub-process without a start event is rejected naming the sub-process', async () => {
    const inner = [userTask('deep'), end('e2'), flow('i', 'deep', 'e2')].join('');
    const issues = await issuesOf(around(el('subProcess', 'sub', inner), 'sub'));
    expect(errors(issues).map((i) => `${i.code} ${i.params?.id}`)).toEqual(['DEF_BPMN_NO_START sub', 'DEF_BPMN_UNREACHABLE deep', 'DEF_BPMN_UNREACHABLE e2']);
    expect(errors(issues)[0]?.line).toBe(FIRST + 1);
  });

  it('a boundary event without attachedToRef is rejected', async () => {
    const xml = around(userTask('t'), 't', el('boundaryEvent', 'loose', timer('timeDuration', 'PT1H')), end('e2'), flow('b', 'loose', 'e2'));
    expect(expectError(await issuesOf(xml), 'DEF_BPMN_BOUNDARY_UNATTACHED', 'loose', FIRST + 5).params).toEqual({ id: 'loose' });
  });

  it('a boundary event attached to a gateway is rejected naming both', async () => {
    const xml = around(
      el('exclusiveGateway', 'gw'),
      'gw',
      el('boundaryEvent', 'odd', timer('timeDuration', 'PT1H'), ' attachedToRef="gw"'),
      end('e2'),
      flow('b', 'odd', 'e2'),
    );
    expect(expectError(await issuesOf(xml), 'DEF_BPMN_BOUNDARY_UNATTACHED', 'odd').params).toEqual({ id: 'odd', ref: 'gw' });
  });

  it('two elements with the same id are rejected at the line of the second', async () => {
    const xml = doc(start(), userTask('t'), userTask('t'), end(), flow('a', 'start', 't'), flow('b', 't', 'end'));
    expectError(await issuesOf(xml), 'DEF_BPMN_DUPLICATE_ID', 't', FIRST + 2);
  });
});

describe('timers', () => {
  const catchTimer = (definition: string) => around(el('intermediateCatchEvent', 'wait', definition), 'wait');
  const bad: [string, string][] = [
    ['a duration that is not ISO 8601', timer('timeDuration', '2 hours')],
    ['a duration in months', timer('timeDuration', 'P1M')],
    ['a date that is not a date', timer('timeDate', '2030-02-30 nine')],
    ['a cycle without a repeat count form', timer('timeCycle', '0 0 9 * * ?')],
    ['a cycle repeating zero times', timer('timeCycle', 'R0/PT1H')],
    ['no value at all', '<bpmn:timerEventDefinition/>'],
    [
      'both a duration and a date',
      '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration><bpmn:timeDate>2030-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition>',
    ],
  ];
  it.each(bad)('a timer with %s is rejected naming the event', async (_what, definition) => {
    expectError(await issuesOf(catchTimer(definition)), 'DEF_BPMN_BAD_TIMER', 'wait', FIRST + 1);
  });

  it('durations, dates and R<n>/duration cycles (n optional) are accepted', async () => {
    for (const d of [
      timer('timeDuration', 'PT1H30M'),
      timer('timeDate', '2030-01-31T09:00:00Z'),
      timer('timeCycle', 'R5/P1D'),
      timer('timeCycle', 'R/PT15M'),
    ]) {
      expect(await issuesOf(catchTimer(d))).toEqual([]);
    }
  });
});

describe('multi-instance', () => {
  const multi = (loop: string, tkCall = '') => around(el('callActivity', 'orders', ext(`<tk:call ticketType="repair"${tkCall}`) + loop), 'orders');
  const cases: [string, string][] = [
    ['neither loopCardinality nor tk:collection', '<bpmn:multiInstanceLoopCharacteristics/>'],
    [
      'both loopCardinality and tk:collection',
      '<bpmn:multiInstanceLoopCharacteristics tk:collection="data.rooms"><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>',
    ],
    [
      'a loopCardinality of zero',
      '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>0</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>',
    ],
    ['a collection outside the rule context', '<bpmn:multiInstanceLoopCharacteristics tk:collection="env.rooms"/>'],
    ['an element variable that shadows the rule context', '<bpmn:multiInstanceLoopCharacteristics tk:collection="data.rooms" tk:elementVariable="data"/>'],
  ];
  it.each(cases)('%s is rejected naming the activity', async (_what, loop) => {
    expectError(await issuesOf(multi(loop, '/>')), 'DEF_BPMN_BAD_MULTI_INSTANCE', 'orders', FIRST + 1);
  });

  it('a completion condition that is not a valid rule is rejected naming the activity', async () => {
    const loop =
      '<bpmn:multiInstanceLoopCharacteristics tk:collection="data.rooms"><bpmn:completionCondition>{"method":[1,"x"]}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>';
    expect(expectError(await issuesOf(multi(loop, '/>')), 'DEF_BPMN_BAD_CONDITION', 'orders', FIRST + 1).params?.where).toBe('completionCondition');
  });

  it('rules inside a multi-instance activity may read its element variable and loopCounter', async () => {
    const loop = '<bpmn:multiInstanceLoopCharacteristics tk:collection="data.rooms" tk:elementVariable="room"/>';
    expect(await issuesOf(multi(loop, '>{"data.room":{"var":"room.id"},"data.n":{"var":"loopCounter"}}</tk:call>'))).toEqual([]);
    const e = expectError(await issuesOf(multi(loop, '>{"data.room":{"var":"item.id"}}</tk:call>')), 'DEF_BPMN_BAD_CONDITION', 'orders');
    expect(e.params?.where).toBe('tk:call data.room');
  });
});

describe('structures that would never move at run time', () => {
  it('an event-based gateway leading to a user task is rejected naming the gateway', async () => {
    const xml = doc(
      start(),
      el('eventBasedGateway', 'wait'),
      el('intermediateCatchEvent', 'later', timer('timeDuration', 'PT1H')),
      userTask('oops'),
      end(),
      flow('a', 'start', 'wait'),
      flow('b', 'wait', 'later'),
      flow('c', 'wait', 'oops'),
      flow('d', 'later', 'end'),
      flow('e', 'oops', 'end'),
    );
    expectError(await issuesOf(xml), 'DEF_BPMN_UNSUPPORTED', 'wait', FIRST + 1);
  });

  it('an error boundary on a call activity is rejected naming the boundary event', async () => {
    const call = el('callActivity', 'split', ext('<tk:call ticketType="work-order"/>'));
    const xml = doc(
      start(),
      call,
      el('boundaryEvent', 'failed', '<bpmn:errorEventDefinition/>', ' attachedToRef="split"'),
      end(),
      end('handled'),
      flow('a', 'start', 'split'),
      flow('b', 'split', 'end'),
      flow('c', 'failed', 'handled'),
    );
    expectError(await issuesOf(xml), 'DEF_BPMN_UNSUPPORTED', 'failed', FIRST + 2);
  });
});
