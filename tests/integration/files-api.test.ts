/**
 * Files in forms through the real API on PostgreSQL: upload first (POST /api/files), name the
 * file in an attachment field, download it with the ticket's authorization; a file id alone
 * never grants someone else's upload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { type SignedIn, signInAs, startTestServer, type TestServer } from '../support/server.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake image body')]);

function multipart(bytes: Buffer, filename: string, type: string, fields: Record<string, string> = {}) {
  const b = 'filesboundary';
  const parts = Object.entries(fields).map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  const payload = Buffer.concat([
    Buffer.from(parts.join('')),
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

describe('files in forms on PostgreSQL', () => {
  let t: TestDatabase;
  let server: TestServer;
  let agent: SignedIn;
  let other: SignedIn;

  beforeAll(async () => {
    t = await postgresTestDatabase();
    server = await startTestServer(t);
    agent = await signInAs(server, t, { roles: ['agent'], teams: ['front'] });
    other = await signInAs(server, t, { roles: ['agent'], teams: ['front'] });
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('uploads a photo, names it in the attachments field and downloads it through the ticket', async () => {
    const up = await server.inject({ method: 'POST', url: '/api/files', ...multipart(PNG, '漏水.png', 'image/png') }, agent);
    expect(up.statusCode, up.body).toBe(201);
    const file = up.json();
    expect(file).toMatchObject({ filename: '漏水.png', contentType: 'image/png', size: PNG.length });
    const ref = { fileId: file.id, name: file.filename, size: file.size, contentType: file.contentType };
    const created = await server.inject(
      { method: 'POST', url: '/api/tickets', payload: { type: 'general', data: { title: '厨房漏水', onSite: false, attachments: [ref] } } },
      agent,
    );
    expect(created.statusCode, created.body).toBe(201);
    const ticket = created.json();
    const down = await server.inject(`/api/tickets/${ticket.id}/attachments/${file.id}`, agent);
    expect(down.statusCode).toBe(200);
    expect(down.rawPayload.equals(PNG)).toBe(true);
    expect(down.headers['content-type']).toBe('image/png');
  });

  it("refuses a form that names someone else's upload, and writes no ticket", async () => {
    const up = await server.inject({ method: 'POST', url: '/api/files', ...multipart(PNG, 'theirs.png', 'image/png') }, other);
    const ref = { fileId: up.json().id, name: 'theirs.png', size: PNG.length, contentType: 'image/png' };
    const res = await server.inject(
      { method: 'POST', url: '/api/tickets', payload: { type: 'general', data: { title: 'x', onSite: false, attachments: [ref] } } },
      agent,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'attachments', code: 'FIELD_FILE_UNKNOWN', pointer: '/data/attachments' })]);
    const [row] = await t.db.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ticket where title = 'x'`);
    expect(Number(row?.n)).toBe(0);
  });

  it('adds a file uploaded to a ticket field to that field’s value', async () => {
    const created = await server.inject(
      { method: 'POST', url: '/api/tickets', payload: { type: 'general', data: { title: 'field upload', onSite: false } } },
      agent,
    );
    const id = created.json().id;
    const up = await server.inject(
      { method: 'POST', url: `/api/tickets/${id}/attachments`, ...multipart(PNG, 'after.png', 'image/png', { field: 'attachments' }) },
      agent,
    );
    expect(up.statusCode, up.body).toBe(201);
    const detail = (await server.inject(`/api/tickets/${id}`, agent)).json();
    expect(detail.data.attachments).toEqual([expect.objectContaining({ name: 'after.png', contentType: 'image/png' })]);
  });

  it('refuses a file the field does not accept by its content, whatever its name says', async () => {
    const up = await server.inject({ method: 'POST', url: '/api/files', ...multipart(Buffer.from('MZ\x90\x00 windows exe'), 'photo.png', 'image/png') }, agent);
    expect(up.statusCode).toBe(415);
  });
});
