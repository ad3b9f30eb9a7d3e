import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../tests/support/databases.ts';
import { createUser, signIn, startTestServer, type TestServer } from '../../../tests/support/server.ts';
import { CORE_DEFINITIONS } from '../app.ts';
import { buildServer } from '../server.ts';

const dictionary = (key: string, values = ['a']) => ({
  kind: 'dictionary',
  key,
  name: { en: key },
  items: values.map((v) => ({ value: v, label: { en: v } })),
});

describe.each(BACKENDS)('HTTP API on %s', (_name, open) => {
  let t: TestDatabase;
  let app: TestServer;
  beforeAll(async () => {
    t = await open();
    // Requests sign in as the tenant's admin (app.inject sends the session cookie and CSRF token).
    app = await startTestServer(t);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('reports health with the database status', async () => {
    const res = await app.inject('/api/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', version: 'test', database: { status: 'up', kind: t.db.kind } });
  });

  it('lists the core definitions with their published versions, filtered by kind', async () => {
    const all = (await app.inject('/api/definitions')).json().items;
    expect(all.length).toBeGreaterThanOrEqual(15);
    const roles = (await app.inject('/api/definitions?kind=role')).json().items;
    expect(roles.map((r: { key: string }) => r.key)).toEqual(['admin', 'agent', 'customer', 'technician']);
    expect(roles[0]).toMatchObject({ kind: 'role', publishedVersion: 1, draftVersion: null, origin: { type: 'core', name: 'docket' } });
    const process = all.find((d: { kind: string }) => d.kind === 'process');
    expect(process.name).toEqual({ und: expect.any(String) });
  });

  it('walks a definition from draft to release: create, edit, publish, diff, read back', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/definitions', payload: dictionary('faults') });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ kind: 'dictionary', key: 'faults', version: 1, status: 'draft', created: true, warnings: [] });
    const edited = await app.inject({ method: 'POST', url: '/api/definitions', payload: dictionary('faults', ['a', 'b']) });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ version: 1, created: false, changed: true });

    const published = await app.inject({
      method: 'POST',
      url: '/api/releases',
      payload: { items: [{ kind: 'dictionary', key: 'faults' }], note: 'faults list' },
    });
    expect(published.statusCode).toBe(201);
    expect(published.json()).toMatchObject({ number: 2, note: 'faults list', published: [{ kind: 'dictionary', key: 'faults', version: 1 }] });

    await app.inject({ method: 'POST', url: '/api/definitions', payload: { ...dictionary('faults', ['a', 'c']), version: 1 } });
    const diff = await app.inject('/api/definitions/dictionary/faults/diff?from=1&to=2');
    expect(diff.json().changes).toEqual([
      { op: 'replace', pointer: '/items/1/label/en', before: 'b', after: 'c' },
      { op: 'replace', pointer: '/items/1/value', before: 'b', after: 'c' },
    ]);

    const versions = (await app.inject('/api/definitions/dictionary/faults')).json().versions;
    expect(versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'draft'],
      [1, 'published'],
    ]);
    const doc = (await app.inject('/api/definitions/dictionary/faults/versions/1')).json();
    expect(doc).toMatchObject({ version: 1, status: 'published', document: { kind: 'dictionary', key: 'faults', version: 1 } });

    const releases = (await app.inject('/api/releases')).json().items;
    expect(releases.map((r: { number: number; changed: number }) => [r.number, r.changed])).toEqual([
      [2, 1],
      [1, releases[1].total],
    ]);
    const release = (await app.inject('/api/releases/2')).json();
    expect(release.items.find((i: { key: string }) => i.key === 'faults')).toMatchObject({ version: 1, changed: true });
  });

  it('discards a draft through DELETE …/draft and answers 404 when there is none', async () => {
    await app.inject({ method: 'POST', url: '/api/definitions', payload: dictionary('scratch') });
    const gone = await app.inject({ method: 'DELETE', url: '/api/definitions/dictionary/scratch/draft' });
    expect([gone.statusCode, gone.json()]).toEqual([200, { kind: 'dictionary', key: 'scratch', discarded: 1, current: null }]);
    const again = await app.inject({ method: 'DELETE', url: '/api/definitions/dictionary/scratch/draft' });
    expect([again.statusCode, again.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('returns a process with its BPMN exactly as uploaded', async () => {
    const latest = (await app.inject('/api/definitions/process/general/versions/latest')).json();
    const { readFile } = await import('node:fs/promises');
    expect(latest.document.bpmn).toBe(await readFile(join(CORE_DEFINITIONS, 'processes', 'general.bpmn'), 'utf8'));
  });

  it('answers an invalid definition with 400 problem+json listing every issue, in Chinese when asked', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { 'accept-language': 'zh-CN,zh;q=0.9' },
      payload: {
        kind: 'ticketType',
        key: 'bad key',
        name: {},
        category: 'workOrder',
        process: 'general',
        form: { fields: [{ key: 'x', type: 'weird', label: { en: 'X' } }] },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({ status: 400, code: 'DEF_INVALID', type: 'urn:docket:error:DEF_INVALID' });
    expect(body.errors.map((e: { code: string; pointer: string }) => [e.code, e.pointer])).toEqual([
      ['DEF_INVALID_KEY', '/key'],
      ['DEF_INVALID_I18N_TEXT', '/name'],
      ['DEF_UNKNOWN_FIELD_TYPE', '/form/fields/0/type'],
    ]);
    expect(body.errors[2].message).toMatch(/^未知字段类型 "weird"/);
    expect(body.errors[2].messages.en).toMatch(/^unknown field type "weird"/);
  });

  it('answers conflicts, missing things and malformed requests with coded problems', async () => {
    await app.inject({ method: 'POST', url: '/api/definitions', payload: dictionary('race') });
    await app.inject({ method: 'POST', url: '/api/releases', payload: {} });
    const stale = await app.inject({ method: 'POST', url: '/api/definitions', payload: { ...dictionary('race', ['z']), version: 3 } });
    expect([stale.statusCode, stale.json().code, stale.json().errors[0].code]).toEqual([409, 'CONFLICT', 'DEF_VERSION_MISMATCH']);

    const nothing = await app.inject({ method: 'POST', url: '/api/releases', payload: {} });
    expect([nothing.statusCode, nothing.json().code]).toEqual([409, 'NOTHING_TO_PUBLISH']);
    const missing = await app.inject('/api/definitions/role/ghost');
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'NOT_FOUND']);
    const noRoute = await app.inject('/api/nowhere');
    expect([noRoute.statusCode, noRoute.json().code, noRoute.headers['content-type']]).toEqual([404, 'NOT_FOUND', 'application/problem+json; charset=utf-8']);
    const badKind = await app.inject('/api/definitions/nokind/x');
    expect([badKind.statusCode, badKind.json().code, badKind.json().errors[0].pointer]).toEqual([400, 'VALIDATION_FAILED', '/kind']);
    const badJson = await app.inject({ method: 'POST', url: '/api/definitions', headers: { 'content-type': 'application/json' }, payload: '{"kind":' });
    expect([badJson.statusCode, badJson.json().code]).toEqual([400, 'INVALID_JSON']);
    const badQuery = await app.inject('/api/definitions/dictionary/race/diff?from=1&to=two');
    expect([badQuery.statusCode, badQuery.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const tooBig = await app.inject({ method: 'POST', url: '/api/releases', payload: { note: 'x'.repeat(2 * 1024 * 1024) } });
    expect([tooBig.statusCode, tooBig.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('publishes an OpenAPI 3.1 document describing every route, and serves Swagger UI', async () => {
    const doc = (await app.inject('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths as Record<string, Record<string, { summary?: string }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([m, op]) => [`${m.toUpperCase()} ${path}`, op.summary]),
    );
    expect(ops.map(([op]) => op)).toEqual(
      expect.arrayContaining([
        'GET /api/health',
        'GET /api/definitions',
        'GET /api/definitions/{kind}/{key}',
        'GET /api/definitions/{kind}/{key}/versions/{version}',
        'POST /api/definitions',
        'DELETE /api/definitions/{kind}/{key}/draft',
        'GET /api/definitions/{kind}/{key}/diff',
        'POST /api/releases',
        'GET /api/releases',
        'GET /api/releases/{number}',
      ]),
    );
    for (const [op, summary] of ops) expect(summary, op).toBeTruthy();
    const ui = await app.inject('/api/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});

describe('HTTP API failures and a real listening server', () => {
  it('serves over a real socket and answers an internal failure with 500 problem+json and no internals', async () => {
    const t = await BACKENDS[0][1]();
    const tenantId = await t.newTenant('solo');
    const app = await buildServer({ db: t.db, definitions: t.store, tenantId, version: 'test' });
    await createUser(t.db.orm.em.fork(), tenantId, { email: 'admin@example.test', roles: ['admin'] });
    const { headers } = await signIn(app, 'admin@example.test');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const health = await fetch(`${address}/api/health`);
    expect(health.status).toBe(200);
    // Break the schema under the server: the next query fails inside the store.
    await t.db.orm.em.fork().execute('alter table definition rename to definition_gone');
    const broken = await fetch(`${address}/api/definitions`, { headers });
    expect(broken.status).toBe(500);
    const body = (await broken.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred; it has been logged.' });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|stack|MikroORM/i);
    // With the database gone, health says so instead of failing.
    await t.db.embedded?.close();
    const down = await fetch(`${address}/api/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', database: { status: 'down' } });
    await app.close();
    await t.db.orm.close(true).catch(() => undefined);
  });
});
