import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { installFlows } from '../../../../tests/support/processes.ts';
import { JobQueue } from '../../jobs/queue.ts';
import { type ProcessWorkers, processWakeups, startProcessWorkers } from '../jobs.ts';
import { ProcessRuntime } from '../runtime.ts';

const tech = { id: 'tech' };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(BACKENDS)('timers woken by pg-boss on %s', (name, open) => {
  let t: TestDatabase;
  let queue: JobQueue;
  let runtime: ProcessRuntime;
  let workers: ProcessWorkers | undefined;
  let tenant: string;
  beforeAll(async () => {
    t = await open();
    tenant = await t.newTenant();
    await installFlows(t, tenant);
    queue = await JobQueue.start(t.db, { pollingIntervalSeconds: 0.5 });
    runtime = new ProcessRuntime(t.db.orm, { wakeups: processWakeups(queue) });
    workers = await startProcessWorkers(runtime, queue, { sweepSeconds: 1 });
  });
  afterAll(async () => {
    workers?.stop();
    await queue?.stop({ graceful: false });
    await t?.close();
  });

  const audit = (ticket: string, action: string) =>
    t.db.orm.em.fork().execute('select 1 from audit_event where tenant_id = ? and subject = ? and action = ?', [tenant, `ticket:${ticket}`, action]);
  const stepTask = async (ticket: string, node: string) =>
    (await runtime.steps(tenant, ticket, { id: 'root', admin: true })).find((s) => s.node === node)?.task as string;

  it('fires a step reminder, two cycle reminders and the escalation in real time, each once', async () => {
    const ticket = await runtime.createTicket(tenant, { type: 'quick-timers', creator: 'creator' });
    await until('the confirm reminder', async () => ((await audit(ticket.id, 'timer.remind')).length === 1 ? true : undefined));
    await runtime.act(tenant, ticket.id, { task: await stepTask(ticket.id, 'confirm'), action: 'accept', actor: tech });
    const started = Date.now();
    await until('the escalation', async () => ((await runtime.get(tenant, ticket.id)).status === '已升级' ? true : undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    // Give duplicate wake-ups and the sweep time to do damage if they could.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await audit(ticket.id, 'timer.boundary')).toHaveLength(3);
    expect(await audit(ticket.id, 'timer.remind')).toHaveLength(1);
    const reminders = await t.db.orm.em
      .fork()
      .execute("select 1 from outbox where tenant_id = ? and ticket_id = ? and payload->>'template' = 'ticket-reminder'", [tenant, ticket.id]);
    expect(reminders).toHaveLength(2);
    const left = await t.db.orm.em.fork().execute('select 1 from process_timer where tenant_id = ? and ticket_id = ?', [tenant, ticket.id]);
    expect(left).toEqual([]);
  }, 40_000);

  it.skipIf(name === 'embedded')(
    'a server killed inside the transaction that schedules timers loses nothing and doubles nothing after restart',
    async () => {
      const ticket = await runtime.createTicket(tenant, { type: 'quick-timers', creator: 'creator' });
      const task = await stepTask(ticket.id, 'confirm');
      // Let the confirm step's own reminder fire first, so the counts below do not depend on timing.
      await until('the confirm reminder', async () => ((await audit(ticket.id, 'timer.remind')).length === 1 ? true : undefined));
      const child = spawn(
        process.execPath,
        [join(import.meta.dirname, '../../../../tests/support/crash-child.ts'), t.db.url, t.dataDir, tenant, ticket.id, task],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += String(d);
          if (out.includes('READY')) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => (out.includes('READY') ? resolve() : reject(new Error(`child exited early: ${out}`))));
      });
      await new Promise((r) => child.on('exit', r));
      expect(out).not.toContain('COMMITTED');
      // Nothing of the killed transaction is visible: same step, no accept, no timers of the next step.
      expect((await runtime.get(tenant, ticket.id)).status).toBe('待确认');
      expect(await audit(ticket.id, 'task.accept')).toHaveLength(0);
      const timers = await t.db.orm.em.fork().execute('select kind from process_timer where tenant_id = ? and ticket_id = ?', [tenant, ticket.id]);
      expect(timers.filter((x) => x.kind !== 'remind')).toEqual([]);
      // The surviving server does the action again; the three timers of the next step fire once each.
      await runtime.act(tenant, ticket.id, { task, action: 'accept', actor: tech });
      await until('the escalation', async () => ((await runtime.get(tenant, ticket.id)).status === '已升级' ? true : undefined));
      await new Promise((r) => setTimeout(r, 1500));
      expect(await audit(ticket.id, 'task.accept')).toHaveLength(1);
      expect(await audit(ticket.id, 'timer.boundary')).toHaveLength(3);
      expect(await audit(ticket.id, 'timer.remind')).toHaveLength(1);
    },
    60_000,
  );
});
