import { idNumberCheckChar } from '@docket/runtime/forms/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../tests/support/databases.ts';
import { type SignedIn, signIn, signInAs, startTestServer, type TestServer } from '../../../tests/support/server.ts';

const PASSWORD = 'resident secret 1';
/** A valid 18-character resident ID number from its first 17 digits. */
const idNumber = (first17: string) => `${first17}${idNumberCheckChar(first17)}`;
let seq = 0;
/** A ticket type residents may submit from the portal (the core general type is for staff). */
const REPAIR = {
  kind: 'ticketType',
  key: 'home-repair',
  name: { en: 'Home repair', 'zh-CN': '居家报修' },
  category: 'serviceRequest',
  process: 'general',
  form: { fields: [{ key: 'title', type: 'text', label: { en: 'Title' }, required: true }] },
  portal: { enabled: true, fields: ['title'] },
};

describe.each(BACKENDS)('portal sign-up and owner verification on %s', (_name, open) => {
  let t: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    t = await open();
    s = await startTestServer(t);
    expect((await s.inject({ method: 'POST', url: '/api/definitions', payload: REPAIR })).statusCode).toBe(201);
    expect((await s.inject({ method: 'POST', url: '/api/releases', payload: { note: 'portal repair type' } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  const register = (body: Record<string, unknown>) => s.inject({ method: 'POST', url: '/api/portal/register', payload: { tenant: s.slug, ...body } }, null);
  /** A resident who signed up through the portal and signed in. */
  async function resident(name: string, phone: string): Promise<SignedIn> {
    const email = `resident${++seq}@example.test`;
    const res = await register({ email, password: PASSWORD, name, phone });
    expect(res.statusCode, res.body).toBe(201);
    return signIn(s.app, email, PASSWORD, s.slug);
  }
  async function customer(name: string, phone: string, id: string): Promise<string> {
    const res = await s.inject({
      method: 'POST',
      url: '/api/records/customer',
      payload: { data: { code: `C${++seq}`, name, type: 'personal', phone, idNumber: id } },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }
  const apply = (who: SignedIn, body: Record<string, unknown>) => s.inject({ method: 'POST', url: '/api/portal/verification', payload: body }, who);
  const contactOf = async (userId: string) => (await s.inject(`/api/users/${userId}`)).json().contactId;

  it("erases what a resident typed when applying, together with the customer's record, in one request", async () => {
    const id = idNumber('44030819850312005');
    const recordId = await customer('王 芳', '13812340005', id);
    const wang = await resident('Wang Fang', '13812340005');
    expect((await apply(wang, { name: '王芳', phone: '13812340005', idNumber: id })).json()).toMatchObject({ status: 'verified', recordId });
    const erased = await s.inject({ method: 'POST', url: `/api/records/customer/${recordId}/erase` });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toMatchObject({ portalApplications: 1 });
    const listed = (await s.inject('/api/portal/verifications?status=verified')).json().items.find((v: { recordId: string }) => v.recordId === recordId);
    expect(listed).toMatchObject({ name: '****', idNumberLast4: '****', status: 'verified' });
    const [row] = await t.db.orm.em
      .fork()
      .execute<Record<string, unknown>[]>('select name, phone, id_number_hash, erased_at from portal_verification where tenant_id = ? and record_id = ?', [
        s.tenantId,
        recordId,
      ]);
    expect(JSON.stringify(row)).not.toMatch(/王|13812340005|argon2id\$v=/);
    expect(row?.erased_at).not.toBeNull();
    // The link stays: the resident still sees their verification and their tickets.
    expect((await s.inject('/api/portal/verification', wang)).json()).toMatchObject({ status: 'verified', recordId });
  });

  it('links a resident whose name, mobile and ID number match the archive, who then sees only their own tickets', async () => {
    const id = idNumber('44030819850312001');
    const recordId = await customer('李 雷', '13812340001', id);
    const li = await resident('Li Lei', '138 1234 0001');
    expect((await s.inject('/api/me', li)).json()).toMatchObject({ roles: ['customer'], portal: true });
    expect(await contactOf(li.userId)).toBeNull();

    // Spaces, a +86 prefix and the ID number's grouping are normalised away.
    const res = await apply(li, { name: ' 李  雷 ', phone: '+86 13812340001', idNumber: ` ${id.slice(0, 9)} ${id.slice(9)} ` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'verified', recordId, decidedBy: 'match', idNumberLast4: id.slice(-4), phone: '13812340001' });
    expect(await contactOf(li.userId)).toBe(recordId);
    expect((await s.inject('/api/portal/verification', li)).json()).toMatchObject({ status: 'verified', recordId });
    const again = await apply(li, { name: '李雷', phone: '13812340001', idNumber: id });
    expect([again.statusCode, again.json().code]).toEqual([409, 'ALREADY_VERIFIED']);
    // Someone else with the same details is never linked automatically to a record that already has an owner account.
    const copy = await apply(await resident('Copy', '13812340001'), { name: '李雷', phone: '13812340001', idNumber: id });
    expect(copy.json()).toMatchObject({ status: 'pending', recordId: null });

    const mine = await s.inject({ method: 'POST', url: '/api/tickets', payload: { type: 'home-repair', data: { title: '厨房漏水' } } }, li);
    expect(mine.statusCode, mine.body).toBe(201);
    const neighbour = await resident('Han Meimei', '13812340002');
    const theirs = await s.inject({ method: 'POST', url: '/api/tickets', payload: { type: 'home-repair', data: { title: '门禁坏了' } } }, neighbour);
    expect(theirs.statusCode, theirs.body).toBe(201);
    const listed = (await s.inject('/api/tickets', li)).json().items.map((x: { id: string }) => x.id);
    expect(listed).toEqual([mine.json().id]);
    expect((await s.inject(`/api/tickets/${theirs.json().id}`, li)).statusCode).toBe(404);

    const log = (await s.inject('/api/system-log?action=portal.')).json().items;
    expect(log.find((e: { action: string }) => e.action === 'portal.verification.matched')).toMatchObject({ subject: `user:${li.userId}` });
  });

  it('leaves a mismatch pending until staff approve it by choosing the record', async () => {
    const id = idNumber('11010519700101002');
    const recordId = await customer('王芳', '13912340003', id);
    const wang = await resident('王芳', '13912340003');
    const res = await apply(wang, { name: '王芳', phone: '13912349999', idNumber: id });
    expect(res.json()).toMatchObject({ status: 'pending', recordId: null, decidedBy: null });
    expect(await contactOf(wang.userId)).toBeNull();

    const queue = (await s.inject('/api/portal/verifications?status=pending')).json().items;
    expect(queue.map((v: { id: string }) => v.id)).toContain(res.json().id);
    const approved = await s.inject({ method: 'POST', url: `/api/portal/verifications/${res.json().id}/approve`, payload: { recordId } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      verification: { status: 'verified', recordId, decidedBy: 'staff', reviewedBy: s.admin.userId },
      checks: { name: true, phone: false, idNumber: true },
    });
    expect(await contactOf(wang.userId)).toBe(recordId);
    expect((await s.inject('/api/portal/verification', wang)).json()).toMatchObject({ status: 'verified', recordId });
    const twice = await s.inject({ method: 'POST', url: `/api/portal/verifications/${res.json().id}/reject`, payload: { reason: 'late' } });
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'VERIFICATION_DECIDED']);
    const log = (await s.inject('/api/system-log?action=portal.verification.approved')).json().items;
    expect(log[0]).toMatchObject({ actorId: s.admin.userId, subject: `user:${wang.userId}`, details: { record: recordId } });
  });

  it('rejects with a reason the applicant sees, and an unknown record is a 400 naming recordId', async () => {
    const zhao = await resident('赵六', '13712340004');
    const res = await apply(zhao, { name: '赵六', phone: '13712340004', idNumber: idNumber('32010219900505003') });
    expect(res.json().status).toBe('pending');
    const unknown = await s.inject({
      method: 'POST',
      url: `/api/portal/verifications/${res.json().id}/approve`,
      payload: { recordId: '01900000-0000-7000-8000-000000000000' },
    });
    expect([unknown.statusCode, unknown.json().code, unknown.json().errors[0].field]).toEqual([400, 'UNKNOWN_RECORD', 'recordId']);
    const rejected = await s.inject({ method: 'POST', url: `/api/portal/verifications/${res.json().id}/reject`, payload: { reason: '档案中无此业主' } });
    expect(rejected.json()).toMatchObject({ status: 'rejected', reason: '档案中无此业主', decidedBy: 'staff' });
    expect((await s.inject('/api/portal/verification', zhao)).json()).toMatchObject({ status: 'rejected', reason: '档案中无此业主' });
    expect(await contactOf(zhao.userId)).toBeNull();
    expect((await s.inject('/api/system-log?action=portal.verification.rejected')).json().items[0]).toMatchObject({ subject: `user:${zhao.userId}` });
  });

  it('refuses a bad ID number or mobile with coded errors naming the field, and writes nothing', async () => {
    const sun = await resident('孙七', '13612340005');
    const good = idNumber('11010519491231002');
    const badCheck = `${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`;
    const res = await apply(sun, { name: '孙七', phone: '13612340005', idNumber: badCheck });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'FIELD_ID_NUMBER', errors: [{ field: 'idNumber', pointer: '/idNumber', code: 'FIELD_ID_NUMBER' }] });
    const both = await apply(sun, { name: '孙七', phone: '010-12345678', idNumber: '12345' });
    expect(both.json().errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual([
      ['phone', 'FIELD_PHONE'],
      ['idNumber', 'FIELD_ID_NUMBER'],
    ]);
    const missing = await apply(sun, { name: '孙七', phone: '13612340005' });
    expect([missing.statusCode, missing.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const none = await s.inject('/api/portal/verification', sun);
    expect([none.statusCode, none.json().code]).toEqual([404, 'NO_VERIFICATION']);
    const badPhone = await register({ email: 'phone@example.test', password: PASSWORD, name: 'x', phone: '12345' });
    expect([badPhone.statusCode, badPhone.json().errors[0].field, badPhone.json().errors[0].code]).toEqual([400, 'phone', 'FIELD_PHONE']);
  });

  it('stores the ID number only as a salted hash and its last 4 characters', async () => {
    const id = idNumber('51010719881111004');
    const zhou = await resident('周八', '13512340006');
    await apply(zhou, { name: '周八', phone: '13512340006', idNumber: id });
    await apply(zhou, { name: '周八', phone: '13512340006', idNumber: id });
    const rows = await t.db.orm.em
      .fork()
      .execute<{ row: string; hash: string }[]>(
        'select row_to_json(v)::text as row, id_number_hash as hash from portal_verification v where tenant_id = ? and user_id = ?',
        [s.tenantId, zhou.userId],
      );
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.row).not.toContain(id.slice(0, 14));
      expect(r.hash).toMatch(/^\$argon2id\$/);
    }
    expect(rows[0]?.hash).not.toBe(rows[1]?.hash);
    const log = await t.db.orm.em
      .fork()
      .execute<{ t: string }[]>("select string_agg(details::text, ' ') as t from system_log where tenant_id = ?", [s.tenantId]);
    expect(log[0]?.t ?? '').not.toContain(id.slice(0, 14));
    // The newer application withdrew the older pending one.
    expect((await s.inject(`/api/portal/verifications?status=withdrawn`)).json().items.map((v: { userId: string }) => v.userId)).toContain(zhou.userId);
  });

  it('limits applications to 5 a day per user (429 with Retry-After)', async () => {
    const wu = await resident('吴九', '13412340007');
    for (let i = 0; i < 5; i++) expect((await apply(wu, { name: '吴九', phone: '13412340007', idNumber: idNumber('11010519800101007') })).statusCode).toBe(201);
    const sixth = await apply(wu, { name: '吴九', phone: '13412340007', idNumber: idNumber('11010519800101007') });
    expect([sixth.statusCode, sixth.json().code]).toEqual([429, 'TOO_MANY_VERIFICATIONS']);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers a taken email like a new one and creates nothing', async () => {
    const first = await register({ email: 'Taken@Example.test', password: PASSWORD, name: 'First', phone: '13312340008' });
    const second = await register({ email: 'taken@example.test', password: 'another secret 2', name: 'Second', phone: '13312340009' });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.json()).toEqual(first.json());
    await signIn(s.app, 'taken@example.test', PASSWORD, s.slug);
    await expect(signIn(s.app, 'taken@example.test', 'another secret 2', s.slug)).rejects.toThrow(/401/);
    const users = (await s.inject('/api/users?search=taken@example.test')).json().items;
    expect(users.map((u: { name: string }) => u.name)).toEqual(['First']);
    const dup = (await s.inject('/api/system-log?action=portal.register.duplicate')).json().items;
    expect(dup[0]).toMatchObject({ subject: 'email:taken@example.test' });
  });

  it('lets staff open a portal account already linked to a customer record', async () => {
    const recordId = await customer('郑十', '13212340010', idNumber('11010519750505009'));
    const res = await s.inject({ method: 'POST', url: '/api/portal/accounts', payload: { recordId, email: 'zheng@example.test', password: PASSWORD } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: '郑十', phone: '13212340010', roles: ['customer'], contactId: recordId });
    const zheng = await signIn(s.app, 'zheng@example.test', PASSWORD, s.slug);
    expect((await s.inject('/api/me', zheng)).json().portal).toBe(true);
  });

  it('keeps staff routes from anonymous callers (401), technicians (403) and residents (403)', async () => {
    const tech = await signInAs(s, t, { roles: ['technician'] });
    const res = await resident('钱一', '13112340011');
    const pending = await apply(res, { name: '钱一', phone: '13112340011', idNumber: idNumber('11010519820202001') });
    const url = `/api/portal/verifications/${pending.json().id}/approve`;
    for (const who of [tech, res]) {
      const r = await s.inject({ method: 'POST', url, payload: { recordId: '01900000-0000-7000-8000-000000000000' } }, who);
      expect([r.statusCode, r.json().code]).toEqual([403, 'FORBIDDEN']);
      expect((await s.inject('/api/portal/verifications', who)).statusCode).toBe(403);
    }
    const staffApplying = await apply(tech, { name: '钱一', phone: '13112340011', idNumber: idNumber('11010519820202001') });
    expect([staffApplying.statusCode, staffApplying.json().code]).toEqual([403, 'PORTAL_ONLY']);
    for (const [method, path] of [
      ['GET', '/api/portal/verification'],
      ['POST', '/api/portal/verification'],
      ['GET', '/api/portal/verifications'],
      ['POST', url],
      ['POST', url.replace('approve', 'reject')],
      ['POST', '/api/portal/accounts'],
    ] as const) {
      const r = await s.inject({ method, url: path, ...(method === 'POST' ? { payload: {} } : {}) }, null);
      expect([path, r.statusCode, r.json().code]).toEqual([path, 401, 'UNAUTHENTICATED']);
    }
  });
});
