import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { JobQueue } from '../../jobs/queue.ts';
import { WebhookService } from '../service.ts';

describe.each(BACKENDS)('webhook subscriptions on %s', (_name, open) => {
  let t: TestDatabase;
  let jobs: JobQueue;
  let webhooks: WebhookService;
  let tenantId: string;

  beforeAll(async () => {
    t = await open();
    jobs = await JobQueue.start(t.db, { log: () => {} });
    webhooks = new WebhookService(t.db.orm, jobs);
    tenantId = await t.newTenant();
  });
  afterAll(async () => {
    await jobs?.stop({ graceful: false });
    await t?.close();
  });

  const hook = { name: 'ERP', url: 'https://erp.example.com/hooks/docket', events: ['ticket.created', 'ticket.*', 'ticket.created'] as never[] };

  it('creates a subscription whose secret is shown once, then lists, reads, edits and deletes it', async () => {
    const { subscription, secret } = await webhooks.create(tenantId, 'alice', hook);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(subscription).toMatchObject({ name: 'ERP', url: hook.url, events: ['ticket.created', 'ticket.*'], active: true, createdBy: 'alice' });
    expect(JSON.stringify(await webhooks.list(tenantId))).not.toContain(secret);
    expect(JSON.stringify(await webhooks.get(tenantId, subscription.id))).not.toContain(secret);

    const edited = await webhooks.update(tenantId, subscription.id, { name: 'ERP (prod)', active: false, events: ['ticket.commented'] });
    expect(edited.secret).toBeUndefined();
    expect(edited.subscription).toMatchObject({ name: 'ERP (prod)', active: false, events: ['ticket.commented'] });
    const rotated = await webhooks.update(tenantId, subscription.id, { rotateSecret: true });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);

    await webhooks.delete(tenantId, subscription.id);
    await expect(webhooks.get(tenantId, subscription.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(webhooks.delete(tenantId, subscription.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps each tenant to its own subscriptions', async () => {
    const { subscription } = await webhooks.create(tenantId, 'alice', hook);
    const other = await t.newTenant();
    expect(await webhooks.list(other)).toEqual([]);
    await expect(webhooks.get(other, subscription.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(webhooks.update(other, subscription.id, { active: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(webhooks.delete(other, subscription.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(webhooks.get(tenantId, 'not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses URLs that are not http(s), carry credentials, or point at private addresses, saying where', async () => {
    const refused = async (url: string) => {
      const error = await webhooks.create(tenantId, 'alice', { ...hook, url }).catch((e: unknown) => e);
      return [(error as { code: string }).code, (error as { details: { errors: { pointer: string }[] } }).details.errors[0]?.pointer];
    };
    expect(await refused('ftp://example.com/x')).toEqual(['WEBHOOK_INVALID_URL', '/url']);
    expect(await refused('/relative')).toEqual(['WEBHOOK_INVALID_URL', '/url']);
    expect(await refused('https://user:pw@example.com/')).toEqual(['WEBHOOK_INVALID_URL', '/url']);
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://localhost/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[::ffff:192.168.0.1]/',
    ]) {
      expect(await refused(url)).toEqual(['WEBHOOK_PRIVATE_TARGET', '/url']);
    }
    const allowing = new WebhookService(t.db.orm, jobs, { allowPrivateTargets: true });
    expect((await allowing.create(tenantId, 'ops', { ...hook, url: 'http://10.1.2.3/hook' })).subscription.url).toBe('http://10.1.2.3/hook');
  });

  it('refuses unknown event types with the pointer of each, and writes nothing', async () => {
    const before = (await webhooks.list(tenantId)).length;
    const error = await webhooks.create(tenantId, 'alice', { ...hook, events: ['ticket.created', 'ticket.exploded', '*'] as never[] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WEBHOOK_UNKNOWN_EVENT' });
    expect((error as { details: { errors: { pointer: string }[] } }).details.errors.map((e) => e.pointer)).toEqual(['/events/1', '/events/2']);
    expect((await webhooks.list(tenantId)).length).toBe(before);
  });
});
