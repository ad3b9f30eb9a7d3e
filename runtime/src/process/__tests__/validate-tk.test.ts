import { describe, expect, it } from 'vitest';
import { EXAMPLES, expectWellFormed } from '../../definitions/__tests__/examples.ts';
import { parseProcessXml } from '../../definitions/bpmn.ts';
import { referencesOf } from '../../definitions/references.ts';
import { checkReferences, type SetMember, validateDocument } from '../../definitions/validate.ts';
import { around, doc, el, end, expectError, ext, FIRST, flow, issuesOf, start, userTask, withTask } from './bpmn-xml.ts';

describe('tk: extensions', () => {
  it('an unknown attribute on a tk element is rejected naming the user task and its line', async () => {
    const e = expectError(await issuesOf(withTask('', ' status="x" colour="red"')), 'DEF_BPMN_UNKNOWN_EXTENSION', 'step', FIRST + 1);
    expect(e.params).toEqual({ id: 'step', element: 'tk:task', attribute: 'colour' });
  });

  it('an unknown tk attribute on a BPMN element is rejected naming it', async () => {
    const e = expectError(await issuesOf(around('<bpmn:serviceTask id="svc" tk:retries="3"/>', 'svc')), 'DEF_BPMN_UNKNOWN_EXTENSION', 'svc', FIRST + 1);
    expect(e.params).toEqual({ id: 'svc', element: 'bpmn:serviceTask', attribute: 'tk:retries' });
  });

  it('an unknown tk element is rejected naming the enclosing user task, at the line of the tk element', async () => {
    const xml = doc(
      start(),
      '<bpmn:userTask id="step"><bpmn:extensionElements>',
      '<tk:task>',
      '<tk:deadline at="PT1H"/>',
      '</tk:task>',
      '</bpmn:extensionElements></bpmn:userTask>',
      end(),
      flow('a', 'start', 'step'),
      flow('b', 'step', 'end'),
    );
    const e = expectError(await issuesOf(xml), 'DEF_BPMN_UNKNOWN_EXTENSION', 'step', FIRST + 3);
    expect(e.params).toEqual({ id: 'step', element: 'tk:deadline' });
  });

  it('tk:task on a service task is rejected as misplaced, naming the service task', async () => {
    const e = expectError(
      await issuesOf(around(el('serviceTask', 'svc', ext('<tk:task status="x"/>')), 'svc')),
      'DEF_BPMN_MISPLACED_EXTENSION',
      'svc',
      FIRST + 1,
    );
    expect(e.params).toEqual({ id: 'svc', element: 'tk:task', parent: 'bpmn:serviceTask', allowed: ['bpmn:userTask'] });
  });

  it('a tk:remind outside tk:timeout is rejected as misplaced', async () => {
    const e = expectError(await issuesOf(withTask('<tk:remind before="PT1H" to="assignee"/>')), 'DEF_BPMN_MISPLACED_EXTENSION', 'step', FIRST + 1);
    expect(e.params).toMatchObject({ element: 'tk:remind', allowed: ['tk:timeout'] });
  });

  it('two tk:task elements on one user task are rejected', async () => {
    expectError(await issuesOf(around(userTask('step', '<tk:task/>', '<tk:task/>'), 'step')), 'DEF_BPMN_DUPLICATE_EXTENSION', 'step', FIRST + 1);
  });

  const values: [string, string, string, string, string][] = [
    ['a status category outside the six', '', ' statusCategory="done"', 'statusCategory', 'done'],
    ['an unknown action', '', ' actions="complete approve teleport"', 'actions', 'teleport'],
    ['an unknown completing action', '', ' completeOn="finish"', 'completeOn', 'finish'],
    ['an unknown assignee rule', '<tk:assignee rule="boss"/>', '', 'rule', 'boss'],
    ['a manager rule of someone unknown', '<tk:assignee rule="manager" ref="owner"/>', '', 'ref', 'owner'],
    ['a previous rule naming no user task', '<tk:assignee rule="previous" ref="nowhere"/>', '', 'ref', 'nowhere'],
    ['a pool candidate without a kind', '<tk:assignee rule="pool" ref="night-shift"/>', '', 'ref', 'night-shift'],
    ['an unknown approval mode', '<tk:approval mode="majority"/>', '', 'mode', 'majority'],
    ['an unknown approver', '<tk:approval mode="all" approvers="role:finance boss"/>', '', 'approvers', 'boss'],
    ['a rejection target that is no user task', '<tk:approval mode="single" onReject="start"/>', '', 'onReject', 'start'],
    ['an unknown reminder recipient', '<tk:timeout duration="PT1H"><tk:remind before="PT10M" to="assignee everyone"/></tk:timeout>', '', 'to', 'everyone'],
    ['an unknown escalation recipient', '<tk:timeout duration="PT1H"><tk:escalate after="PT1H" to="group:x"/></tk:timeout>', '', 'to', 'group:x'],
  ];
  it.each(values)('%s is rejected naming the user task, the attribute and the value', async (_what, inner, attrs, attribute, value) => {
    const e = expectError(await issuesOf(withTask(inner, attrs)), 'DEF_BPMN_EXTENSION_VALUE', 'step', FIRST + 1);
    expect(e.params).toMatchObject({ attribute, value });
    expect(e.message.en).toContain(`"${value}"`);
  });

  const formats: [string, string, string, string][] = [
    ['a timeout that is not a duration', '<tk:timeout duration="2h"/>', 'duration', '2h'],
    ['a reminder offset that is not a duration', '<tk:timeout duration="PT1H"><tk:remind before="soon" to="assignee"/></tk:timeout>', 'before', 'soon'],
    ['a reminder both before and after', '<tk:timeout duration="PT1H"><tk:remind before="PT1H" after="PT1H" to="assignee"/></tk:timeout>', 'before', 'PT1H'],
    [
      'an escalation delay that is not a duration',
      '<tk:timeout duration="PT1H"><tk:escalate after="tomorrow" to="manager"/></tk:timeout>',
      'after',
      'tomorrow',
    ],
    ['a calendar that is not a key', '<tk:timeout duration="PT1H" calendar="work days"/>', 'calendar', 'work days'],
    ['a field pattern outside data, receipt and components', '<tk:fields editable="data.room ticket.status"/>', 'editable', 'ticket.status'],
    ['a field rule on something that is not a field path', '<tk:assignee rule="field" ref="room"/>', 'ref', 'room'],
    ['a percentage approval above 100', '<tk:approval mode="percentage" percentage="150"/>', 'percentage', '150'],
  ];
  it.each(formats)('%s is rejected naming the user task and the value', async (_what, inner, attribute, value) => {
    const e = expectError(await issuesOf(withTask(inner)), 'DEF_BPMN_EXTENSION_FORMAT', 'step', FIRST + 1);
    expect(e.params).toMatchObject({ attribute, value });
  });

  const missing: [string, string, string][] = [
    ['an assignee without a rule', '<tk:assignee ref="agent"/>', 'rule'],
    ['a role assignee without a role', '<tk:assignee rule="role"/>', 'ref'],
    ['a dispatch-rule assignee without the rule', '<tk:assignee rule="dispatchRule"/>', 'ref'],
    ['a percentage approval without a percentage', '<tk:approval mode="percentage"/>', 'percentage'],
    ['a reminder to nobody', '<tk:timeout duration="PT1H"><tk:remind before="PT5M"/></tk:timeout>', 'to'],
  ];
  it.each(missing)('%s is rejected naming the missing attribute', async (_what, inner, attribute) => {
    expect(expectError(await issuesOf(withTask(inner)), 'DEF_BPMN_EXTENSION_MISSING', 'step', FIRST + 1).params?.attribute).toBe(attribute);
  });

  it('creator, previous, pool and manager assignees need no ref', async () => {
    for (const rule of ['creator', 'previous', 'pool', 'manager']) expect(await issuesOf(withTask(`<tk:assignee rule="${rule}"/>`))).toEqual([]);
  });

  it('tk:status rejects an unknown status category naming the event', async () => {
    const e = expectError(
      await issuesOf(doc(start('start', ext('<tk:status status="新" statusCategory="fresh"/>')), end(), flow('f', 'start', 'end'))),
      'DEF_BPMN_EXTENSION_VALUE',
      'start',
      FIRST,
    );
    expect(e.params).toMatchObject({ element: 'tk:status', attribute: 'statusCategory', value: 'fresh' });
  });

  const service = (action: string) => around(el('serviceTask', 'svc', ext(action)), 'svc');
  it('a tk:action type that is neither built in nor a plugin key is rejected', async () => {
    const e = expectError(await issuesOf(service('<tk:action type="runScript"/>')), 'DEF_BPMN_EXTENSION_VALUE', 'svc', FIRST + 1);
    expect(e.params?.allowed).toContain('<plugin>:<action>');
  });

  it('a tk:action body that is not a JSON object is rejected', async () => {
    expectError(await issuesOf(service('<tk:action type="webhook">["https://x"]</tk:action>')), 'DEF_BPMN_EXTENSION_FORMAT', 'svc', FIRST + 1);
    expectError(await issuesOf(service('<tk:action type="webhook">{url: x}</tk:action>')), 'DEF_BPMN_EXTENSION_FORMAT', 'svc', FIRST + 1);
  });

  it('a sendMessage action without a template is rejected', async () => {
    const e = expectError(await issuesOf(service('<tk:action type="sendMessage">{"to":"creator"}</tk:action>')), 'DEF_BPMN_EXTENSION_MISSING', 'svc');
    expect(e.params).toMatchObject({ element: 'tk:action', attribute: 'template' });
  });

  it('setFields writes only to field paths, and its rule values are checked', async () => {
    expectError(await issuesOf(service('<tk:action type="setFields">{"ticket.status":"x"}</tk:action>')), 'DEF_BPMN_EXTENSION_FORMAT', 'svc');
    expectError(await issuesOf(service('<tk:action type="setFields">{"data.x":{"method":[1,"y"]}}</tk:action>')), 'DEF_BPMN_BAD_CONDITION', 'svc');
  });

  it('a tk:rule with a body that is no rule, or a target that is no field, is rejected naming the task', async () => {
    const rule = (r: string) => around(el('businessRuleTask', 'calc', ext(r)), 'calc');
    expect(
      expectError(await issuesOf(rule('<tk:rule target="data.fee">{"pow":[2,8]}</tk:rule>')), 'DEF_BPMN_BAD_CONDITION', 'calc', FIRST + 1).params?.where,
    ).toBe('tk:rule');
    expectError(await issuesOf(rule('<tk:rule target="fee">1</tk:rule>')), 'DEF_BPMN_EXTENSION_FORMAT', 'calc');
    expectError(await issuesOf(rule('<tk:rule>1</tk:rule>')), 'DEF_BPMN_EXTENSION_MISSING', 'calc');
  });

  const call = (inner: string, attrs = '') => around(el('callActivity', 'orders', inner, attrs), 'orders');
  it('a call activity needs a ticket type: tk:call ticketType, or calledElement', async () => {
    expect(expectError(await issuesOf(call(ext('<tk:call wait="all"/>'))), 'DEF_BPMN_EXTENSION_MISSING', 'orders', FIRST + 1).params).toMatchObject({
      element: 'tk:call',
      attribute: 'ticketType',
    });
    const none = expectError(await issuesOf(call('')), 'DEF_BPMN_EXTENSION_MISSING', 'orders');
    expect(none.message.en).toBe('"orders" needs a tk:call element');
    const r = await parseProcessXml(call('', ' calledElement="repair"'));
    expect(r.issues).toEqual([]);
    expect(r.summary?.references).toEqual([{ pointer: '/bpmn/orders', kind: 'ticketType', key: 'repair', line: FIRST + 1 }]);
  });

  it('tk:call rejects an unknown wait and a body that is not a JSON object', async () => {
    expectError(await issuesOf(call(ext('<tk:call ticketType="repair" wait="some"/>'))), 'DEF_BPMN_EXTENSION_VALUE', 'orders');
    expectError(await issuesOf(call(ext('<tk:call ticketType="repair">"data.x"</tk:call>'))), 'DEF_BPMN_EXTENSION_FORMAT', 'orders');
  });
});

describe('references from the BPMN', () => {
  /** A process naming one definition of each kind the examples have. */
  const xml = doc(
    start(),
    userTask(
      'assign',
      '<tk:task><tk:assignee rule="dispatchRule" ref="repair-dispatch"/><tk:approval mode="all" approvers="role:dispatcher"/>',
      '<tk:timeout duration="PT1H" calendar="property-hours"><tk:remind before="PT5M" to="assignee" template="fee-reminder"/></tk:timeout></tk:task>',
    ),
    el('serviceTask', 'sheet', ext('<tk:action type="renderReport">{"template":"repair-sheet"}</tk:action>')),
    el('callActivity', 'orders', ext('<tk:call ticketType="repair"/>')),
    end(),
    flow('a', 'start', 'assign'),
    flow('b', 'assign', 'sheet'),
    flow('c', 'sheet', 'orders'),
    flow('d', 'orders', 'end'),
  );
  const member = async (): Promise<SetMember> => {
    const v = await validateDocument({ kind: 'process', key: 'dispatching', bpmn: xml });
    expect(v.issues).toEqual([]);
    return { doc: v.doc as SetMember['doc'], summary: v.summary };
  };
  const others = (...left: string[]) =>
    Promise.all(
      ['role', 'calendar', 'messageTemplate', 'reportTemplate', 'dispatchRule', 'ticketType']
        .filter((k) => !left.includes(k))
        .map(async (k) => {
          const v = await validateDocument(EXAMPLES[k as keyof typeof EXAMPLES]());
          return { doc: v.doc as SetMember['doc'], summary: v.summary };
        }),
    );

  it('referencesOf a process lists what its BPMN names, from its summary', async () => {
    const m = await member();
    expect(referencesOf(m.doc, m.summary).map((r) => `${r.kind}:${r.key}`)).toEqual([
      'dispatchRule:repair-dispatch',
      'role:dispatcher',
      'calendar:property-hours',
      'messageTemplate:fee-reminder',
      'reportTemplate:repair-sheet',
      'ticketType:repair',
    ]);
    expect(referencesOf(m.doc)).toEqual([]);
  });

  it('references that resolve give no issue', async () => {
    expect(checkReferences([await member(), ...(await others())]).filter((i) => i.kind === 'process')).toEqual([]);
  });

  it('a role named in approvers that does not exist is DEF_MISSING_REFERENCE at /bpmn/<taskId> with its line', async () => {
    const issues = checkReferences([await member(), ...(await others('role'))]).filter((i) => i.kind === 'process');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: 'DEF_MISSING_REFERENCE',
      key: 'dispatching',
      pointer: '/bpmn/assign',
      line: FIRST + 1,
      params: { fromKind: 'process', fromKey: 'dispatching', kind: 'role', key: 'dispatcher' },
    });
    expectWellFormed(issues);
  });

  it('each kind the BPMN names is checked: calendar, templates, ticket type and dispatch rule', async () => {
    const issues = checkReferences([await member()]).filter((i) => i.kind === 'process');
    expect(issues.map((i) => `${i.pointer} ${i.params?.kind}:${i.params?.key}`)).toEqual([
      '/bpmn/assign dispatchRule:repair-dispatch',
      '/bpmn/assign role:dispatcher',
      '/bpmn/assign calendar:property-hours',
      '/bpmn/assign messageTemplate:fee-reminder',
      '/bpmn/sheet reportTemplate:repair-sheet',
      '/bpmn/orders ticketType:repair',
    ]);
  });
});
