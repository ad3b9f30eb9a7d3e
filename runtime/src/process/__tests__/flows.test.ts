import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Calendar } from '../../definitions/kinds/calendar.ts';
import { compileCalendar } from '../calendar.ts';
import type { EngineContext } from '../context.ts';
import { execute } from '../engine.ts';
import { MemoryEngine } from '../memory.ts';
import type { TaskAction } from '../model.ts';
import type { Actor, TaskInput } from '../state.ts';
import { agent, creator, dispatcher, finance, fixtureModel, HOUR, MINUTE, manager, tech, tech2 } from './fixtures.ts';

// Monday 2026-03-02 09:00 in Shanghai.
const MONDAY_9 = new Date('2026-03-02T01:00:00Z');

const DEFAULT_CALENDAR = compileCalendar(
  JSON.parse(readFileSync(new URL('../../../../definitions/calendars/default.json', import.meta.url), 'utf8')) as Calendar,
);
const directory = { managerOf: (user: string) => (user.startsWith('tech') ? 'boss' : undefined) };

async function workOrder(steps?: Record<string, { enabled?: boolean; approval?: boolean }>) {
  const e = new MemoryEngine(await fixtureModel('work-order'), {
    now: MONDAY_9,
    ticket: { creator: 'creator' },
    calendar: (key) => (key === 'default' ? DEFAULT_CALENDAR : undefined),
    directory,
    ...(steps ? { steps } : {}),
  });
  e.start();
  return e;
}

describe('售后宝 work order flow', () => {
  it('walks all nine steps with the status the seed names at each', async () => {
    const e = await workOrder();
    const seen = [e.status?.status];
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    seen.push(e.status?.status);
    expect(e.ticket.assignee).toBe('tech');
    e.act('accept', 'accept', tech);
    seen.push(e.status?.status);
    e.act('start', 'start', tech);
    seen.push(e.status?.status);
    e.act('complete', 'complete', tech, { values: { 'receipt.resolution': '更换压缩机', 'components.spareParts': [{ part: 'P-1', qty: 1 }] } });
    seen.push(e.status?.status);
    expect(e.outbox.some((o) => o.kind === 'sendMessage' && o.payload.template === 'revisit-sms')).toBe(true);
    e.act('settle', 'approve', finance);
    expect(e.task('settle')).toBeDefined();
    e.act('settle', 'approve', manager);
    seen.push(e.status?.status);
    e.act('revisit', 'complete', agent, { values: { 'receipt.satisfaction': 5 } });
    seen.push(e.status?.status);
    e.act('close', 'complete', dispatcher);
    seen.push(e.status?.status);
    expect(seen).toEqual(['待指派', '已指派', '已接受', '进行中', '已完成', '已结算', '待关闭', '已关闭']);
    expect(e.status?.statusCategory).toBe('closed');
    expect(e.state?.status).toBe('completed');
    expect(e.finished.map((f) => f.task.node)).toEqual(['assign', 'accept', 'start', 'complete', 'settle', 'revisit', 'close']);
  });

  it('skips 自动回访 and 回访 when the ticket type switches them off', async () => {
    const e = await workOrder({ autoRevisit: { enabled: false }, revisit: { enabled: false } });
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    e.act('complete', 'complete', tech, { values: { 'receipt.resolution': 'done' } });
    expect(e.outbox.filter((o) => o.kind === 'sendMessage')).toEqual([]);
    e.act('settle', 'approve', finance);
    e.act('settle', 'approve', manager);
    expect(e.task('revisit')).toBeUndefined();
    expect(e.task('close')).toBeDefined();
    expect(e.events.filter((x) => x.type === 'step.skipped').map((x) => x.node)).toEqual(['autoRevisit', 'revisit']);
  });

  it('settles without approvers when the ticket type switches the approval off', async () => {
    const e = await workOrder({ settle: { approval: false } });
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    e.act('complete', 'complete', tech, { values: { 'receipt.resolution': 'done' } });
    expect(e.task('settle')?.approvals).toBeUndefined();
  });

  it('a cancelled work order ends as 已取消 before completion and its timers go', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    expect(e.timers.length).toBeGreaterThan(0);
    e.act('accept', 'cancel', tech, { reason: '客户取消' });
    expect(e.status).toEqual({ status: '已取消', statusCategory: 'cancelled' });
    expect(e.state?.status).toBe('terminated');
    expect(e.timers).toEqual([]);
    expect(() => e.act('accept', 'accept', tech)).toThrow(expect.objectContaining({ code: 'TASK_ALREADY_COMPLETED' }));
  });

  it('a countersign rejected by finance goes back to 完成 and needs both approvals again', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    e.act('complete', 'complete', tech, { values: { 'receipt.resolution': 'v1' } });
    e.act('settle', 'approve', manager);
    e.act('settle', 'reject', finance, { comment: '备件价格不对' });
    expect(e.task('complete')?.assignee).toBe('tech');
    expect(e.status?.status).toBe('进行中');
    e.act('complete', 'complete', tech, { values: { 'receipt.resolution': 'v2' } });
    const settle = e.task('settle');
    expect(settle?.approvals?.every((a) => !a.decision)).toBe(true);
  });

  it('the accept timeout reminds assignee, creator and a named user when it passes', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.advance(59 * MINUTE);
    expect(e.outbox.filter((o) => o.payload.event === 'reminder')).toHaveLength(0);
    e.advance(2 * MINUTE);
    const reminder = e.outbox.find((o) => o.payload.event === 'reminder');
    expect(reminder?.payload.to).toEqual(['user:tech', 'user:creator', 'user:supervisor']);
  });

  it('the work timeout runs on business hours: 8 working hours from Monday 10:00 end Tuesday 10:30', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.advance(HOUR);
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    // 10:00–12:00 and 13:30–18:00 is 6.5 h on Monday; 1.5 h more on Tuesday from 09:00.
    expect(e.task('complete')?.dueAt).toBe('2026-03-03T02:30:00.000Z');
  });

  it('only the people a step names may act, and each sees exactly their buttons', async () => {
    const e = await workOrder();
    expect(e.steps(dispatcher)[0]?.actions.sort()).toEqual(['assign', 'cancel', 'claim']);
    expect(e.steps(tech)[0]?.actions).toEqual([]);
    expect(() => e.act('assign', 'assign', tech, { to: 'tech' })).toThrow(expect.objectContaining({ code: 'ACTION_NOT_ALLOWED' }));
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    expect(e.steps(tech)[0]?.actions.sort()).toEqual(['accept', 'cancel', 'reject', 'transfer']);
    expect(e.steps(tech2)[0]?.actions).toEqual([]);
  });

  it('refuses fields the step does not make editable and requires the resolution', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    expect(() => e.act('complete', 'complete', tech, { values: { 'data.customer': 'x', 'receipt.resolution': 'ok' } })).toThrow(
      expect.objectContaining({ code: 'FIELD_NOT_EDITABLE', details: { fields: ['data.customer'] } }),
    );
    expect(e.ticket.receipt.resolution).toBeUndefined();
    expect(() => e.act('complete', 'complete', tech)).toThrow(expect.objectContaining({ code: 'REQUIRED_FIELDS_MISSING' }));
    expect(e.task('complete')).toBeDefined();
  });

  it('a transfer hands the step and the ticket to another technician', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'transfer', tech, { to: 'tech2', reason: '不在区域' });
    expect(e.ticket.assignee).toBe('tech2');
    e.act('accept', 'accept', tech2);
    expect(e.task('start')?.assignee).toBe('tech2');
  });

  it('a paused step stops its clock; on resume the deadline moves by the paused time', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    // Due Tuesday 09:30 (7.5 working hours on Monday from 09:00); paused at 10:00 with 7 working hours left.
    expect(e.task('complete')?.dueAt).toBe('2026-03-03T01:30:00.000Z');
    e.advance(HOUR);
    e.act('complete', 'pause', tech, { reason: '等备件' });
    expect(e.steps(tech)[0]?.actions).toEqual(['resume']);
    expect(() => e.act('complete', 'complete', tech, { values: { 'receipt.resolution': 'x' } })).toThrow(expect.objectContaining({ code: 'TASK_PAUSED' }));
    expect(e.advance(24 * HOUR)).toBe(0);
    e.act('complete', 'resume', tech);
    // Resumed Tuesday 10:00: 6.5 working hours that day, 0.5 on Wednesday → Wednesday 09:30.
    expect(e.task('complete')?.dueAt).toBe('2026-03-04T01:30:00.000Z');
  });

  it('escalates an overdue step to the manager with its severity', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    // Due Tuesday 09:30; the escalation comes 2 hours later.
    e.advance(26 * HOUR);
    expect(e.task('complete')?.escalations).toEqual([]);
    e.advance(HOUR);
    expect(e.task('complete')?.escalations).toEqual([expect.objectContaining({ severity: 'high' })]);
    expect(e.outbox.find((o) => o.payload.event === 'escalated')?.payload.to).toEqual(['user:boss']);
    expect(e.events.some((x) => x.type === 'task.escalated')).toBe(true);
  });
});

describe('complaint loop (泛海物业)', () => {
  it('an unsatisfied revisit sends the complaint back to 待处理, three times, then it closes', async () => {
    const e = new MemoryEngine(await fixtureModel('complaint'), { ticket: { creator: 'resident' } });
    e.start();
    for (let round = 0; round < 3; round++) {
      expect(e.status?.status).toBe('待处理');
      e.act('pending', 'assign', agent, { to: round === 1 ? 'tech2' : 'tech' });
      expect(e.status?.status).toBe('处理中');
      e.act('handling', 'complete', round === 1 ? tech2 : tech, { values: { 'receipt.reply': `第${round + 1}次处理` } });
      expect(e.status?.status).toBe('待回访');
      e.act('revisit', 'complete', agent, { values: { 'receipt.satisfied': false } });
    }
    e.act('pending', 'assign', agent, { to: 'tech' });
    e.act('handling', 'complete', tech, { values: { 'receipt.reply': '第4次处理' } });
    e.act('revisit', 'complete', agent, { values: { 'receipt.satisfied': true } });
    expect(e.status).toEqual({ status: '已完成', statusCategory: 'closed' });
    expect(e.finished.filter((f) => f.task.node === 'handling')).toHaveLength(4);
  });

  it('the creator may withdraw before it is handled (已撤销)', async () => {
    const e = new MemoryEngine(await fixtureModel('complaint'), { ticket: { creator: 'creator' } });
    e.start();
    expect(e.steps(creator)[0]?.actions).toEqual(['withdraw']);
    e.act('pending', 'withdraw', creator);
    expect(e.status).toEqual({ status: '已撤销', statusCategory: 'cancelled' });
  });
});

describe('service request split into work orders (报事)', () => {
  it('asks for one child ticket per line and revisits once all are done', async () => {
    const e = new MemoryEngine(await fixtureModel('service-request'), { ticket: { id: 'req-1' } });
    e.start();
    e.act('accept', 'accept', agent);
    expect(e.task('dispatch')?.assignee).toBe('agent');
    const workOrders = [
      { title: '水管漏水', handler: 'plumber' },
      { title: '灯不亮', handler: 'electrician' },
      { title: '门锁坏', handler: 'locksmith' },
    ];
    e.act('dispatch', 'complete', agent, { values: { 'data.workOrders': workOrders } });
    expect(e.children.map((c) => c.data)).toEqual(workOrders.map((w) => ({ ...w, request: 'req-1' })));
    expect(e.status?.status).toBe('处理中');
    for (const [i, child] of e.children.entries()) {
      expect(e.task('revisit')).toBeUndefined();
      e.childDone(child.token, `wo-${i}`);
    }
    expect(e.tasks('revisit')).toHaveLength(1);
  });
});

describe('timers on a step', () => {
  it('a non-interrupting reminder fires hourly while the step runs; the interrupting escalation takes over at 4 hours', async () => {
    const e = new MemoryEngine(await fixtureModel('reminder-escalation'));
    e.start();
    e.advance(3 * HOUR + 30 * MINUTE);
    expect(e.outbox.filter((o) => o.payload.template === 'ticket-reminder')).toHaveLength(3);
    expect(e.task('handle')).toBeDefined();
    e.advance(HOUR);
    expect(e.task('handle')).toBeUndefined();
    expect(e.task('supervisor')?.assignee).toBe('boss');
    expect(e.status?.status).toBe('已升级');
    expect(e.timers).toEqual([]);
  });

  it('finishing the step before 4 hours cancels both timers', async () => {
    const e = new MemoryEngine(await fixtureModel('reminder-escalation'));
    e.start();
    e.advance(90 * MINUTE);
    e.act('handle', 'complete', tech);
    expect(e.timers).toEqual([]);
    expect(e.advance(10 * HOUR)).toBe(0);
    expect(e.state?.status).toBe('completed');
  });
});

describe('pausing and deadlines', () => {
  it('a reminder already sent before a pause is not sent again after the resume', async () => {
    const e = await workOrder();
    e.act('assign', 'assign', dispatcher, { to: 'tech' });
    e.act('accept', 'accept', tech);
    e.act('start', 'start', tech);
    // 完成 is due Tuesday 09:30; its reminder comes an hour before, at 08:30 (wall clock).
    e.advance(24 * HOUR);
    expect(e.outbox.filter((o) => o.payload.event === 'reminder' && o.payload.task === e.task('complete')?.id)).toHaveLength(1);
    e.act('complete', 'pause', tech, { reason: '等客户' });
    e.advance(HOUR);
    e.act('complete', 'resume', tech);
    e.advance(48 * HOUR);
    expect(e.outbox.filter((o) => o.payload.event === 'reminder' && o.payload.task === e.task('complete')?.id)).toHaveLength(1);
    expect(e.task('complete')?.escalations).toHaveLength(1);
  });

  it('an admin can hand a step whose rule found nobody to a technician', async () => {
    const e = await workOrder();
    const admin = { id: 'root', admin: true };
    expect(e.steps(admin)[0]?.actions).toContain('assign');
    e.act('assign', 'assign', admin, { to: 'tech' });
    expect(e.task('accept')?.assignee).toBe('tech');
  });
});

describe('commands are pure', () => {
  it('running the whole 售后宝 flow, loops and failures included, never changes a state it was given', async () => {
    const model = await fixtureModel('work-order');
    const ticket: EngineContext['ticket'] = { id: 't', creator: 'creator', data: {}, receipt: {}, components: {} };
    const ctx: EngineContext = { now: MONDAY_9, ticket, calendar: (key: string) => (key === 'default' ? DEFAULT_CALENDAR : undefined), directory };
    let state = execute(model, undefined, { type: 'start' }, ctx).state;
    const taskAt = (node: string) => Object.values(state.tasks).find((t) => t.node === node)?.id as string;
    const steps: [string, TaskAction, Actor, TaskInput?][] = [
      ['assign', 'assign', dispatcher, { to: 'tech' }],
      ['accept', 'accept', tech],
      ['start', 'start', tech],
      ['complete', 'complete', tech, { values: { 'data.customer': 'not editable' } }],
      ['complete', 'pause', tech, { reason: '等备件' }],
      ['complete', 'resume', tech],
      ['complete', 'addCollaborator', tech, { users: ['helper'] }],
      ['complete', 'complete', tech, { values: { 'receipt.resolution': 'ok' } }],
      ['settle', 'approve', manager],
      ['settle', 'reject', finance],
      ['complete', 'complete', tech, { values: { 'receipt.resolution': 'ok' } }],
      ['settle', 'approve', manager],
      ['settle', 'approve', finance],
      ['revisit', 'complete', agent, { values: { 'receipt.satisfaction': 5 } }],
      ['close', 'complete', dispatcher],
    ];
    for (const [node, action, actor, input] of steps) {
      const given = state;
      const before = JSON.stringify(given);
      const command = { type: 'task' as const, task: taskAt(node), action, actor, ...(input ? { input } : {}) };
      try {
        const out = execute(model, given, command, ctx);
        state = out.state;
        if (out.effects.assignee !== undefined) ctx.ticket = { ...ctx.ticket, assignee: out.effects.assignee as string };
      } catch (e) {
        expect((e as { code: string }).code).toBe('FIELD_NOT_EDITABLE');
      }
      expect(JSON.stringify(given)).toBe(before);
    }
    expect(state.status).toBe('completed');
  });
});

describe('reminders on unclaimed steps', () => {
  it('a reminder "to assignee" on a step nobody has claimed goes to its candidate groups', async () => {
    const e = await workOrder();
    // 指派 waits for a dispatcher; at its 2-hour deadline the reminder goes "to assignee creator".
    e.advance(121 * MINUTE);
    const reminders = e.outbox.filter((o) => o.payload.event === 'reminder');
    expect(reminders.at(-1)?.payload.to).toEqual(['role:dispatcher', 'user:creator']);
  });
});
