import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../tests/support/databases.ts';
import { createUser, signInAs, startTestServer, type TestServer } from '../../../tests/support/server.ts';
import { installAuth } from '../auth/plugin.ts';
import { principalFor } from '../auth/principal.ts';
import { RoleCatalog } from '../auth/role-catalog.ts';
import { DEFAULT_AUTH_SETTINGS } from '../auth/settings.ts';

type Operation = { security?: unknown[]; summary?: string };
const operations = (doc: { paths: Record<string, Record<string, Operation>> }) =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
const PUBLIC = ['GET /api/health', 'POST /api/auth/login', 'POST /api/portal/register'];

describe.each(BACKENDS)('authorization on %s', (_name, open) => {
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

  it('answers anonymous callers of every non-public route with 401 problem+json', async () => {
    const doc = (await s.app.inject('/api/openapi.json')).json();
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    for (const { method, path } of ops) {
      if (PUBLIC.includes(`${method} ${path}`)) continue;
      const url = path.replace(/\{id\}/g, '0190a0a0-0000-7000-8000-000000000000').replace(/\{[^}]+\}/g, 'x1');
      const res = await s.app.inject({ method: method as 'GET', url, payload: ['GET', 'DELETE'].includes(method) ? undefined : {} });
      expect([res.statusCode, res.json().code, res.headers['content-type']], `${method} ${path}`).toEqual([
        401,
        'UNAUTHENTICATED',
        'application/problem+json; charset=utf-8',
      ]);
    }
    expect((await s.app.inject('/api/health')).statusCode).toBe(200);
    expect((await s.app.inject('/api/docs/')).statusCode).toBe(200);
  });

  it('declares security on every operation of the OpenAPI document: none for public routes, session or token otherwise', async () => {
    const doc = (await s.app.inject('/api/openapi.json')).json();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['cookieAuth', 'bearerAuth']);
    expect(doc.components.securitySchemes.cookieAuth).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'docket_session' });
    for (const { method, path, op } of operations(doc)) {
      const expected = PUBLIC.includes(`${method} ${path}`) ? [] : [{ cookieAuth: [] }, { bearerAuth: [] }];
      expect(op.security, `${method} ${path}`).toEqual(expected);
    }
  });

  it('refuses to start with an /api route that declares no auth rule', async () => {
    const app = Fastify();
    await installAuth(app, { orm: t.db.orm, settings: DEFAULT_AUTH_SETTINGS, roles: new RoleCatalog() });
    expect(() => app.get('/api/oops', async () => 'x')).toThrow(/GET \/api\/oops declares no config.auth/);
    app.get('/elsewhere', async () => 'fine');
    await app.close();
  });

  it('answers 403 FORBIDDEN naming the missing permission, and lets the role that has it through', async () => {
    const agent = await signInAs(s, t, { roles: ['agent'] });
    const denied = await s.inject('/api/definitions', agent);
    expect([denied.statusCode, denied.json().code, denied.json().required]).toEqual([403, 'FORBIDDEN', 'definition:read']);
    expect((await s.inject('/api/users', agent)).statusCode).toBe(403);
    expect((await s.inject('/api/me', agent)).statusCode).toBe(200);
  });

  it('keeps tenants apart: a user of tenant B sees none of tenant A, and cannot sign in to A', async () => {
    const other = await startTestServer(t);
    await s.inject({
      method: 'POST',
      url: '/api/definitions',
      payload: { kind: 'dictionary', key: 'only-in-a', name: { en: 'A' }, items: [{ value: 'a', label: { en: 'a' } }] },
    });
    const a = await createUser(t.db.orm.em.fork(), s.tenantId, { roles: ['agent'] });
    const keysOf = async (server: TestServer) => (await server.inject('/api/definitions')).json().items.map((d: { key: string }) => d.key);
    expect(await keysOf(s)).toContain('only-in-a');
    expect(await keysOf(other)).not.toContain('only-in-a');
    const users = (await other.inject('/api/users')).json().items.map((u: { id: string }) => u.id);
    expect(users).not.toContain(a.id);
    expect((await other.inject(`/api/users/${a.id}`)).statusCode).toBe(404);
    const wrongTenant = await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: a.email, password: a.password, tenant: other.slug } });
    expect([wrongTenant.statusCode, wrongTenant.json().code]).toEqual([401, 'INVALID_CREDENTIALS']);
    // B's admin token cannot reach A's data either: the token is bound to its tenant.
    const token = (await other.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'b', scopes: ['user:read'] } })).json().token;
    const listed = (await s.app.inject({ url: '/api/users', headers: { authorization: `Bearer ${token}` } })).json().items;
    expect(listed.map((u: { id: string }) => u.id)).not.toContain(a.id);
    await other.close();
  });

  it('computes data scopes, hidden types and field permissions from role and ticket-type definitions', async () => {
    const em = t.db.orm.em.fork();
    const save = (doc: object) => t.store.saveDraft(s.tenantId, { doc }, { actor: 'test', origin: { type: 'admin' } });
    const { version: _v, visibility: _vis, ...general } = (await s.inject('/api/definitions/ticketType/general/versions/latest')).json().document;
    await save({ ...general, key: 'open-type' });
    await save({ ...general, key: 'secret-type', visibility: { roles: ['technician'], teams: ['vip'] } });
    await save({
      kind: 'role',
      key: 'dispatcher',
      name: { en: 'Dispatcher' },
      permissions: { ticket: ['read', 'update'] },
      dataScope: { default: 'team', ticketTypes: { 'open-type': 'orgUnit' } },
      fieldPermissions: { 'open-type': { description: 'read', address: 'hidden' } },
    });
    await save({
      kind: 'role',
      key: 'viewer',
      name: { en: 'Viewer' },
      permissions: { ticket: ['read', 'viewSensitive'] },
      dataScope: { default: 'own' },
      ticketTypes: ['open-type'],
      fieldPermissions: { 'open-type': { description: 'hidden' } },
    });
    await t.store.publish(s.tenantId, {}, { actor: 'test', origin: { type: 'admin' } });
    await em.execute(`insert into org_unit (tenant_id, key, name, path) values (?, 'hq', 'HQ', '/hq/'), (?, 'b1', 'Building 1', '/hq/b1/')`, [
      s.tenantId,
      s.tenantId,
    ]);
    await em.execute(`update org_unit set parent = 'hq' where tenant_id = ? and key = 'b1'`, [s.tenantId]);
    const user = await createUser(em, s.tenantId, { roles: ['dispatcher', 'viewer'], teams: ['vip'] });
    await em.execute('insert into org_unit_member (tenant_id, org_unit, user_id) values (?, ?, ?)', [s.tenantId, 'hq', user.id]);

    const p = await principalFor(t.db.orm.em.fork(), s.tenantId, user.id);
    expect([p.admin, p.portal, p.orgUnits, p.teams]).toEqual([false, false, ['hq'], ['vip']]);
    expect(p.access.scopes['open-type']).toEqual(['orgUnit', 'own']);
    // The viewer role is limited to "open-type"; secret-type's visibility admits the vip team; general admits other roles only.
    expect(p.access.scopes['secret-type']).toEqual(['team']);
    expect(p.access.hiddenTypes).toEqual(['general']);
    expect(p.access.orgUnits).toEqual(['b1', 'hq']);
    // Most permissive wins: description is read (dispatcher) over hidden (viewer); address is restricted by one role only.
    expect(p.access.fieldPermissions).toEqual({ 'open-type': { description: 'read' } });
    expect([p.access.viewSensitive, p.access.canCreate, p.access.canUpdate]).toEqual([true, false, true]);
    expect(p.actor).toEqual({ id: user.id, roles: ['dispatcher', 'viewer'], teams: ['vip'], posts: [], orgUnits: ['hq'], admin: false });

    const outsider = await createUser(em, s.tenantId, { roles: ['dispatcher'] });
    expect((await principalFor(t.db.orm.em.fork(), s.tenantId, outsider.id)).access.hiddenTypes.sort()).toEqual(['general', 'secret-type']);
    const customer = await createUser(em, s.tenantId, { roles: ['customer'] });
    const c = await principalFor(t.db.orm.em.fork(), s.tenantId, customer.id);
    expect([c.portal, c.access.defaultScopes, c.access.canCreate, c.access.viewSensitive]).toEqual([true, ['own'], true, false]);
    const admin = await principalFor(t.db.orm.em.fork(), s.tenantId, s.admin.userId);
    expect([admin.admin, admin.access.defaultScopes, admin.access.hiddenTypes, admin.actor.admin]).toEqual([true, ['all'], [], true]);
  });
});
