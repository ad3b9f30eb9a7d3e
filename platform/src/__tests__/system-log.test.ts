import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../tests/support/databases.ts';
import { signIn, startTestServer, type TestServer } from '../../../tests/support/server.ts';
import { openDocket } from '../app.ts';
import { DEFAULT_ADMIN_EMAIL, ensureFirstAdmin } from '../auth/bootstrap.ts';
import { loadConfig } from '../config.ts';
import { buildServer } from '../server.ts';

describe.each(BACKENDS)('system log and the first admin on %s', (_name, open) => {
  let t: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    t = await open();
    s = await startTestServer(t);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });
  const actions = async (prefix: string) =>
    (await s.inject(`/api/system-log?action=${prefix}`)).json().items as { action: string; actor: string; subject: string; details: Record<string, unknown> }[];

  it('records sign-ins, failed sign-ins, permission changes and publishes', async () => {
    await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.admin.email, password: 'wrong password', tenant: s.slug } });
    const logins = await actions('login.');
    expect(logins.map((l) => l.action).slice(0, 2)).toEqual(['login.failed', 'login.ok']);
    expect(logins[0]).toMatchObject({ actor: s.admin.email, subject: `user:${s.admin.userId}`, details: { reason: 'password' } });

    const user = (await s.inject({ method: 'POST', url: '/api/users', payload: { email: 'p@example.test', name: 'P' } })).json();
    await s.inject({ method: 'PATCH', url: `/api/users/${user.id}`, payload: { roles: ['agent'] } });
    const [change] = await actions('user.permissions.changed');
    expect(change).toMatchObject({ subject: `user:${user.id}`, details: { roles: { before: [], after: ['agent'] } } });

    await s.inject({
      method: 'POST',
      url: '/api/definitions',
      payload: { kind: 'dictionary', key: 'logged', name: { en: 'L' }, items: [{ value: 'a', label: { en: 'a' } }] },
    });
    const published = (await s.inject({ method: 'POST', url: '/api/releases', payload: { note: 'audited' } })).json();
    const [row] = await actions('release.published');
    expect(row).toMatchObject({ actor: s.admin.email, subject: `release:${published.number}`, details: { note: 'audited' } });
  });

  it('refuses UPDATE and DELETE on system_log rows', async () => {
    const em = t.db.orm.em.fork();
    await expect(em.execute(`update system_log set actor = 'someone else' where tenant_id = ?`, [s.tenantId])).rejects.toThrow(/append-only/);
    await expect(em.execute('delete from system_log where tenant_id = ?', [s.tenantId])).rejects.toThrow(/append-only/);
    expect((await actions('login.')).length).toBeGreaterThan(0);
  });

  it('creates the first admin from DOCKET_ADMIN_EMAIL / _PASSWORD, once', async () => {
    const tenantId = await t.newTenant();
    const announced: string[] = [];
    const announce = (m: string) => announced.push(m);
    const first = await ensureFirstAdmin(t.db.orm.em.fork(), tenantId, { email: 'Boss@Example.test', password: 'from the env 1', announce });
    expect(first).toEqual({ created: true, email: 'boss@example.test' });
    expect(await ensureFirstAdmin(t.db.orm.em.fork(), tenantId, { email: 'boss@example.test', password: 'another one 22', announce })).toEqual({
      created: false,
    });
    expect(announced).toEqual([]);
    const app = await buildServer({ db: t.db, definitions: t.store, tenantId, version: 'test' });
    const slug = (await t.db.orm.em.fork().execute<{ slug: string }[]>('select slug from tenant where id = ?', [tenantId]))[0]?.slug;
    const me = await signIn(app, 'boss@example.test', 'from the env 1', slug);
    expect((await app.inject({ url: '/api/me', headers: me.headers })).json()).toMatchObject({ admin: true, user: { mustChangePassword: false } });
    await app.close();
  });

  it('generates a first admin password, prints it once, and requires changing it', async () => {
    const tenantId = await t.newTenant();
    const announced: string[] = [];
    await ensureFirstAdmin(t.db.orm.em.fork(), tenantId, { announce: (m) => announced.push(m) });
    await ensureFirstAdmin(t.db.orm.em.fork(), tenantId, { announce: (m) => announced.push(m) });
    expect(announced).toHaveLength(1);
    const password = /password: (\S+)/.exec(announced[0] as string)?.[1] as string;
    expect(password.length).toBeGreaterThanOrEqual(20);
    const app = await buildServer({ db: t.db, definitions: t.store, tenantId, version: 'test' });
    const slug = (await t.db.orm.em.fork().execute<{ slug: string }[]>('select slug from tenant where id = ?', [tenantId]))[0]?.slug;
    const me = await signIn(app, DEFAULT_ADMIN_EMAIL, password, slug);
    expect((await app.inject({ url: '/api/me', headers: me.headers })).json().user.mustChangePassword).toBe(true);
    await app.close();
  });
});

describe('a fresh install', () => {
  it('creates the default tenant with an admin from the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docket-fresh-'));
    const config = loadConfig({ DOCKET_DATA_DIR: dir, DOCKET_ADMIN_EMAIL: 'owner@example.test', DOCKET_ADMIN_PASSWORD: 'owner password 1' }, dir);
    const announced: string[] = [];
    const ctx = await openDocket(config, { purpose: 'test', announce: (m) => announced.push(m) });
    try {
      const app = await buildServer(ctx);
      const me = await signIn(app, 'owner@example.test', 'owner password 1');
      expect((await app.inject({ url: '/api/releases', headers: me.headers })).json().items).toHaveLength(1);
      expect(announced).toEqual([]);
      await app.close();
    } finally {
      await ctx.db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
