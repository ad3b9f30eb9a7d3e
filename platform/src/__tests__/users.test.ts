import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../tests/support/databases.ts';
import { signIn, signInAs, startTestServer, type TestServer } from '../../../tests/support/server.ts';

describe.each(BACKENDS)('users, teams, org units and posts on %s', (_name, open) => {
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
  const post = (url: string, payload: object) => s.inject({ method: 'POST', url, payload });
  const patch = (url: string, payload: object) => s.inject({ method: 'PATCH', url, payload });

  it('builds an org unit tree, moves a subtree, and refuses cycles and deleting units in use', async () => {
    expect((await post('/api/org-units', { key: 'office-a', name: '管理处 A', kind: 'office' })).statusCode).toBe(201);
    await post('/api/org-units', { key: 'office-b', name: '管理处 B', kind: 'office' });
    await post('/api/org-units', { key: 'bldg-1', name: '1 号楼', kind: 'building', parent: 'office-a' });
    const floor = await post('/api/org-units', { key: 'bldg-1-f1', name: '1F', parent: 'bldg-1' });
    expect(floor.json()).toMatchObject({ key: 'bldg-1-f1', parent: 'bldg-1', path: ['office-a', 'bldg-1', 'bldg-1-f1'], children: [] });

    const moved = await patch('/api/org-units/bldg-1', { parent: 'office-b' });
    expect(moved.json()).toMatchObject({ path: ['office-b', 'bldg-1'], children: ['bldg-1-f1'] });
    expect((await s.inject('/api/org-units/bldg-1-f1')).json().path).toEqual(['office-b', 'bldg-1', 'bldg-1-f1']);
    const under = (await s.inject('/api/org-units?under=office-b')).json().items.map((u: { key: string }) => u.key);
    expect(under).toEqual(['office-b', 'bldg-1', 'bldg-1-f1']);

    const cycle = await patch('/api/org-units/office-b', { parent: 'bldg-1-f1' });
    expect([cycle.statusCode, cycle.json().code, cycle.json().errors[0].pointer]).toEqual([400, 'ORG_UNIT_CYCLE', '/parent']);
    const inUse = await s.inject({ method: 'DELETE', url: '/api/org-units/office-b' });
    expect([inUse.statusCode, inUse.json().code]).toEqual([409, 'ORG_UNIT_IN_USE']);
    expect((await s.inject({ method: 'DELETE', url: '/api/org-units/bldg-1-f1' })).statusCode).toBe(204);
    const dup = await post('/api/org-units', { key: 'office-a', name: 'again' });
    expect([dup.statusCode, dup.json().code]).toEqual([409, 'KEY_TAKEN']);
    const badKey = await post('/api/org-units', { key: 'no spaces', name: 'x' });
    expect([badKey.statusCode, badKey.json().errors[0].pointer]).toEqual([400, '/key']);
  });

  it('creates users with roles, teams, org units and posts, naming every unknown key', async () => {
    await post('/api/teams', { key: 'repair', name: '维修组', orgUnit: 'office-a' });
    await post('/api/posts', { key: 'foreman', name: '班长', orgUnit: 'office-a' });
    const created = await post('/api/users', {
      email: 'Wang.Wei@Example.test',
      name: '王伟',
      password: 'initial secret 1',
      roles: ['technician'],
      teams: ['repair'],
      orgUnits: ['office-a'],
      posts: ['foreman'],
    });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({
      email: 'wang.wei@example.test',
      roles: ['technician'],
      teams: ['repair'],
      orgUnits: ['office-a'],
      posts: ['foreman'],
      status: 'active',
    });
    expect((await s.inject('/api/teams/repair')).json().members).toEqual([{ userId: user.id, lead: false }]);
    const session = await signIn(s.app, 'WANG.WEI@example.test', 'initial secret 1', s.slug);
    expect((await s.inject('/api/me', session)).json()).toMatchObject({ teams: ['repair'], orgUnits: ['office-a'], posts: ['foreman'] });

    const taken = await post('/api/users', { email: 'wang.wei@EXAMPLE.test', name: 'Copy' });
    expect([taken.statusCode, taken.json().code]).toEqual([409, 'EMAIL_TAKEN']);
    const unknown = await post('/api/users', { email: 'x@example.test', name: 'X', roles: ['ghost'], teams: ['repair', 'nope'], posts: ['none'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code])).toEqual([
      ['/teams/1', 'UNKNOWN_TEAM'],
      ['/posts/0', 'UNKNOWN_POST'],
      ['/roles/0', 'UNKNOWN_ROLE'],
    ]);
    const invalid = await post('/api/users', { email: 'not-an-email', name: '' });
    expect(
      invalid
        .json()
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort(),
    ).toEqual(['/email', '/name']);
    expect((await s.inject('/api/users?search=wang')).json().items.map((u: { id: string }) => u.id)).toEqual([user.id]);
  });

  it('disabling a user ends their sessions and revokes their tokens', async () => {
    const made = (await post('/api/users', { email: 'leaver@example.test', name: 'Leaver', password: 'leaver secret 1', roles: ['admin'] })).json();
    const session = await signIn(s.app, 'leaver@example.test', 'leaver secret 1', s.slug);
    const token = (await s.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'x', scopes: ['user:read'] } }, session)).json().token;
    const disabled = await patch(`/api/users/${made.id}`, { status: 'disabled' });
    expect(disabled.json().status).toBe('disabled');
    expect((await s.inject('/api/me', session)).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/api/users', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    const again = await s.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'leaver@example.test', password: 'leaver secret 1', tenant: s.slug },
    });
    expect(again.json().code).toBe('INVALID_CREDENTIALS');
  });

  it('keeps privilege changes with those allowed to make them, and never leaves a tenant without an admin', async () => {
    await t.store.saveDraft(
      s.tenantId,
      { doc: { kind: 'role', key: 'hr', name: { en: 'HR' }, permissions: { user: ['read', 'create', 'update'] }, dataScope: { default: 'own' } } },
      { actor: 'test', origin: { type: 'admin' } },
    );
    await t.store.publish(s.tenantId, {}, { actor: 'test', origin: { type: 'admin' } });
    const hr = await signInAs(s, t, { roles: ['hr'] });
    const target = (await post('/api/users', { email: 'target@example.test', name: 'T' })).json();
    const grant = await s.inject({ method: 'PATCH', url: `/api/users/${target.id}`, payload: { roles: ['agent'] } }, hr);
    expect([grant.statusCode, grant.json().required]).toEqual([403, 'role:assign']);
    expect((await s.inject({ method: 'PATCH', url: `/api/users/${target.id}`, payload: { name: 'Renamed' } }, hr)).statusCode).toBe(200);
    const reset = await s.inject({ method: 'POST', url: `/api/users/${s.admin.userId}/password`, payload: { password: 'taken over 123' } }, hr);
    expect(reset.statusCode).toBe(403);

    const admins = (await s.inject('/api/users?role=admin&status=active')).json().items;
    for (const a of admins.filter((u: { id: string }) => u.id !== s.admin.userId)) await patch(`/api/users/${a.id}`, { status: 'disabled' });
    const last = await patch(`/api/users/${s.admin.userId}`, { roles: ['agent'] });
    expect([last.statusCode, last.json().code]).toEqual([409, 'LAST_ADMIN']);
    expect((await s.inject('/api/me')).json().admin).toBe(true);
  });

  it('manages team members and leads, and posts', async () => {
    const a = (await post('/api/users', { email: 'lead@example.test', name: 'Lead' })).json();
    const members = await s.inject({ method: 'PUT', url: '/api/teams/repair/members', payload: { members: [{ userId: a.id, lead: true }] } });
    expect(members.json().members).toEqual([{ userId: a.id, lead: true }]);
    const stranger = await s.inject({
      method: 'PUT',
      url: '/api/teams/repair/members',
      payload: { members: [{ userId: '0190a0a0-0000-7000-8000-000000000000' }] },
    });
    expect([stranger.statusCode, stranger.json().errors[0].pointer]).toEqual([400, '/members/0/userId']);
    expect((await patch('/api/posts/foreman', { name: '组长' })).json().name).toBe('组长');
    expect((await s.inject({ method: 'DELETE', url: '/api/teams/repair' })).statusCode).toBe(204);
    expect((await s.inject('/api/teams/repair')).statusCode).toBe(404);
  });
});
