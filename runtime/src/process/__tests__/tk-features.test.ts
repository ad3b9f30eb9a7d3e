import { describe, expect, it } from 'vitest';
import type { Directory } from '../context.ts';
import { MemoryEngine, type MemoryOptions } from '../memory.ts';
import { compileProcess } from '../model.ts';
import type { Actor } from '../state.ts';
import { admin, agent, bpmn, creator, dispatcher, finance, flows as fixtureFlows, HOUR, MINUTE, manager, tech, tech2 } from './fixtures.ts';

// One test (or a few) per tk: feature of a user task, named after what the people on the ticket notice.

// fixtures.flows does not parse a plain `a->b`; give every flow an id of its own.
let flowSeq = 0;
const flows = (...pairs: string[]) =>
  fixtureFlows(...pairs.map((p) => p.replace(/^(\w+)\s*-(>|\{)/, (_, from, next) => `${from}-[f${++flowSeq}]${next === '>' ? '->' : '{'}`)));

/** A user task with `<tk:task ${attrs}>${inner}</tk:task>`; `bpmnAttrs` go on the bpmn:userTask. */
const step = (id: string, attrs = '', inner = '', bpmnAttrs = '') =>
  `<bpmn:userTask id="${id}" name="${id}" ${bpmnAttrs}><bpmn:extensionElements><tk:task ${attrs}>${inner}</tk:task></bpmn:extensionElements></bpmn:userTask>`;
const assignee = (rule: string, ref?: string) => `<tk:assignee rule="${rule}"${ref ? ` ref="${ref}"` : ''}/>`;
const toTech = assignee('user', 'tech');
const CANCELLED = '<bpmn:extensionElements><tk:status status="已取消" statusCategory="cancelled"/></bpmn:extensionElements>';

/** Starts a process running `steps` one after the other (ids taken from the XML), then a none end `e`. */
async function chain(steps: string[], options: MemoryOptions & { extra?: string } = {}) {
  const { extra = '', ...rest } = options;
  const ids = steps.map((s) => /id="(\w+)"/.exec(s)?.[1] as string);
  const path = ['s', ...ids, 'e'];
  const body =
    CANCELLED +
    '<bpmn:startEvent id="s"/>' +
    steps.join('') +
    '<bpmn:endEvent id="e" name="done"/>' +
    extra +
    flows(...path.slice(1).map((to, i) => `${path[i]}->${to}`));
  const e = new MemoryEngine(await compileProcess(bpmn(body)), { ticket: { creator: 'creator' }, ...rest });
  e.start();
  return e;
}

const actionsOf = (e: MemoryEngine, actor: Actor) => (e.steps(actor)[0]?.actions ?? []).slice().sort();
const outcomes = (e: MemoryEngine) => e.finished.map((f) => `${f.task.node}:${f.outcome}`);
const openNodes = (e: MemoryEngine) => e.tasks().map((t) => t.node);
const directory: Directory = { managerOf: (user) => ({ tech: 'boss', tech2: 'boss', boss: 'ceo' })[user] };

describe('assignee rules', () => {
  it('user with one name gives that user the step and the ticket', async () => {
    const e = await chain([step('work', '', toTech)], { ticket: {} });
    expect(e.task('work')?.assignee).toBe('tech');
    expect(e.ticket.assignee).toBe('tech');
    expect(actionsOf(e, tech)).toEqual(['complete']);
    expect(actionsOf(e, tech2)).toEqual([]);
  });

  it('user with several names offers the step to each of them until one claims it', async () => {
    const e = await chain([step('work', '', assignee('user', 'tech tech2'))]);
    expect(e.task('work')?.candidates).toEqual(['user:tech', 'user:tech2']);
    expect(actionsOf(e, tech2)).toEqual(['claim', 'complete']);
    expect(actionsOf(e, agent)).toEqual([]);
    e.act('work', 'claim', tech2);
    expect(e.task('work')?.assignee).toBe('tech2');
    expect(actionsOf(e, tech)).toEqual([]);
    expect(actionsOf(e, tech2)).toEqual(['complete']);
  });

  it.each([
    ['role', { id: 'm', roles: ['night'] }],
    ['team', { id: 'm', teams: ['night'] }],
    ['post', { id: 'm', posts: ['night'] }],
    ['orgUnit', { id: 'm', orgUnits: ['night'] }],
  ] as [string, Actor][])('%s candidates: members may claim the step, others see nothing', async (rule, member) => {
    const e = await chain([step('work', '', assignee(rule, 'night'))], { ticket: {} });
    expect(e.task('work')?.candidates).toEqual([`${rule}:night`]);
    expect(e.task('work')?.assignee).toBeUndefined();
    expect(actionsOf(e, member)).toEqual(['claim', 'complete']);
    expect(actionsOf(e, tech)).toEqual([]);
    expect(() => e.act('work', 'claim', tech)).toThrow(expect.objectContaining({ code: 'ACTION_NOT_ALLOWED' }));
    e.act('work', 'claim', member);
    expect(e.task('work')?.assignee).toBe('m');
    expect(e.ticket.assignee).toBe('m');
  });

  it('a candidate who completes without claiming first takes the step (抢单)', async () => {
    const e = await chain([step('work', '', assignee('role', 'dispatcher'))]);
    e.act('work', 'complete', dispatcher);
    expect(e.finished[0]?.task.assignee).toBe('disp');
  });

  it('field data.handler gives the step to the user named in the ticket; with nobody named only an admin may act', async () => {
    const named = await chain([step('work', '', assignee('field', 'data.handler'))], { ticket: { data: { handler: 'tech2' } } });
    expect(named.task('work')?.assignee).toBe('tech2');
    const empty = await chain([step('work', '', assignee('field', 'data.handler'))]);
    expect(empty.task('work')?.assignee).toBeUndefined();
    expect(actionsOf(empty, agent)).toEqual([]);
    expect(actionsOf(empty, { id: 'root', admin: true })).toContain('complete');
  });

  it('field ticket.assignee keeps the step with whoever holds the ticket', async () => {
    const e = await chain([step('assign', 'completeOn="assign"', assignee('role', 'dispatcher')), step('work', '', assignee('field', 'ticket.assignee'))]);
    e.act('assign', 'assign', dispatcher, { to: 'tech2' });
    expect(e.task('work')?.assignee).toBe('tech2');
    expect(e.ticket.assignee).toBe('tech2');
  });

  it('creator gives the step to whoever opened the ticket', async () => {
    const e = await chain([step('confirm', '', assignee('creator'))]);
    expect(e.task('confirm')?.assignee).toBe('creator');
  });

  it('manager gives the step to the manager of the assignee, from the directory', async () => {
    const e = await chain([step('work', '', toTech), step('review', '', assignee('manager'))], { directory });
    e.act('work', 'complete', tech);
    expect(e.task('review')?.assignee).toBe('boss');
    const noManager = await chain([step('review', '', assignee('manager'))], { directory, ticket: { assignee: 'nobody' } });
    expect(noManager.task('review')?.assignee).toBeUndefined();
  });

  it('previous gives the step to the assignee of the last finished step, or of the step it names', async () => {
    const e = await chain([
      step('triage', '', assignee('role', 'dispatcher')),
      step('fix', '', assignee('user', 'tech2')),
      step('followUp', '', assignee('previous')),
      step('report', '', assignee('previous', 'triage')),
    ]);
    e.act('triage', 'claim', dispatcher);
    e.act('triage', 'complete', dispatcher);
    e.act('fix', 'complete', tech2);
    expect(e.task('followUp')?.assignee).toBe('tech2');
    e.act('followUp', 'complete', tech2);
    expect(e.task('report')?.assignee).toBe('disp');
  });

  it('a pool without a restriction lets anyone claim the step', async () => {
    const e = await chain([step('work', '', assignee('pool'))]);
    expect(actionsOf(e, tech2)).toEqual(['claim', 'complete']);
    e.act('work', 'claim', tech2);
    expect(e.task('work')?.assignee).toBe('tech2');
    expect(actionsOf(e, tech)).toEqual([]);
  });

  it('a pool restricted to a role lets only its members claim', async () => {
    const e = await chain([step('work', '', assignee('pool', 'role:dispatcher'))]);
    expect(actionsOf(e, tech)).toEqual([]);
    expect(actionsOf(e, dispatcher)).toEqual(['claim', 'complete']);
  });

  it('dispatchRule asks the directory to pick the assignee; when it picks nobody the step waits for an admin', async () => {
    const seen: unknown[] = [];
    const dispatching: Directory = {
      managerOf: () => undefined,
      dispatch: (rule, ticket) => {
        seen.push([rule, ticket.data.region]);
        return ticket.data.region === 'north' ? 'tech2' : undefined;
      },
    };
    const e = await chain([step('work', '', assignee('dispatchRule', 'nearest'))], { directory: dispatching, ticket: { data: { region: 'north' } } });
    expect(e.task('work')?.assignee).toBe('tech2');
    expect(seen).toEqual([['nearest', 'north']]);
    const pool = await chain([step('work', '', assignee('dispatchRule', 'nearest'))], { directory: dispatching, ticket: { data: { region: 'south' } } });
    expect(pool.task('work')?.assignee).toBeUndefined();
    expect(actionsOf(pool, agent)).toEqual([]);
  });
});

describe('approvals', () => {
  const approval = (mode: string, approvers: string, extra = '') =>
    step('approve', 'status="待审批" statusCategory="pending" actions="withdraw"', `<tk:approval mode="${mode}" approvers="${approvers}" ${extra}/>`);
  const u = (id: string): Actor => ({ id });

  it('single: the approver decides; the outcome is recorded on the step', async () => {
    const e = await chain([approval('single', 'user:boss'), step('next', '', toTech)]);
    expect(e.status).toEqual({ status: '待审批', statusCategory: 'pending' });
    expect(actionsOf(e, manager)).toEqual(['approve', 'reject']);
    expect(actionsOf(e, tech)).toEqual([]);
    expect(actionsOf(e, creator)).toEqual(['withdraw']);
    e.act('approve', 'approve', manager, { comment: 'ok' });
    expect(outcomes(e)).toEqual(['approve:approved']);
    expect(e.finished[0]?.task.approvals).toEqual([{ slot: 'user:boss', by: 'boss', decision: 'approved', at: expect.any(String), comment: 'ok' }]);
    expect(openNodes(e)).toEqual(['next']);
  });

  it('a rejection without a target finishes the step as rejected, and flows can route on step.outcome', async () => {
    const body =
      '<bpmn:startEvent id="s"/>' +
      approval('single', 'user:boss').replace('name="approve"', 'name="approve" default="fOk"') +
      step('next', '', toTech) +
      step('rework', '', toTech) +
      '<bpmn:endEvent id="e"/>' +
      flows('s->approve', 'approve-[fOk]->next', 'approve-{"==":[{"var":"step.outcome"},"rejected"]}->rework', 'next->e', 'rework->e');
    const routed = async (decision: 'approve' | 'reject') => {
      const e = new MemoryEngine(await compileProcess(bpmn(body)));
      e.start();
      e.act('approve', decision, manager);
      return e;
    };
    const no = await routed('reject');
    expect(outcomes(no)).toEqual(['approve:rejected']);
    expect(openNodes(no)).toEqual(['rework']);
    expect(openNodes(await routed('approve'))).toEqual(['next']);
  });

  it('all (countersign, 会签): every approver must approve; one rejection rejects', async () => {
    const e = await chain([approval('all', 'role:finance role:manager'), step('next', '', toTech)]);
    e.act('approve', 'approve', finance);
    expect(openNodes(e)).toEqual(['approve']);
    expect(actionsOf(e, finance)).toEqual([]);
    expect(e.task('approve')?.candidates).toEqual(['role:manager']);
    e.act('approve', 'approve', manager);
    expect(outcomes(e)).toEqual(['approve:approved']);

    const no = await chain([approval('all', 'role:finance role:manager'), step('next', '', toTech)]);
    no.act('approve', 'reject', manager);
    expect(outcomes(no)).toEqual(['approve:rejected']);
  });

  it('any (or-sign, 或签): the first decision of any approver decides, and the others are too late', async () => {
    const e = await chain([approval('any', 'user:boss user:fin'), step('next', '', toTech)]);
    const id = e.task('approve')?.id as string;
    e.act('approve', 'approve', u('fin'));
    expect(outcomes(e)).toEqual(['approve:approved']);
    expect(() => e.act(id, 'approve', manager)).toThrow(expect.objectContaining({ code: 'TASK_ALREADY_COMPLETED' }));

    const no = await chain([approval('any', 'user:boss user:fin'), step('next', '', toTech)]);
    no.act('approve', 'reject', manager);
    expect(outcomes(no)).toEqual(['approve:rejected']);
  });

  it('sequential: the second approver cannot act before the first', async () => {
    const e = await chain([approval('sequential', 'user:fin user:boss'), step('next', '', toTech)]);
    expect(actionsOf(e, manager)).toEqual([]);
    expect(() => e.act('approve', 'approve', manager)).toThrow(expect.objectContaining({ code: 'ACTION_NOT_ALLOWED' }));
    e.act('approve', 'approve', u('fin'));
    expect(actionsOf(e, manager)).toEqual(['approve', 'reject']);
    e.act('approve', 'approve', manager);
    expect(outcomes(e)).toEqual(['approve:approved']);
  });

  it('percentage 60% of 5: approved at the third approval', async () => {
    const e = await chain([approval('percentage', 'user:u1 user:u2 user:u3 user:u4 user:u5', 'percentage="60"'), step('next', '', toTech)]);
    e.act('approve', 'approve', u('u1'));
    e.act('approve', 'reject', u('u2'));
    e.act('approve', 'approve', u('u3'));
    expect(openNodes(e)).toEqual(['approve']);
    e.act('approve', 'approve', u('u5'));
    expect(outcomes(e)).toEqual(['approve:approved']);
  });

  it('percentage 60% of 5: rejected as soon as three rejections make 60% impossible', async () => {
    const e = await chain([approval('percentage', 'user:u1 user:u2 user:u3 user:u4 user:u5', 'percentage="60"'), step('next', '', toTech)]);
    e.act('approve', 'reject', u('u1'));
    e.act('approve', 'reject', u('u2'));
    expect(openNodes(e)).toEqual(['approve']);
    e.act('approve', 'reject', u('u4'));
    expect(outcomes(e)).toEqual(['approve:rejected']);
  });

  it('onReject sends the ticket back to the named step, and the approval starts over next time', async () => {
    const e = await chain([step('quote', '', toTech), approval('all', 'role:finance role:manager', 'onReject="quote"'), step('next', '', toTech)]);
    e.act('quote', 'complete', tech);
    e.act('approve', 'approve', finance);
    e.act('approve', 'reject', manager, { comment: 'too expensive' });
    expect(openNodes(e)).toEqual(['quote']);
    expect(e.task('quote')?.assignee).toBe('tech');
    expect(outcomes(e)).toEqual(['quote:completed', 'approve:rejected']);
    e.act('quote', 'complete', tech);
    expect(e.task('approve')?.approvals?.every((a) => !a.decision)).toBe(true);
  });

  it('approvers may be the creator, the manager of the assignee, or a user named in a field', async () => {
    const e = await chain([step('work', '', toTech), approval('all', 'creator manager field:data.auditor'), step('next', '', toTech)], {
      directory,
      ticket: { creator: 'creator', data: { auditor: 'aud' } },
    });
    e.act('work', 'complete', tech);
    expect(e.task('approve')?.approvals?.map((a) => a.slot)).toEqual(['user:creator', 'user:boss', 'user:aud']);
  });
});

describe('task actions', () => {
  const ALL = 'actions="assign claim accept start transfer escalate return withdraw pause addCollaborator cancel"';

  it('assign needs a target, hands the step over and keeps it open', async () => {
    const e = await chain([step('work', ALL, toTech)]);
    expect(() => e.act('work', 'assign', tech)).toThrow(expect.objectContaining({ code: 'INPUT_REQUIRED', details: { field: 'to' } }));
    e.act('work', 'assign', tech, { to: 'tech2' });
    expect(e.task('work')?.assignee).toBe('tech2');
    expect(actionsOf(e, tech)).toEqual([]);
  });

  it('a dispatching step finished by assign gives the ticket to the new assignee', async () => {
    const e = await chain([step('dispatch', 'completeOn="assign"', assignee('role', 'dispatcher')), step('work', '', assignee('field', 'ticket.assignee'))], {
      ticket: { creator: 'creator', assignee: 'agent' },
    });
    e.act('dispatch', 'assign', dispatcher, { to: 'tech' });
    expect(outcomes(e)).toEqual(['dispatch:assign']);
    expect(e.ticket.assignee).toBe('tech');
    expect(e.task('work')?.assignee).toBe('tech');
  });

  it('accept and start are each offered once and keep the step open unless they finish it', async () => {
    const e = await chain([step('work', ALL, toTech)]);
    e.act('work', 'accept', tech);
    expect(e.task('work')?.accepted).toBe(true);
    expect(actionsOf(e, tech)).not.toContain('accept');
    e.act('work', 'start', tech);
    expect(e.task('work')?.started).toBe(true);
    expect(actionsOf(e, tech)).not.toContain('start');
    e.act('work', 'complete', tech);
    expect(e.state?.status).toBe('completed');

    const acceptStep = await chain([step('accept', 'completeOn="accept"', toTech), step('next', '', toTech)]);
    acceptStep.act('accept', 'accept', tech);
    expect(outcomes(acceptStep)).toEqual(['accept:accept']);
  });

  it('reject sends the ticket back to the previous step, to the person who did it', async () => {
    const e = await chain([step('fix', '', assignee('role', 'dispatcher')), step('check', 'actions="reject"', assignee('user', 'tech2'))]);
    e.act('fix', 'complete', dispatcher);
    e.act('check', 'reject', tech2, { reason: 'still leaking' });
    expect(openNodes(e)).toEqual(['fix']);
    expect(e.task('fix')?.assignee).toBe('disp');
    expect(outcomes(e)).toEqual(['fix:completed', 'check:rejected']);
  });

  it('reject cannot be used to jump ahead to a step not done yet', async () => {
    const e = await chain([step('fix', '', toTech), step('check', 'actions="reject"', toTech), step('close', '', toTech)]);
    e.act('fix', 'complete', tech);
    expect(() => e.act('check', 'reject', tech, { step: 'close' })).toThrow(expect.objectContaining({ code: 'BAD_RETURN_STEP' }));
    e.act('check', 'reject', tech, { step: 'fix' });
    expect(openNodes(e)).toEqual(['fix']);
  });

  it('reject with no earlier step is refused', async () => {
    const e = await chain([step('check', 'actions="reject"', toTech)]);
    expect(() => e.act('check', 'reject', tech)).toThrow(expect.objectContaining({ code: 'NO_EARLIER_STEP' }));
  });

  it('transfer hands the step to another user, who may then finish it', async () => {
    const e = await chain([step('work', ALL, toTech)]);
    expect(() => e.act('work', 'transfer', tech)).toThrow(expect.objectContaining({ code: 'INPUT_REQUIRED' }));
    e.act('work', 'transfer', tech, { to: 'tech2', reason: 'out of area' });
    expect(actionsOf(e, tech)).toEqual([]);
    expect(e.events.find((x) => x.type === 'task.transfer')?.detail).toEqual({ reason: 'out of area', from: 'tech', to: 'tech2' });
    e.act('work', 'complete', tech2);
    expect(e.finished[0]?.task.assignee).toBe('tech2');
  });

  it('escalate records the severity, copies people in and queues a notification', async () => {
    const e = await chain([step('work', ALL, toTech)], { ticket: { id: 'T-1' } });
    const out = e.act('work', 'escalate', tech, { severity: 'critical', cc: ['boss', 'lead'], reason: 'customer angry' });
    expect(e.task('work')?.escalations).toEqual([{ severity: 'critical', at: e.now.toISOString(), by: 'tech', reason: 'customer angry' }]);
    expect(out.effects.participants).toEqual([
      { user: 'boss', role: 'cc' },
      { user: 'lead', role: 'cc' },
    ]);
    expect(e.outbox).toEqual([
      { kind: 'notify', payload: { event: 'escalated', ticket: 'T-1', task: e.task('work')?.id, severity: 'critical', cc: ['boss', 'lead'] } },
    ]);
    expect(openNodes(e)).toEqual(['work']);
  });

  describe('return to an earlier step', () => {
    const steps = () => [
      step('triage', '', assignee('role', 'dispatcher')),
      step('fix', 'actions="return"', toTech),
      step('verify', 'actions="return"', assignee('user', 'tech2')),
      step('close', '', toTech),
    ];

    it('reopens the step named, with the person who did it before', async () => {
      const e = await chain(steps());
      e.act('triage', 'complete', dispatcher);
      e.act('fix', 'complete', tech);
      e.act('verify', 'return', tech2, { step: 'triage', reason: 'wrong category' });
      expect(openNodes(e)).toEqual(['triage']);
      expect(e.task('triage')?.assignee).toBe('disp');
      expect(outcomes(e)).toEqual(['triage:completed', 'fix:completed', 'verify:returned']);
      e.act('triage', 'complete', dispatcher);
      expect(openNodes(e)).toEqual(['fix']);
    });

    it('refuses a step not done yet, an unknown step, or no step at all', async () => {
      const e = await chain(steps());
      e.act('triage', 'complete', dispatcher);
      expect(() => e.act('fix', 'return', tech, { step: 'close' })).toThrow(expect.objectContaining({ code: 'BAD_RETURN_STEP' }));
      expect(() => e.act('fix', 'return', tech, { step: 'nowhere' })).toThrow(expect.objectContaining({ code: 'BAD_RETURN_STEP' }));
      expect(() => e.act('fix', 'return', tech)).toThrow(expect.objectContaining({ code: 'INPUT_REQUIRED' }));
      expect(openNodes(e)).toEqual(['fix']);
    });
  });

  it('only the creator (or an admin) may withdraw the ticket', async () => {
    const e = await chain([step('work', ALL, toTech)]);
    expect(actionsOf(e, creator)).toEqual(['withdraw']);
    expect(actionsOf(e, tech)).not.toContain('withdraw');
    expect(() => e.act('work', 'withdraw', tech)).toThrow(expect.objectContaining({ code: 'ACTION_NOT_ALLOWED' }));
    e.act('work', 'withdraw', creator, { reason: 'fixed itself' });
    expect(e.state?.status).toBe('terminated');
    expect(e.status).toEqual({ status: '已取消', statusCategory: 'cancelled' });
    expect(outcomes(e)).toEqual(['work:withdrawn']);
  });

  it('pause needs a reason, stops the clock and offers only resume; resume moves the deadline by the time paused', async () => {
    const e = await chain([step('work', ALL, `${toTech}<tk:timeout duration="PT2H"><tk:remind before="PT15M" to="assignee"/></tk:timeout>`)]);
    e.advance(30 * MINUTE);
    expect(() => e.act('work', 'pause', tech)).toThrow(expect.objectContaining({ code: 'INPUT_REQUIRED', details: { field: 'reason' } }));
    expect(e.task('work')?.pausedAt).toBeUndefined();
    e.act('work', 'pause', tech, { reason: 'waiting for parts' });
    expect(e.task('work')?.pauseReason).toBe('waiting for parts');
    expect(actionsOf(e, tech)).toContain('resume');
    expect(actionsOf(e, tech)).not.toContain('complete');
    expect(() => e.act('work', 'complete', tech)).toThrow(expect.objectContaining({ code: 'TASK_PAUSED' }));
    expect(e.advance(5 * HOUR)).toBe(0);
    e.act('work', 'resume', tech);
    expect(e.task('work')?.pausedAt).toBeUndefined();
    expect(e.task('work')?.dueAt).toBe(new Date(e.now.getTime() + 90 * MINUTE).toISOString());
    e.advance(75 * MINUTE);
    expect(e.outbox.filter((o) => o.payload.event === 'reminder')).toHaveLength(1);
  });

  it('while paused only resume is offered to the assignee, but the creator may still withdraw and an admin cancel', async () => {
    const e = await chain([step('work', ALL, toTech)]);
    e.act('work', 'pause', tech, { reason: 'customer away' });
    expect(actionsOf(e, tech)).toEqual(['resume']);
    expect(actionsOf(e, creator)).toEqual(['withdraw']);
    expect(actionsOf(e, admin)).toEqual(['cancel', 'resume', 'withdraw']);
    expect(actionsOf(e, tech2)).toEqual([]);
    e.act('work', 'withdraw', creator, { reason: 'customer gone' });
    expect(e.status?.statusCategory).toBe('cancelled');
    expect(outcomes(e)).toEqual(['work:withdrawn']);
  });

  it('added collaborators receive the reminders sent to collaborators', async () => {
    const e = await chain([step('work', ALL, `${toTech}<tk:timeout duration="PT1H"><tk:remind after="PT0S" to="collaborators"/></tk:timeout>`)]);
    const out = e.act('work', 'addCollaborator', tech, { users: ['tech2', 'agent'] });
    expect(out.effects.participants).toEqual([
      { user: 'tech2', role: 'collaborator' },
      { user: 'agent', role: 'collaborator' },
    ]);
    expect(e.task('work')?.collaborators).toEqual(['tech2', 'agent']);
    e.advance(HOUR);
    expect(e.outbox.find((o) => o.payload.event === 'reminder')?.payload.to).toEqual(['user:tech2', 'user:agent']);
  });

  it('cancel stops the ticket: no open step, no timers, the process cancelled status', async () => {
    const e = await chain([step('work', ALL, `${toTech}<tk:timeout duration="PT1H"><tk:remind after="PT0S" to="assignee"/></tk:timeout>`)]);
    e.act('work', 'cancel', tech, { reason: 'duplicate' });
    expect(e.tasks()).toEqual([]);
    expect(e.timers).toEqual([]);
    expect(e.state?.status).toBe('terminated');
    expect(e.status).toEqual({ status: '已取消', statusCategory: 'cancelled' });
    expect(e.events.map((x) => x.type)).toContain('process.cancelled');
  });

  it('a late action on a finished step gets TASK_ALREADY_COMPLETED, never a second transition', async () => {
    const e = await chain([step('a', '', toTech), step('b', '', toTech)]);
    const a = e.task('a')?.id as string;
    e.act(a, 'complete', tech);
    expect(() => e.act(a, 'complete', tech)).toThrow(expect.objectContaining({ code: 'TASK_ALREADY_COMPLETED' }));
    const b = e.task('b')?.id as string;
    e.act(b, 'complete', tech);
    expect(() => e.act(b, 'complete', tech)).toThrow(expect.objectContaining({ code: 'TASK_ALREADY_COMPLETED' }));
    expect(outcomes(e)).toEqual(['a:completed', 'b:completed']);
    const running = await chain([step('a', '', toTech)]);
    expect(() => running.act('k999', 'complete', tech)).toThrow(expect.objectContaining({ code: 'TASK_NOT_FOUND' }));
  });

  it('an action the step does not offer is refused with ACTION_NOT_ALLOWED', async () => {
    const e = await chain([step('work', 'actions="pause"', toTech)]);
    expect(() => e.act('work', 'transfer', tech, { to: 'tech2' })).toThrow(
      expect.objectContaining({ code: 'ACTION_NOT_ALLOWED', details: { task: e.task('work')?.id, action: 'transfer', allowed: ['complete', 'pause'] } }),
    );
    expect(() => e.act('work', 'complete', tech2)).toThrow(expect.objectContaining({ code: 'ACTION_NOT_ALLOWED' }));
  });
});

describe('field permissions', () => {
  const form = step('resolve', '', `${toTech}<tk:fields editable="receipt.* data.note" required="receipt.resolution" hidden="receipt.cost"/>`);

  it('editable fields may be written; others are refused and nothing is written', async () => {
    const e = await chain([form]);
    e.act('resolve', 'complete', tech, { values: { 'receipt.resolution': 'replaced valve', 'data.note': 'ok' } });
    expect(e.ticket.receipt.resolution).toBe('replaced valve');
    expect(e.ticket.data.note).toBe('ok');
    const other = await chain([form]);
    expect(() => other.act('resolve', 'complete', tech, { values: { 'receipt.resolution': 'x', 'data.customer': 'y' } })).toThrow(
      expect.objectContaining({ code: 'FIELD_NOT_EDITABLE', details: { fields: ['data.customer'] } }),
    );
    expect(other.ticket.receipt).toEqual({});
  });

  it('a hidden field cannot be written even when a wildcard makes it editable', async () => {
    const e = await chain([form]);
    expect(() => e.act('resolve', 'complete', tech, { values: { 'receipt.resolution': 'x', 'receipt.cost': 100 } })).toThrow(
      expect.objectContaining({ code: 'FIELD_NOT_EDITABLE', details: { fields: ['receipt.cost'] } }),
    );
  });

  it('a required field must have a value before the step can finish; one already on the ticket counts', async () => {
    const e = await chain([form]);
    expect(() => e.act('resolve', 'complete', tech, { values: { 'receipt.resolution': '' } })).toThrow(
      expect.objectContaining({ code: 'REQUIRED_FIELDS_MISSING', details: { fields: ['receipt.resolution'] } }),
    );
    expect(openNodes(e)).toEqual(['resolve']);
    const filled = await chain([form], { ticket: { receipt: { resolution: 'done earlier' } } });
    filled.act('resolve', 'complete', tech);
    expect(filled.state?.status).toBe('completed');
  });
});

describe('timeouts', () => {
  const timed = (inner: string) => step('work', 'actions="pause"', `${toTech}<tk:timeout duration="PT2H">${inner}</tk:timeout>`);
  const notices = (e: MemoryEngine, event: string) => e.outbox.filter((o) => o.payload.event === event).map((o) => o.payload.to);

  it('reminds before and after the deadline, then escalates with severity to the people named', async () => {
    const e = await chain(
      [
        timed(
          '<tk:remind before="PT30M" to="assignee"/><tk:remind after="PT0S" to="creator manager" template="overdue"/>' +
            '<tk:escalate after="PT1H" to="manager user:lead post:duty" severity="high"/>',
        ),
      ],
      { directory },
    );
    expect(e.task('work')?.dueAt).toBe(new Date(e.now.getTime() + 2 * HOUR).toISOString());
    e.advance(89 * MINUTE);
    expect(notices(e, 'reminder')).toEqual([]);
    e.advance(MINUTE);
    expect(notices(e, 'reminder')).toEqual([['user:tech']]);
    e.advance(30 * MINUTE);
    expect(notices(e, 'reminder')).toEqual([['user:tech'], ['user:creator', 'user:boss']]);
    expect(e.outbox.at(-1)?.payload.template).toBe('overdue');
    e.advance(59 * MINUTE);
    expect(e.task('work')?.escalations).toEqual([]);
    e.advance(MINUTE);
    expect(e.task('work')?.escalations).toEqual([{ severity: 'high', at: e.now.toISOString() }]);
    expect(notices(e, 'escalated')).toEqual([['user:boss', 'user:lead', 'post:duty']]);
    expect(e.events.filter((x) => x.type === 'task.escalated').map((x) => x.detail?.severity)).toEqual(['high']);
  });

  it('finishing the step before its deadline drops its reminders and escalations', async () => {
    const e = await chain([timed('<tk:remind after="PT0S" to="assignee"/><tk:escalate after="PT1H" to="manager"/>')]);
    e.advance(HOUR);
    e.act('work', 'complete', tech);
    expect(e.timers).toEqual([]);
    expect(e.advance(10 * HOUR)).toBe(0);
    expect(e.outbox).toEqual([]);
  });
});

describe('ticket-type step switches', () => {
  it('enabled: false skips the step', async () => {
    const e = await chain([step('revisit', '', toTech), step('close', '', toTech)], { steps: { revisit: { enabled: false } } });
    expect(openNodes(e)).toEqual(['close']);
    expect(e.events.filter((x) => x.type === 'step.skipped').map((x) => x.node)).toEqual(['revisit']);
  });

  it('approval: false turns an approval step into an ordinary step for its assignee', async () => {
    const e = await chain([step('settle', '', `${toTech}<tk:approval mode="all" approvers="role:finance role:manager"/>`)], {
      steps: { settle: { approval: false } },
    });
    expect(e.task('settle')?.approvals).toBeUndefined();
    expect(actionsOf(e, finance)).toEqual([]);
    e.act('settle', 'complete', tech);
    expect(outcomes(e)).toEqual(['settle:completed']);
  });

  it('a timeout override replaces the duration of the step, and its reminders follow the new deadline', async () => {
    const e = await chain([step('work', '', `${toTech}<tk:timeout duration="PT2H"><tk:remind before="PT10M" to="assignee"/></tk:timeout>`)], {
      steps: { work: { timeout: 'PT30M' } },
    });
    expect(e.task('work')?.dueAt).toBe(new Date(e.now.getTime() + 30 * MINUTE).toISOString());
    e.advance(20 * MINUTE);
    expect(e.outbox.filter((o) => o.payload.event === 'reminder')).toHaveLength(1);
  });

  it('a timeout override gives a deadline to a step that had none', async () => {
    const e = await chain([step('work', '', toTech)], { steps: { work: { timeout: 'PT45M' } } });
    expect(e.task('work')?.dueAt).toBe(new Date(e.now.getTime() + 45 * MINUTE).toISOString());
  });
});

describe('status and status category', () => {
  it('a step shows its status and category while the ticket waits there; defaults are its name and open', async () => {
    const e = await chain([step('triage', 'status="待受理" statusCategory="new"', toTech), step('fix', '', toTech)]);
    expect(e.status).toEqual({ status: '待受理', statusCategory: 'new' });
    expect(e.steps(tech)[0]?.status).toBe('待受理');
    e.act('triage', 'complete', tech);
    expect(e.status).toEqual({ status: 'fix', statusCategory: 'open' });
  });

  it('a call activity shows its tk:status while the child tickets run', async () => {
    const call =
      '<bpmn:callActivity id="repair"><bpmn:extensionElements><tk:status status="维修中" statusCategory="pending"/>' +
      '<tk:call ticketType="repair"/></bpmn:extensionElements></bpmn:callActivity>';
    const e = await chain([call]);
    expect(e.status).toEqual({ status: '维修中', statusCategory: 'pending' });
  });

  it('an end event shows its tk:status; one without shows its name as closed', async () => {
    const e = await chain([step('work', '', toTech)], {
      extra: '<bpmn:endEvent id="e2"><bpmn:extensionElements><tk:status status="已解决" statusCategory="resolved"/></bpmn:extensionElements></bpmn:endEvent>',
    });
    e.act('work', 'complete', tech);
    expect(e.status).toEqual({ status: 'done', statusCategory: 'closed' });
    const body =
      '<bpmn:startEvent id="s"/>' +
      step('work', '', toTech) +
      '<bpmn:endEvent id="e"><bpmn:extensionElements><tk:status status="已解决" statusCategory="resolved"/></bpmn:extensionElements></bpmn:endEvent>' +
      flows('s->work', 'work->e');
    const resolved = new MemoryEngine(await compileProcess(bpmn(body)));
    resolved.start();
    resolved.act('work', 'complete', tech);
    expect(resolved.status).toEqual({ status: '已解决', statusCategory: 'resolved' });
  });

  it('when one of two parallel steps is done, the ticket shows the step still open', async () => {
    const body =
      '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>' +
      step('fix', 'status="维修中"', toTech) +
      step('bill', 'status="结算中" statusCategory="pending"', assignee('user', 'tech2')) +
      step('close', 'status="待关闭" statusCategory="resolved"', toTech) +
      '<bpmn:endEvent id="e"/>' +
      flows('s->fork', 'fork->fix', 'fork->bill', 'fix->join', 'bill->join', 'join->close', 'close->e');
    const e = new MemoryEngine(await compileProcess(bpmn(body)));
    e.start();
    expect(e.status).toEqual({ status: '结算中', statusCategory: 'pending' });
    e.act('bill', 'complete', tech2);
    expect(e.status).toEqual({ status: '维修中', statusCategory: 'open' });
    e.act('fix', 'complete', tech);
    expect(e.status).toEqual({ status: '待关闭', statusCategory: 'resolved' });
  });

  it('a terminate end shows its own status, not that of a step it cut short', async () => {
    const body =
      '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>' +
      step('fix', 'status="维修中"', toTech) +
      step('bill', 'status="结算中"', assignee('user', 'tech2')) +
      '<bpmn:endEvent id="stop"><bpmn:extensionElements><tk:status status="已终止" statusCategory="closed"/></bpmn:extensionElements><bpmn:terminateEventDefinition/></bpmn:endEvent>' +
      '<bpmn:endEvent id="e"/>' +
      flows('s->fork', 'fork->fix', 'fork->bill', 'fix->stop', 'bill->e');
    const e = new MemoryEngine(await compileProcess(bpmn(body)));
    e.start();
    e.act('fix', 'complete', tech);
    expect(e.status).toEqual({ status: '已终止', statusCategory: 'closed' });
  });
});

describe('current steps', () => {
  it('give each actor exactly the buttons they may press', async () => {
    const e = await chain([step('work', 'actions="transfer escalate pause addCollaborator cancel withdraw return"', toTech)]);
    expect(e.steps(tech)).toEqual([
      {
        task: e.task('work')?.id,
        node: 'work',
        name: 'work',
        status: 'work',
        assignee: 'tech',
        candidates: [],
        paused: false,
        actions: expect.any(Array),
      },
    ]);
    expect(actionsOf(e, tech)).toEqual(['addCollaborator', 'cancel', 'complete', 'escalate', 'pause', 'return', 'transfer']);
    expect(actionsOf(e, creator)).toEqual(['withdraw']);
    expect(actionsOf(e, tech2)).toEqual([]);
    expect(actionsOf(e, admin)).toEqual(['addCollaborator', 'assign', 'cancel', 'complete', 'escalate', 'pause', 'return', 'transfer', 'withdraw']);
    e.act('work', 'pause', tech, { reason: 'x' });
    expect(e.steps(tech)[0]?.paused).toBe(true);
    expect(actionsOf(e, tech)).toEqual(['resume']);
  });

  it('list every open step of a ticket with parallel branches', async () => {
    const body =
      '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>' +
      step('fix', '', toTech) +
      step('bill', '', assignee('role', 'finance')) +
      '<bpmn:endEvent id="e"/>' +
      flows('s->fork', 'fork->fix', 'fork->bill', 'fix->e', 'bill->e');
    const e = new MemoryEngine(await compileProcess(bpmn(body)));
    e.start();
    expect(e.steps(tech).map((s) => [s.node, s.actions])).toEqual([
      ['fix', ['complete']],
      ['bill', []],
    ]);
    expect(e.steps(finance).map((s) => [s.node, s.actions])).toEqual([
      ['fix', []],
      ['bill', ['claim', 'complete']],
    ]);
  });
});
