import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { componentUsage, ensureSearchIndexes } from '../ticket-indexes.ts';
import { admin, caller, failure, resident, type TicketWorld, ticketWorld } from './tickets-fixtures.ts';

const CUSTOMER = '01890000-0000-7000-8000-000000000001';

describe.each(BACKENDS)('ticket comments, files and personal data on %s', (_name, open) => {
  let t: TestDatabase;
  let w: TicketWorld;

  beforeAll(async () => {
    t = await open();
    w = await ticketWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets a portal customer submit portal fields only, write public comments and read only those', async () => {
    const refused = await failure(w.service.create(w.tenant, resident(), { type: 'repair', data: { title: 'x', cost: { amount: '1.00', currency: 'CNY' } } }));
    expect(refused.details?.errors).toEqual([expect.objectContaining({ pointer: '/data/cost', code: 'FIELD_NOT_EDITABLE' })]);
    const mine = await w.service.create(w.tenant, resident(), { type: 'repair', data: { title: '阳台漏水', contactPhone: '13800138000' }, channel: 'portal' });
    expect(mine).toMatchObject({ channel: 'portal', editable: [] });
    await w.service.comment(w.tenant, admin(), mine.id, { body: '内部：先派张师傅', visibility: 'internal' });
    await w.service.comment(w.tenant, admin(), mine.id, { body: '我们明天上午上门', visibility: 'public' });
    expect((await failure(w.service.comment(w.tenant, resident(), mine.id, { body: 'x', visibility: 'internal' }))).code).toBe('FORBIDDEN');
    await w.service.comment(w.tenant, resident(), mine.id, { body: '好的，谢谢', visibility: 'public' });
    expect((await w.service.comments(w.tenant, resident(), mine.id)).map((c) => c.body)).toEqual(['我们明天上午上门', '好的，谢谢']);
    expect(await w.service.comments(w.tenant, admin(), mine.id)).toHaveLength(3);
    expect((await failure(w.service.comment(w.tenant, admin(), mine.id, { body: '   ', visibility: 'public' }))).code).toBe('VALIDATION_FAILED');
    expect(w.events.filter((e) => e.type === 'ticket.commented')).toHaveLength(3);
    // The batched read (GraphQL) answers alike, and not at all outside the caller's scope.
    const batch = await w.service.commentsOfMany(w.tenant, resident(), [mine.id, mine.id, 'not-an-id']);
    expect([...batch.keys()]).toEqual([mine.id]);
    expect(batch.get(mine.id)?.map((c) => c.body)).toEqual(['我们明天上午上门', '好的，谢谢']);
    expect((await w.service.commentsOfMany(w.tenant, admin(), [mine.id])).get(mine.id)).toHaveLength(3);
    expect((await w.service.commentsOfMany(w.tenant, caller({ id: 'stranger' }, ['own']), [mine.id])).size).toBe(0);
  });

  it('keeps internal comments out of what a portal customer can search for, but not out of staff searches', async () => {
    const mine = await w.service.create(w.tenant, resident(), { type: 'repair', data: { title: '楼道灯不亮' }, channel: 'portal' });
    await w.service.comment(w.tenant, admin(), mine.id, { body: '内部备注：业主欠费三个月', visibility: 'internal' });
    await w.service.comment(w.tenant, admin(), mine.id, { body: '电工周五上门 electrician', visibility: 'public' });
    const found = async (who: ReturnType<typeof admin>, search: string) => (await w.service.list(w.tenant, who, { search })).items.map((i) => i.id);
    expect(await found(admin(), '欠费')).toEqual([mine.id]);
    expect(await found(resident(), '欠费')).toEqual([]);
    expect(await found(resident(), '电工')).toEqual([mine.id]);
    expect(await found(resident(), 'ELECTRICIAN')).toEqual([mine.id]);
    expect(await found(resident(), '楼道灯')).toEqual([mine.id]);
  });

  it('keeps attachment fields to their accepted types, size and count, and serves the bytes back in scope', async () => {
    const ticket = await w.service.create(w.tenant, admin(), { type: 'repair', data: { title: 'photos' } });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a tiny png body')]);
    const photo = (n: number) => ({ filename: `dir/../photo${n}.png`, contentType: 'image/png', bytes: png, field: 'photos' });
    const first = await w.service.attach(w.tenant, admin(), ticket.id, photo(1));
    expect(first).toMatchObject({ filename: 'photo1.png', field: 'photos', size: png.length, uploadedBy: 'root' });
    await w.service.attach(w.tenant, admin(), ticket.id, photo(2));
    expect((await failure(w.service.attach(w.tenant, admin(), ticket.id, photo(3)))).code).toBe('TOO_MANY_FILES');
    const pdf = await failure(
      w.service.attach(w.tenant, admin(), ticket.id, { filename: 'a.pdf', contentType: 'application/pdf', bytes: png, field: 'photos' }),
    );
    expect(pdf.code).toBe('FILE_TYPE_REFUSED');
    const big = await failure(w.service.attach(w.tenant, admin(), ticket.id, { ...photo(4), bytes: Buffer.alloc(1024 * 1024 + 1) }));
    expect(big.code).toBe('FILE_TOO_LARGE');
    expect((await failure(w.service.attach(w.tenant, admin(), ticket.id, { ...photo(5), field: 'title' }))).code).toBe('FIELD_NOT_EDITABLE');

    const back = await w.service.download(w.tenant, admin(), ticket.id, first.id);
    expect(back.bytes.equals(png)).toBe(true);
    expect(back.attachment).toEqual(first);
    const outsider = caller({ id: 'stranger' }, ['own']);
    expect((await failure(w.service.download(w.tenant, outsider, ticket.id, first.id))).code).toBe('NOT_FOUND');
    const noPhotos = caller({ id: 'x' }, ['all'], { fieldPermissions: { repair: { photos: 'hidden' } } });
    expect((await failure(w.service.download(w.tenant, noPhotos, ticket.id, first.id))).code).toBe('ATTACHMENT_NOT_FOUND');
  });

  it('erases a customer’s sensitive values from their tickets, leaving only masks in the audit', async () => {
    const a = await w.service.create(w.tenant, admin(), { type: 'repair', customerId: CUSTOMER, data: { title: 'erase me', contactPhone: '13700137000' } });
    const other = await w.service.create(w.tenant, admin(), { type: 'repair', data: { title: 'keep me', contactPhone: '13600136000' } });
    expect(await w.service.eraseSensitive(w.tenant, 'dpo', { customerId: CUSTOMER })).toEqual({ tickets: 1 });
    const erased = await w.service.get(w.tenant, admin(), a.id);
    expect(erased.data).toEqual({ title: 'erase me' });
    expect((await w.service.get(w.tenant, admin(), other.id)).data.contactPhone).toBe('13600136000');
    const history = await w.service.history(w.tenant, admin(), a.id);
    expect(history.at(-1)).toMatchObject({ action: 'ticket.erase', actor: 'dpo', changes: [{ field: 'data.contactPhone', before: '****', after: null }] });
    expect(JSON.stringify(history)).not.toContain('13700137000');
    expect(w.events.at(-1)).toMatchObject({ type: 'ticket.erased', ticketId: a.id, details: { fields: ['data.contactPhone'] } });
  });

  it('builds expression indexes for searchable fields once, and counts component usage', async () => {
    const names = await ensureSearchIndexes(t.db.orm.em.fork(), w.tenant);
    expect(names).toHaveLength(2);
    expect(await ensureSearchIndexes(t.db.orm.em.fork(), w.tenant)).toEqual(names);
    const [idx] = await t.db.orm.em
      .fork()
      .execute<{ n: number }[]>(`select count(*)::int as n from pg_indexes where tablename = 'ticket' and indexname like 'ticket_sx_%'`);
    expect(idx?.n).toBe(2);

    await w.service.create(w.tenant, admin(), {
      type: 'repair',
      data: { title: 'parts' },
      components: {
        spareParts: [
          { part: '压缩机', qty: 1 },
          { part: '滤网', qty: 2 },
        ],
      },
    });
    await w.service.create(w.tenant, admin(), { type: 'repair', data: { title: 'parts 2' }, components: { spareParts: [{ part: '滤网', qty: 1 }] } });
    expect(await componentUsage(t.db.orm.em.fork(), w.tenant)).toEqual([{ component: 'spareParts', tickets: 2, rows: 3 }]);
  });
});
