import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { installFlows, ticketTypeDoc } from '../../../../tests/support/processes.ts';
import { OutboxDispatcher } from '../outbox.ts';
import { overdueTasks, tasksFor, ticketHistory } from '../queries.ts';
import { CHILD_DONE, ProcessRuntime } from '../runtime.ts';
import type { Actor } from '../state.ts';
import { webhookDelivery } from '../webhook.ts';

const dispatcher: Actor = { id: 'disp', roles: ['dispatcher'] };
const tech: Actor = { id: 'tech', teams: ['north'] };
const finance: Actor = { id: 'fin', roles: ['finance'] };
const manager: Actor = { id: 'boss', roles: ['manager'] };
const agent: Actor = { id: 'agent', roles: ['agent'] };
const HOUR = 3_600_000;

describe.each(BACKENDS)('process engine on %s', (_name, open) => {
  let t: TestDatabase;
  let now = new Date('2026-03-02T01:00:00Z');
  let engine: ProcessRuntime;
  let tenant: string;
  beforeAll(async () => {
    t = await open();
    tenant = await t.newTenant();
    await installFlows(t, tenant);
    engine = new ProcessRuntime(t.db.orm, { now: () => now, directory: { managerOf: (u) => (u === 'tech' ? 'boss' : undefined) } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const taskAt = async (ticket: string, node: string, actor: Actor = { id: 'root', admin: true }) => {
    const step = (await engine.steps(tenant, ticket, actor)).find((s) => s.node === node);
    if (!step) throw new Error(`no open step ${node}`);
    return step.task;
  };
  const act = async (ticket: string, node: string, action: Parameters<ProcessRuntime['act']>[2]['action'], actor: Actor, input?: object) =>
    engine.act(tenant, ticket, { task: await taskAt(ticket, node), action, actor, ...(input ? { input } : {}) });

  async function runWorkOrderToSettle(type = 'work-order') {
    const ticket = await engine.createTicket(tenant, { type, creator: 'creator', data: { title: '空调不制冷', contactPhone: '13800138000' } });
    await act(ticket.id, 'assign', 'assign', dispatcher, { to: 'tech' });
    await act(ticket.id, 'accept', 'accept', tech);
    await act(ticket.id, 'start', 'start', tech);
    await act(ticket.id, 'complete', 'complete', tech, { values: { 'receipt.resolution': '更换压缩机' } });
    return ticket.id;
  }

  it('runs the 售后宝 work order through all nine steps with a countersign on 结算', async () => {
    const id = await runWorkOrderToSettle();
    expect((await engine.get(tenant, id)).status).toBe('已完成');
    const outbox = await t.db.orm.em.fork().execute('select kind, payload from outbox where tenant_id = ? and ticket_id = ?', [tenant, id]);
    expect(outbox).toContainEqual(expect.objectContaining({ kind: 'sendMessage', payload: expect.objectContaining({ template: 'revisit-sms' }) }));
    await act(id, 'settle', 'approve', finance);
    expect((await engine.get(tenant, id)).status).toBe('已完成');
    await act(id, 'settle', 'approve', manager);
    await act(id, 'revisit', 'complete', agent, { values: { 'receipt.satisfaction': 5, 'data.contactPhone': '13900139000' } });
    await act(id, 'close', 'complete', dispatcher);
    const done = await engine.get(tenant, id);
    expect(done).toMatchObject({ status: '已关闭', statusCategory: 'closed', processStatus: 'completed', assignee: 'tech' });
    const history = await ticketHistory(t.db.orm.em.fork(), tenant, id);
    expect(history.map((h) => h.action)).toEqual([
      'ticket.create',
      'task.assign',
      'task.accept',
      'task.start',
      'task.complete',
      'task.approve',
      'task.approve',
      'task.complete',
      'task.complete',
    ]);
    const phone = history.flatMap((h) => h.changes).find((c) => c.field === 'data.contactPhone');
    expect(phone).toEqual({ field: 'data.contactPhone', before: '****', after: '****' });
    expect(JSON.stringify(history)).not.toContain('13900139000');
    const tasks = await t.db.orm.em
      .fork()
      .execute('select node, state, outcome from task where tenant_id = ? and ticket_id = ? order by created_at, length(id), id', [tenant, id]);
    expect(tasks.map((r) => `${r.node}:${r.outcome}`)).toEqual([
      'assign:assign',
      'accept:accept',
      'start:start',
      'complete:completed',
      'settle:approved',
      'revisit:completed',
      'close:completed',
    ]);
  });

  it('skips 自动回访 and 回访 on a ticket type that switches them off, and cancels before completion', async () => {
    const id = await runWorkOrderToSettle('work-order-lite');
    await act(id, 'settle', 'approve', finance);
    await act(id, 'settle', 'approve', manager);
    expect((await engine.steps(tenant, id, dispatcher)).map((s) => s.node)).toEqual(['close']);
    const outbox = await t.db.orm.em.fork().execute("select 1 from outbox where tenant_id = ? and ticket_id = ? and kind = 'sendMessage'", [tenant, id]);
    expect(outbox).toEqual([]);

    const other = await engine.createTicket(tenant, { type: 'work-order', creator: 'creator' });
    await act(other.id, 'assign', 'assign', dispatcher, { to: 'tech' });
    await act(other.id, 'accept', 'cancel', tech, { reason: '客户取消' });
    expect(await engine.get(tenant, other.id)).toMatchObject({ status: '已取消', statusCategory: 'cancelled', processStatus: 'terminated' });
    const timers = await t.db.orm.em.fork().execute('select 1 from process_timer where tenant_id = ? and ticket_id = ?', [tenant, other.id]);
    expect(timers).toEqual([]);
  });

  it('pins what a process refers to from inside its BPMN (calendar, roles, message templates) in the release', async () => {
    const [item] = await t.db.orm.em
      .fork()
      .execute<{ pins: Record<string, number> }[]>("select pins from release_item where tenant_id = ? and kind = 'process' and key = 'work-order'", [tenant]);
    expect(Object.keys(item?.pins ?? {}).sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/calendar.default/),
        expect.stringMatching(/role.dispatcher/),
        expect.stringMatching(/messageTemplate.revisit-sms/),
      ]),
    );
  });

  it('loops a complaint back to 待处理 three times on unsatisfied revisits', async () => {
    const c = await engine.createTicket(tenant, { type: 'complaint', creator: 'resident' });
    for (let round = 1; round <= 3; round++) {
      expect((await engine.get(tenant, c.id)).status).toBe('待处理');
      await act(c.id, 'pending', 'assign', agent, { to: 'tech' });
      await act(c.id, 'handling', 'complete', tech, { values: { 'receipt.reply': `第${round}次` } });
      await act(c.id, 'revisit', 'complete', agent, { values: { 'receipt.satisfied': false } });
    }
    await act(c.id, 'pending', 'assign', agent, { to: 'tech' });
    await act(c.id, 'handling', 'complete', tech, { values: { 'receipt.reply': '第4次' } });
    await act(c.id, 'revisit', 'complete', agent, { values: { 'receipt.satisfied': true } });
    expect(await engine.get(tenant, c.id)).toMatchObject({ status: '已完成', statusCategory: 'closed' });
  });

  it('splits a service request into 3 work orders, archives each, and revisits the request once', async () => {
    const req = await engine.createTicket(tenant, { type: 'service-request', creator: 'resident' });
    await act(req.id, 'accept', 'accept', agent);
    const lines = [
      { title: '水管漏水', handler: 'plumber' },
      { title: '灯不亮', handler: 'electrician' },
      { title: '门锁坏', handler: 'locksmith' },
    ];
    await act(req.id, 'dispatch', 'complete', agent, { values: { 'data.workOrders': lines } });
    const em = t.db.orm.em.fork();
    const children = await em.execute<{ id: string; data: { handler: string } }[]>(
      "select id, data from ticket where tenant_id = ? and parent_id = ? order by data->>'title'",
      [tenant, req.id],
    );
    expect(children).toHaveLength(3);
    const outbox = new OutboxDispatcher(t.db.orm).register(CHILD_DONE, async (m) => engine.childDone(m.tenantId, m.payload as never));
    for (const child of children) {
      expect((await engine.steps(tenant, req.id, agent)).map((s) => s.node)).toEqual([]);
      const handler = { id: child.data.handler };
      await act(child.id, 'handle', 'complete', handler, { values: { 'receipt.result': '已修复' } });
      await act(child.id, 'archive', 'complete', agent);
      expect((await engine.get(tenant, child.id)).status).toBe('已归档');
      await outbox.drain();
    }
    expect((await engine.steps(tenant, req.id, agent)).map((s) => s.node)).toEqual(['revisit']);
    await act(req.id, 'revisit', 'complete', agent, { values: { 'receipt.result': '满意' } });
    expect((await engine.get(tenant, req.id)).status).toBe('已关单');
  });

  it('fires a reminder timer and an interrupting escalation exactly once each, even when woken twice', async () => {
    now = new Date('2026-03-02T01:00:00Z');
    const tenant = await t.newTenant();
    await installFlows(t, tenant);
    const r = await engine.createTicket(tenant, { type: 'reminder-escalation', creator: 'creator' });
    now = new Date(now.getTime() + 1.5 * HOUR);
    const due = (await engine.dueTimers(now)).filter((x) => x.tenantId === tenant);
    expect(due).toHaveLength(1);
    const first = due[0] as { id: string };
    const fired = await Promise.allSettled([engine.fireTimer(tenant, first.id), engine.fireTimer(tenant, first.id)]);
    expect(fired.filter((f) => f.status === 'fulfilled' && f.value === true)).toHaveLength(1);
    now = new Date(now.getTime() + 3 * HOUR);
    // Fire in due order, one at a time, as real time would.
    for (let [d] = await engine.dueTimers(now, 1); d; [d] = await engine.dueTimers(now, 1)) await engine.fireTimer(d.tenantId, d.id);
    const snap = await engine.get(tenant, r.id);
    expect(snap.status).toBe('已升级');
    const reminders = await t.db.orm.em
      .fork()
      .execute("select 1 from outbox where tenant_id = ? and ticket_id = ? and payload->>'template' = 'ticket-reminder'", [tenant, r.id]);
    expect(reminders).toHaveLength(3);
    expect((await engine.steps(tenant, r.id, { id: 'boss' })).map((s) => s.node)).toEqual(['supervisor']);
    now = new Date('2026-03-02T01:00:00Z');
  });

  it('lists a user’s tasks: assigned, claimable through a role, collaborating, and overdue', async () => {
    const tn = await t.newTenant();
    await installFlows(t, tn);
    const e = new ProcessRuntime(t.db.orm, { now: () => now });
    const a = await e.createTicket(tn, { type: 'work-order', creator: 'creator' });
    const em = t.db.orm.em.fork();
    expect((await tasksFor(em, tn, dispatcher)).map((x) => [x.ticketId, x.node, x.relation])).toEqual([[a.id, 'assign', 'candidate']]);
    expect(await tasksFor(em, tn, tech)).toEqual([]);
    const assign = (await e.steps(tn, a.id, dispatcher))[0]?.task as string;
    await e.act(tn, a.id, { task: assign, action: 'assign', actor: dispatcher, input: { to: 'tech' } });
    const accept = (await e.steps(tn, a.id, tech))[0]?.task as string;
    await e.act(tn, a.id, { task: accept, action: 'accept', actor: tech });
    const start = (await e.steps(tn, a.id, tech))[0]?.task as string;
    await e.act(tn, a.id, { task: start, action: 'addCollaborator', actor: tech, input: { users: ['helper'] } });
    expect((await tasksFor(em, tn, tech)).map((x) => x.relation)).toEqual(['assigned']);
    expect((await tasksFor(em, tn, { id: 'helper' })).map((x) => x.relation)).toEqual(['collaborating']);
    await e.act(tn, a.id, { task: start, action: 'start', actor: tech });
    // 完成 is due 8 working hours later (Tuesday 09:30 Shanghai); on Wednesday it is overdue.
    const wednesday = new Date('2026-03-04T02:00:00Z');
    expect((await overdueTasks(em, tn, wednesday)).map((x) => x.node)).toEqual(['complete']);
    expect((await tasksFor(em, tn, tech, { overdueAt: wednesday })).map((x) => x.node)).toEqual(['complete']);
    expect(await overdueTasks(em, tn, new Date('2026-03-02T02:00:00Z'))).toEqual([]);
  });

  it('of 50 concurrent completes of one task exactly one wins; the rest get 409 codes and one audit event is written', async () => {
    const c = await engine.createTicket(tenant, { type: 'complaint', creator: 'resident' });
    await act(c.id, 'pending', 'assign', agent, { to: 'tech' });
    const task = await taskAt(c.id, 'handling');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => engine.act(tenant, c.id, { task, action: 'complete', actor: tech, input: { values: { 'receipt.reply': 'ok' } } })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : []));
    expect(ok).toHaveLength(1);
    expect(codes).toHaveLength(49);
    expect(new Set(codes)).toSatisfy((s: Set<string>) => [...s].every((x) => x === 'CONFLICT' || x === 'TASK_ALREADY_COMPLETED'));
    const audits = await t.db.orm.em
      .fork()
      .execute("select 1 from audit_event where tenant_id = ? and subject = ? and action = 'task.complete'", [tenant, `ticket:${c.id}`]);
    expect(audits).toHaveLength(1);
    expect((await engine.steps(tenant, c.id, agent)).map((s) => s.node)).toEqual(['revisit']);
  });

  it('refuses a stale version, an action the step does not offer, and a late action, without writing anything', async () => {
    const c = await engine.createTicket(tenant, { type: 'complaint', creator: 'resident' });
    const task = await taskAt(c.id, 'pending');
    await expect(engine.act(tenant, c.id, { task, action: 'assign', actor: agent, input: { to: 'tech' }, version: 99 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(engine.act(tenant, c.id, { task, action: 'complete', actor: agent })).rejects.toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    await engine.act(tenant, c.id, { task, action: 'assign', actor: agent, input: { to: 'tech' } });
    await expect(engine.act(tenant, c.id, { task, action: 'assign', actor: agent, input: { to: 'tech' } })).rejects.toMatchObject({
      code: 'TASK_ALREADY_COMPLETED',
    });
    const history = await ticketHistory(t.db.orm.em.fork(), tenant, c.id);
    expect(history.map((h) => h.action)).toEqual(['ticket.create', 'task.assign']);
  });

  it('moves open work orders to a new release with a step mapping and refuses those it cannot map', async () => {
    const tn = await t.newTenant();
    await installFlows(t, tn);
    const e = new ProcessRuntime(t.db.orm, { now: () => now });
    const step = async (id: string, node: string) => (await e.steps(tn, id, { id: 'root', admin: true })).find((s) => s.node === node)?.task as string;
    const go = async (id: string, node: string, action: 'assign' | 'accept' | 'start' | 'complete' | 'approve', actor: Actor, input?: object) =>
      e.act(tn, id, { task: await step(id, node), action, actor, ...(input ? { input } : {}) });
    const atAccept = await e.createTicket(tn, { type: 'work-order', creator: 'c' });
    await go(atAccept.id, 'assign', 'assign', dispatcher, { to: 'tech' });
    const atStart = await e.createTicket(tn, { type: 'work-order', creator: 'c' });
    await go(atStart.id, 'assign', 'assign', dispatcher, { to: 'tech' });
    await go(atStart.id, 'accept', 'accept', tech);
    const atRevisit = await e.createTicket(tn, { type: 'work-order', creator: 'c' });
    await go(atRevisit.id, 'assign', 'assign', dispatcher, { to: 'tech' });
    await go(atRevisit.id, 'accept', 'accept', tech);
    await go(atRevisit.id, 'start', 'start', tech);
    await go(atRevisit.id, 'complete', 'complete', tech, { values: { 'receipt.resolution': 'ok' } });
    await go(atRevisit.id, 'settle', 'approve', finance);
    await go(atRevisit.id, 'settle', 'approve', manager);

    // Release 2: 开始 is dropped (accept leads straight to 完成) and 回访 becomes followUp.
    const xml = (await readFile(new URL('../../../../tests/fixtures/processes/work-order.bpmn', import.meta.url), 'utf8'))
      .replace(/<bpmn:userTask id="start"[\s\S]*?<\/bpmn:userTask>/, '')
      .replace('<bpmn:sequenceFlow id="f3" sourceRef="accept" targetRef="start"/>', '<bpmn:sequenceFlow id="f3" sourceRef="accept" targetRef="complete"/>')
      .replace('<bpmn:sequenceFlow id="f4" sourceRef="start" targetRef="complete"/>', '')
      .replaceAll('"revisit"', '"followUp"');
    const by = { actor: 'tester', origin: { type: 'admin' as const } };
    await t.store.saveDraft(tn, { doc: { kind: 'process', key: 'work-order', bpmn: xml } }, by);
    // The lite type switched 回访 off by its step id; publishing would refuse the now unknown id.
    await t.store.saveDraft(tn, { doc: ticketTypeDoc('work-order-lite', 'work-order', { autoRevisit: { enabled: false }, followUp: { enabled: false } }) }, by);
    const r2 = (await t.store.publish(tn, {}, { actor: 'tester', origin: { type: 'admin' } })).number;

    const dry = await e.migrateInstances(tn, { ticketType: 'work-order', to: r2, mapping: { revisit: 'followUp' }, dryRun: true, actor: 'admin' });
    expect((await e.get(tn, atAccept.id)).release).toBe(r2 - 1);
    const report = await e.migrateInstances(tn, { ticketType: 'work-order', to: r2, mapping: { revisit: 'followUp' }, actor: 'admin' });
    expect(report).toEqual(dry);
    expect(report.migrated.sort()).toEqual([atAccept.id, atRevisit.id].sort());
    expect(report.refused).toEqual([{ ticket: atStart.id, release: r2 - 1, unmapped: ['start'] }]);
    expect((await e.get(tn, atStart.id)).release).toBe(r2 - 1);

    await go(atAccept.id, 'accept', 'accept', tech);
    expect((await e.steps(tn, atAccept.id, tech)).map((s) => s.node)).toEqual(['complete']);
    expect((await e.steps(tn, atRevisit.id, agent)).map((s) => s.node)).toEqual(['followUp']);
    await go(atRevisit.id, 'followUp', 'complete', agent, { values: { 'receipt.satisfaction': 4 } });
    expect((await e.steps(tn, atRevisit.id, dispatcher)).map((s) => s.node)).toEqual(['close']);
    // The refused one still runs on its own release.
    await go(atStart.id, 'start', 'start', tech);
    expect((await e.get(tn, atStart.id)).status).toBe('进行中');
    const history = await ticketHistory(t.db.orm.em.fork(), tn, atRevisit.id);
    expect(history.find((h) => h.action === 'process.migrate')).toBeDefined();
  });

  it('calls a webhook from a service task after the commit, signed, and retries it when the receiver fails', async () => {
    const received: { body: string; signature: string }[] = [];
    let failNext = true;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-docket-signature']) });
        res.statusCode = failNext ? 500 : 204;
        failNext = false;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const tn = await t.newTenant();
      const by = { actor: 'tester', origin: { type: 'admin' as const } };
      const bpmnXml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:tk="http://docket.dev/schema/tk/1.0" id="d" targetNamespace="http://docket.dev/tests">
  <bpmn:process id="notify" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:serviceTask id="call" name="通知 ERP"><bpmn:extensionElements><tk:action type="webhook">{"url":"${url}","body":{"system":"erp"}}</tk:action></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="call"/><bpmn:sequenceFlow id="b" sourceRef="call" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;
      await t.store.saveDraft(tn, { doc: { kind: 'process', key: 'notify', bpmn: bpmnXml } }, by);
      await t.store.saveDraft(tn, { doc: { ...ticketTypeDoc('notify', 'notify'), calendar: undefined } }, by);
      await t.store.publish(tn, {}, by);
      const e = new ProcessRuntime(t.db.orm, { now: () => now });
      const ticket = await e.createTicket(tn, { type: 'notify', creator: 'c' });
      expect(received).toEqual([]);
      const outbox = new OutboxDispatcher(t.db.orm).register('webhook', webhookDelivery({ secret: 's3cret', allowPrivateTargets: true }));
      expect(await outbox.drain()).toBe(0);
      const [pending] = await t.db.orm.em.fork().execute("select attempts, last_error, done_at from outbox where tenant_id = ? and kind = 'webhook'", [tn]);
      expect(pending).toMatchObject({ attempts: 1, last_error: expect.stringContaining('500'), done_at: null });
      expect(await outbox.drain()).toBe(1);
      expect(received).toHaveLength(2);
      const last = received[1] as { body: string; signature: string };
      expect(JSON.parse(last.body)).toMatchObject({ event: 'process.webhook', ticket: ticket.id, step: 'call', data: { system: 'erp' } });
      expect(last.signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(last.body).digest('hex')}`);
      expect(await outbox.drain()).toBe(0);
      // Without the operator's permission a loopback target is refused before any byte is sent.
      await e.createTicket(tn, { type: 'notify', creator: 'c' });
      const guarded = new OutboxDispatcher(t.db.orm).register('webhook', webhookDelivery({ secret: 's3cret' }));
      await guarded.drain();
      const [refused] = await t.db.orm.em.fork().execute("select last_error from outbox where tenant_id = ? and kind = 'webhook' and done_at is null", [tn]);
      expect(refused?.last_error).toMatch(/private|loopback/);
      expect(received).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it('wakes a far timer once, when the sweep finds it coming due, and a near one at once', async () => {
    const tn = await t.newTenant();
    await installFlows(t, tn);
    const woken: string[] = [];
    const e = new ProcessRuntime(t.db.orm, {
      now: () => now,
      wakeups: {
        timers: async (_em, _tenant, timers) => {
          woken.push(...timers.map((x) => x.id));
        },
        outbox: async () => {},
      },
    });
    // Hourly reminders and a 4-hour escalation: all beyond the wake-up horizon.
    await e.createTicket(tn, { type: 'reminder-escalation', creator: 'c' });
    expect(woken).toEqual([]);
    expect(await e.wakeUpcoming(new Date(now.getTime() + 30 * 60_000))).toBe(0);
    expect(await e.wakeUpcoming(new Date(now.getTime() + 5 * HOUR))).toBe(2);
    expect(woken).toHaveLength(2);
    expect(await e.wakeUpcoming(new Date(now.getTime() + 5 * HOUR))).toBe(0);
    // 秒级 timers are woken by the step that schedules them.
    const quick = await e.createTicket(tn, { type: 'quick-timers', creator: 'c' });
    expect(woken).toHaveLength(3);
    const rows = await t.db.orm.em.fork().execute('select woken_at from process_timer where tenant_id = ? and ticket_id = ?', [tn, quick.id]);
    expect(rows.every((r) => r.woken_at !== null)).toBe(true);
  });

  it('opens a ticket at a message start event when it is created with that message', async () => {
    const tn = await t.newTenant();
    const by = { actor: 'tester', origin: { type: 'admin' as const } };
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:tk="http://docket.dev/schema/tk/1.0" id="d" targetNamespace="http://docket.dev/tests">
  <bpmn:message id="m" name="email"/>
  <bpmn:process id="inbox" isExecutable="true">
    <bpmn:startEvent id="byMail"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>
    <bpmn:userTask id="triage" name="分拣"><bpmn:extensionElements><tk:task status="待分拣"><tk:assignee rule="user" ref="agent"/></tk:task></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="a" sourceRef="byMail" targetRef="triage"/><bpmn:sequenceFlow id="b" sourceRef="triage" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;
    await t.store.saveDraft(tn, { doc: { kind: 'process', key: 'inbox', bpmn: xml } }, by);
    await t.store.saveDraft(tn, { doc: { ...ticketTypeDoc('inbox', 'inbox'), calendar: undefined } }, by);
    await t.store.publish(tn, {}, by);
    const e = new ProcessRuntime(t.db.orm, { now: () => now });
    await expect(e.createTicket(tn, { type: 'inbox', creator: 'c' })).rejects.toMatchObject({ code: 'NO_START_EVENT' });
    const mail = await e.createTicket(tn, { type: 'inbox', creator: 'c', message: 'email' });
    expect(mail.status).toBe('待分拣');
  });
});
