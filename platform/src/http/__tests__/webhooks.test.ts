import { JobQueue } from '@docket/runtime';
import { startWebhookWorkers, WebhookService } from '@docket/runtime/webhooks/index.ts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver, until } from '../../../../runtime/src/webhooks/__tests__/receiver.ts';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { principal, testServer } from '../../graphql/__tests__/harness.ts';
import { webhookRoutes } from '../webhooks.ts';

describe.each(BACKENDS)('webhook routes on %s', (_name, open) => {
  let t: TestDatabase;
  let jobs: JobQueue;
  let app: FastifyInstance;
  let receiver: Receiver;
  let tenantId: string;

  beforeAll(async () => {
    t = await open();
    tenantId = await t.newTenant();
    const otherTenant = await t.newTenant();
    jobs = await JobQueue.start(t.db, { pollingIntervalSeconds: 0.5, log: () => {} });
    const webhooks = new WebhookService(t.db.orm, jobs, { allowPrivateTargets: true });
    await startWebhookWorkers(jobs, t.db.orm, { allowPrivateTargets: true, pollingIntervalSeconds: 0.5 });
    receiver = await startReceiver();
    app = await testServer(
      {
        admin: principal(tenantId, 'admin', { permissions: ['settings:manage'] }),
        agent: principal(tenantId, 'agent', { permissions: ['ticket:read'] }),
        outsider: principal(otherTenant, 'outsider', { permissions: ['settings:manage'] }),
      },
      async (server) => server.register(webhookRoutes, { webhooks }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ graceful: false });
    await receiver?.close();
    await t?.close();
  });

  const as = (user: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: { 'x-test-user': user }, ...(payload ? { payload } : {}) });

  it('manages a subscription end to end: create shows the secret once, test pings it, the log shows the attempt', async () => {
    const created = await as('admin', 'POST', '/api/webhooks', { name: 'ERP', url: receiver.url('/erp'), events: ['ticket.*'] });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toMatch(/^whsec_/);
    expect(created.json()).toMatchObject({ name: 'ERP', events: ['ticket.*'], active: true, createdBy: 'admin' });

    const read = await as('admin', 'GET', `/api/webhooks/${id}`);
    expect([read.statusCode, read.json().secret]).toEqual([200, undefined]);
    expect((await as('admin', 'GET', '/api/webhooks')).json().items.map((s: { id: string }) => s.id)).toEqual([id]);

    const ping = await as('admin', 'POST', `/api/webhooks/${id}/test`);
    expect([ping.statusCode, ping.json().eventType, ping.json().status]).toEqual([202, 'webhook.ping', 'pending']);
    await until('the ping to be delivered', () => receiver.received('/erp').length === 1);
    await until('the attempt to be logged', async () => (await as('admin', 'GET', `/api/webhook-deliveries/${ping.json().id}`)).json().status === 'succeeded');
    const log = (await as('admin', 'GET', `/api/webhooks/${id}/deliveries?limit=10`)).json();
    expect(log.nextCursor).toBeNull();
    expect(log.items[0]).toMatchObject({ id: ping.json().id, status: 'succeeded', attempts: 1, attemptLog: [{ attempt: 1, statusCode: 200 }] });

    const again = await as('admin', 'POST', `/api/webhook-deliveries/${ping.json().id}/redeliver`);
    expect([again.statusCode, again.json().redeliveryOf, again.json().eventId]).toEqual([202, ping.json().id, ping.json().eventId]);

    const patched = await as('admin', 'PATCH', `/api/webhooks/${id}`, { active: false, rotateSecret: true });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().active).toBe(false);
    expect(patched.json().secret).not.toBe(secret);
    const inactive = await as('admin', 'POST', `/api/webhooks/${id}/test`);
    expect([inactive.statusCode, inactive.json().code]).toEqual([409, 'WEBHOOK_INACTIVE']);

    expect((await as('admin', 'DELETE', `/api/webhooks/${id}`)).statusCode).toBe(204);
    expect((await as('admin', 'GET', `/api/webhooks/${id}`)).statusCode).toBe(404);
  });

  it('answers bad input with 400 problems that point at the field', async () => {
    const badEvent = await as('admin', 'POST', '/api/webhooks', { name: 'x', url: 'https://example.com/', events: ['ticket.created', 'ticket.nope'] });
    expect([badEvent.statusCode, badEvent.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(badEvent.json().errors.map((e: { pointer: string }) => e.pointer)).toContain('/events/1');
    const badUrl = await as('admin', 'POST', '/api/webhooks', { name: 'x', url: 'gopher://example.com/', events: ['ticket.*'] });
    expect([badUrl.statusCode, badUrl.json().code, badUrl.json().errors[0].pointer]).toEqual([400, 'WEBHOOK_INVALID_URL', '/url']);
    const extra = await as('admin', 'POST', '/api/webhooks', { name: 'x', url: 'https://example.com/', events: ['ticket.*'], secret: 'mine' });
    expect([extra.statusCode, extra.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const badId = await as('admin', 'GET', '/api/webhooks/not-a-uuid/deliveries');
    expect([badId.statusCode, badId.json().errors[0].pointer]).toEqual([400, '/id']);
    expect((await as('admin', 'GET', '/api/webhooks')).json().items).toEqual([]);
  });

  it('needs settings:manage, and keeps tenants apart', async () => {
    expect((await app.inject('/api/webhooks')).statusCode).toBe(401);
    const forbidden = await as('agent', 'POST', '/api/webhooks', { name: 'x', url: 'https://example.com/', events: ['ticket.*'] });
    expect([forbidden.statusCode, forbidden.json().code]).toEqual([403, 'FORBIDDEN']);
    const mine = (await as('admin', 'POST', '/api/webhooks', { name: 'mine', url: 'https://example.com/', events: ['ticket.*'] })).json();
    expect((await as('outsider', 'GET', `/api/webhooks/${mine.id}`)).statusCode).toBe(404);
    expect((await as('outsider', 'DELETE', `/api/webhooks/${mine.id}`)).statusCode).toBe(404);
    expect((await as('outsider', 'GET', '/api/webhooks')).json().items).toEqual([]);
  });
});
