/**
 * Hostile input through the real HTTP server on PostgreSQL: SQL injection in filters, sorts,
 * search and bodies; prototype pollution in bodies, filters and GraphQL variables; oversized
 * bodies and uploads. Each must get a clear 4xx problem and leave the data as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const INJECTIONS = ["' or 1=1 --", "x'); drop table ticket; --", '1; select pg_sleep(5)', '"data"->>\'title\'', "%' union select * from app_user --"];

describe('hostile payloads on PostgreSQL', () => {
  let t: TestDatabase;
  let server: TestServer;
  let ids: string[] = [];

  const count = async () => Number((await t.db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ticket'))[0]?.n);

  beforeAll(async () => {
    t = await postgresTestDatabase();
    server = await startTestServer(t, { services: { maxUploadBytes: 64 * 1024 } });
    ids = [];
    for (const title of ['厨房水管漏水', 'Printer jam']) {
      const res = await server.inject({ method: 'POST', url: '/api/tickets', payload: { type: 'general', data: { title, onSite: false } } });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('treats SQL in filter values, search and record filters as plain values', async () => {
    for (const evil of INJECTIONS) {
      const byValue = await server.inject(`/api/tickets?type=general&filter=${encodeURIComponent(`data.title:eq:${evil}`)}`);
      expect(byValue.statusCode, byValue.body).toBe(200);
      expect(byValue.json().items).toEqual([]);
      const search = await server.inject(`/api/tickets?q=${encodeURIComponent(evil)}`);
      expect(search.statusCode, search.body).toBe(200);
      const records = await server.inject(`/api/records/customer?filter=${encodeURIComponent(`data.name:contains:${evil}`)}`);
      expect(records.statusCode, records.body).toBe(200);
      const json = await server.inject({
        method: 'POST',
        url: '/api/tickets/search',
        payload: { type: 'general', filters: [{ field: 'data.title', op: 'in', value: [evil] }] },
      });
      expect(json.statusCode, json.body).toBe(200);
    }
    expect(await count()).toBe(2);
  });

  it('refuses SQL in field names and sort keys with a coded 400 naming the field', async () => {
    const field = await server.inject(`/api/tickets?type=general&filter=${encodeURIComponent("data.title') or ('1'='1:eq:x")}`);
    expect(field.statusCode).toBe(400);
    expect(field.json().code).toBe('BAD_FILTER');
    const column = await server.inject(`/api/tickets?filter=${encodeURIComponent('id;drop table ticket:eq:x')}`);
    expect([column.statusCode, column.json().code]).toEqual([400, 'BAD_FILTER']);
    const sort = await server.inject(`/api/tickets?sort=${encodeURIComponent('createdAt; drop table ticket')}`);
    expect([sort.statusCode, sort.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknownSort = await server.inject('/api/tickets?sort=-pg_sleep');
    expect(unknownSort.statusCode).toBe(400);
    expect(await count()).toBe(2);
  });

  it('stores SQL-looking text in a body verbatim', async () => {
    const evil = "Robert'); drop table ticket;--";
    const res = await server.inject({ method: 'POST', url: '/api/tickets', payload: { type: 'general', data: { title: evil, onSite: false } } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await server.inject(`/api/tickets/${res.json().id}`)).json().data.title).toBe(evil);
    expect(await count()).toBe(3);
  });

  it('refuses __proto__ and constructor.prototype in JSON bodies and pollutes nothing', async () => {
    for (const payload of [
      '{"type":"general","data":{"title":"x","onSite":false,"__proto__":{"polluted":true}}}',
      '{"type":"general","data":{"title":"x","onSite":false,"constructor":{"prototype":{"polluted":true}}}}',
    ]) {
      const before = await count();
      const res = await server.inject({ method: 'POST', url: '/api/tickets', payload, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await count()).toBe(before);
    }
    const filter = await server.inject(`/api/tickets?type=general&filter=${encodeURIComponent('data.__proto__:eq:x')}`);
    expect(filter.statusCode).toBe(400);
    const gql = await server.inject({
      method: 'POST',
      url: '/api/graphql',
      payload: '{"query":"query($id: ID!) { ticket(id: $id) { id } }","variables":{"id":"x","__proto__":{"polluted":true}}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(gql.statusCode).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers an oversized JSON body with 413 PAYLOAD_TOO_LARGE and writes nothing', async () => {
    const before = await count();
    const res = await server.inject({
      method: 'POST',
      url: '/api/tickets',
      payload: JSON.stringify({ type: 'general', data: { title: 'big', onSite: false, description: 'x'.repeat(2 * 1024 * 1024) } }),
      headers: { 'content-type': 'application/json' },
    });
    expect([res.statusCode, res.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await count()).toBe(before);
  });

  it('answers an upload over the limit with 413 FILE_TOO_LARGE and stores no attachment', async () => {
    const boundary = 'bigboundary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`),
      Buffer.alloc(200 * 1024, 0x20),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await server.inject({
      method: 'POST',
      url: `/api/tickets/${ids[0]}/attachments`,
      payload,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect([res.statusCode, res.json().code]).toEqual([413, 'FILE_TOO_LARGE']);
    const [row] = await t.db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ticket_attachment');
    expect(Number(row?.n)).toBe(0);
  });

  it('refuses a file whose content contradicts its declared type', async () => {
    const boundary = 'fakeboundary';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n%PDF-1.7 not a png\r\n--${boundary}--\r\n`;
    const res = await server.inject({
      method: 'POST',
      url: `/api/tickets/${ids[0]}/attachments`,
      payload,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.statusCode).toBe(415);
  });
});
