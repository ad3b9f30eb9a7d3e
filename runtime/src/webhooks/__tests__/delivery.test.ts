import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { installFlows } from '../../../../tests/support/processes.ts';
import { JobQueue } from '../../jobs/queue.ts';
import { ProcessRuntime } from '../../process/runtime.ts';
import { fullAccess } from '../../records/access.ts';
import { TicketService } from '../../records/tickets.ts';
import type { TicketEvent } from '../../records/tickets-api.ts';
import { DiskFileStore } from '../../store/files.ts';
import type { WebhookDelivery } from '../schemas.ts';
import { WebhookService } from '../service.ts';
import { startWebhookWorkers } from '../worker.ts';
import { type Receiver, startReceiver, until } from './receiver.ts';

const BACKOFF = [0.6, 1.2];
const MAX_ATTEMPTS = 3;

const event = (type: TicketEvent['type'], details: Record<string, unknown> = {}): TicketEvent => ({
  type,
  ticketId: '0193a000-0000-7000-8000-000000000001',
  ticketType: 'work-order',
  number: 'WO-1',
  actor: 'alice',
  at: '2026-11-23T08:00:00.000Z',
  details,
});

/** What a receiver does: recompute the HMAC of the raw body with its secret and compare in constant time. */
const verifies = (secret: string, body: string, header: string | string[] | undefined) => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(header));
  return expected.length === given.length && timingSafeEqual(expected, given);
};

describe.each(BACKENDS)('webhook delivery on %s', (_name, open) => {
  let t: TestDatabase;
  let jobs: JobQueue;
  let webhooks: WebhookService;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await open();
    jobs = await JobQueue.start(t.db, { pollingIntervalSeconds: 0.5, log: () => {} });
    webhooks = new WebhookService(t.db.orm, jobs, { allowPrivateTargets: true });
    await startWebhookWorkers(jobs, t.db.orm, {
      allowPrivateTargets: true,
      backoffSeconds: BACKOFF,
      maxAttempts: MAX_ATTEMPTS,
      timeoutMs: 3000,
      pollingIntervalSeconds: 0.5,
    });
    receiver = await startReceiver((path, nth) => {
      if (path === '/flaky') return nth === 0 ? 500 : 200;
      if (path === '/down') return 503;
      if (path === '/gone') return 410;
      return 200;
    });
  });
  afterAll(async () => {
    await jobs?.stop({ graceful: false });
    await receiver?.close();
    await t?.close();
  });

  /** Each test in a tenant of its own: events go to every matching subscription of the tenant. */
  const subscribe = async (path: string, events: string[], active = true) => {
    const tenantId = await t.newTenant();
    const created = await webhooks.create(tenantId, 'admin', { name: path, url: receiver.url(path), events: events as never, active });
    return { tenantId, ...created };
  };
  const emit = (tenantId: string, e: TicketEvent) => t.db.orm.em.fork().transactional((em) => webhooks.enqueueTicketEvent(em, tenantId, e));
  const settled = async (tenantId: string, subscriptionId: string): Promise<WebhookDelivery> => {
    let last: WebhookDelivery | undefined;
    await until('the delivery to settle', async () => {
      [last] = (await webhooks.deliveries(tenantId, subscriptionId)).items;
      return last?.status === 'succeeded' || last?.status === 'dead';
    });
    return last as WebhookDelivery;
  };

  it('signs the exact body with the subscription secret and sends the event envelope', async () => {
    const { tenantId, subscription, secret } = await subscribe('/signed', ['ticket.created']);
    const details = { note: `it's a "test" ? with \\ backslashes, 工单 and emoji 🙂`, fields: ['title'] };
    await emit(tenantId, event('ticket.created', details));

    const delivery = await settled(tenantId, subscription.id);
    const [request] = receiver.received('/signed');
    expect(request).toBeDefined();
    const { headers, body } = request as NonNullable<typeof request>;
    expect(verifies(secret, body, headers['x-docket-signature'])).toBe(true);
    expect(verifies('whsec_someone-else', body, headers['x-docket-signature'])).toBe(false);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'x-docket-event': 'ticket.created', 'x-docket-delivery': delivery.id });
    expect(JSON.parse(body)).toEqual({
      id: delivery.eventId,
      type: 'ticket.created',
      at: '2026-11-23T08:00:00.000Z',
      tenant: tenantId,
      data: { ticketId: event('ticket.created').ticketId, ticketType: 'work-order', number: 'WO-1', actor: 'alice', details },
    });
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(delivery.deliveredAt).not.toBeNull();
    expect(delivery.attemptLog).toEqual([{ attempt: 1, at: expect.any(String), statusCode: 200, error: null, durationMs: expect.any(Number) }]);
  });

  it('retries a 500 after the backoff and records both attempts when the second succeeds', async () => {
    const { tenantId, subscription } = await subscribe('/flaky', ['ticket.updated']);
    await emit(tenantId, event('ticket.updated'));
    const delivery = await settled(tenantId, subscription.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 200, lastError: null });
    expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(delivery.attemptLog[0]?.error).toMatch(/^HTTP 500/);
    const [first, second] = receiver.received('/flaky');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(BACKOFF[0]! * 1000);
    expect(second?.headers['x-docket-delivery']).toBe(first?.headers['x-docket-delivery']);
    expect(second?.body).toBe(first?.body);
  });

  it('marks a delivery dead after the maximum attempts, waiting the backoff between them', async () => {
    const { tenantId, subscription } = await subscribe('/down', ['ticket.action']);
    await emit(tenantId, event('ticket.action', { action: 'complete', task: 'dispatch' }));
    const delivery = await settled(tenantId, subscription.id);
    expect(delivery).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, lastStatusCode: 503, nextAttemptAt: null, deliveredAt: null });
    expect(delivery.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    const times = receiver.received('/down').map((r) => r.at);
    expect(times).toHaveLength(MAX_ATTEMPTS);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(BACKOFF[0]! * 1000);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(BACKOFF[1]! * 1000);
    await sleep(2000);
    expect(receiver.received('/down')).toHaveLength(MAX_ATTEMPTS);
  });

  it('does not retry a receiver that answers 410 Gone', async () => {
    const { tenantId, subscription } = await subscribe('/gone', ['ticket.erased']);
    await emit(tenantId, event('ticket.erased'));
    expect(await settled(tenantId, subscription.id)).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 410 });
  });

  it('sends nothing for an event whose ticket transaction rolled back', async () => {
    const { tenantId, subscription } = await subscribe('/rollback', ['ticket.*']);
    const failed = t.db.orm.em.fork().transactional(async (em) => {
      await webhooks.enqueueTicketEvent(em, tenantId, event('ticket.created'));
      expect(await em.execute('select id from webhook_delivery where tenant_id = ?', [tenantId])).toHaveLength(1);
      throw new Error('the ticket change failed');
    });
    await expect(failed).rejects.toThrow('the ticket change failed');
    await sleep(2000);
    expect((await webhooks.deliveries(tenantId, subscription.id)).items).toEqual([]);
    expect(receiver.received('/rollback')).toEqual([]);
  });

  it('delivers only to subscriptions naming the event type or ticket.*, and never to inactive ones', async () => {
    const tenantId = await t.newTenant();
    const sub = async (path: string, events: string[], active = true) =>
      (await webhooks.create(tenantId, 'admin', { name: path, url: receiver.url(path), events: events as never, active })).subscription;
    const created = await sub('/only-created', ['ticket.created']);
    const all = await sub('/all', ['ticket.*']);
    await sub('/comments', ['ticket.commented']);
    await sub('/off', ['ticket.*'], false);

    await emit(tenantId, event('ticket.updated'));
    await emit(tenantId, event('ticket.created'));
    await settled(tenantId, created.id);
    await until('both events at the wildcard', () => receiver.received('/all').length === 2);
    await sleep(1500);
    expect(receiver.received('/only-created').map((r) => r.headers['x-docket-event'])).toEqual(['ticket.created']);
    // Deliveries are independent jobs: no order across events is promised (receivers order by `at`).
    expect(
      receiver
        .received('/all')
        .map((r) => r.headers['x-docket-event'])
        .sort(),
    ).toEqual(['ticket.created', 'ticket.updated']);
    expect(receiver.received('/comments')).toEqual([]);
    expect(receiver.received('/off')).toEqual([]);
    expect((await webhooks.deliveries(tenantId, all.id)).items.map((d) => d.eventType)).toEqual(['ticket.created', 'ticket.updated']);
  });

  it('redelivers a dead delivery as a new one with the same event id, and pings on demand', async () => {
    const { tenantId, subscription } = await subscribe('/gone', ['ticket.created']);
    await emit(tenantId, event('ticket.created'));
    const dead = await settled(tenantId, subscription.id);
    const again = await webhooks.redeliver(tenantId, dead.id);
    expect(again).toMatchObject({ status: 'pending', attempts: 0, eventId: dead.eventId, redeliveryOf: dead.id, payload: dead.payload });
    await until('the redelivery to settle', async () => (await webhooks.delivery(tenantId, again.id)).status === 'dead');
    expect(await webhooks.delivery(tenantId, dead.id)).toMatchObject({ status: 'dead', attempts: 1 });

    const ping = await webhooks.ping(tenantId, subscription.id, 'admin');
    expect(ping.eventType).toBe('webhook.ping');
    await until('the ping', () => receiver.received('/gone').some((r) => r.headers['x-docket-event'] === 'webhook.ping'));
    await expect(webhooks.redeliver(tenantId, '0193a000-0000-7000-8000-00000000dead')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists deliveries newest first, a page at a time', async () => {
    const { tenantId, subscription } = await subscribe('/paged', ['ticket.*']);
    for (const type of ['ticket.created', 'ticket.updated', 'ticket.commented'] as const) await emit(tenantId, event(type));
    const first = await webhooks.deliveries(tenantId, subscription.id, { limit: 2 });
    expect(first.items.map((d) => d.eventType)).toEqual(['ticket.commented', 'ticket.updated']);
    const second = await webhooks.deliveries(tenantId, subscription.id, { limit: 2, cursor: first.nextCursor as string });
    expect([second.items.map((d) => d.eventType), second.nextCursor]).toEqual([['ticket.created'], null]);
    await expect(webhooks.deliveries(tenantId, subscription.id, { cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('delivers the events of the real ticket service through its onEvent hook', async () => {
    const { tenantId, subscription } = await subscribe('/tickets', ['ticket.*']);
    await installFlows(t, tenantId);
    const tickets = new TicketService(t.db.orm, new ProcessRuntime(t.db.orm), new DiskFileStore(join(t.dataDir, 'files')), {
      onEvent: webhooks.enqueueTicketEvent,
    });
    const root = { actor: { id: 'root', admin: true }, access: fullAccess('root') };
    const ticket = await tickets.create(tenantId, root, { type: 'work-order', data: { title: 'Lift stuck' } });
    const delivery = await settled(tenantId, subscription.id);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      eventType: 'ticket.created',
      payload: { type: 'ticket.created', data: { ticketId: ticket.id, actor: 'root' } },
    });
    expect(receiver.received('/tickets').map((r) => JSON.parse(r.body).data.ticketId)).toEqual([ticket.id]);
  });
});
