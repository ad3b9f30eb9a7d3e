import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { admin, resident, type TicketWorld, ticketWorld } from '../../records/__tests__/tickets-fixtures.ts';
import { Migration20261123180000_public_search } from '../migrations/Migration20261123180000_public_search.ts';

describe.each(BACKENDS)('the public search tokens migration on %s', (_name, open) => {
  let t: TestDatabase;
  let w: TicketWorld;
  beforeAll(async () => {
    t = await open();
    w = await ticketWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives tickets written before it a portal token list without their internal comments', async () => {
    const ticket = await w.service.create(w.tenant, resident(), { type: 'repair', data: { title: '水表漏水' }, channel: 'portal' });
    const plain = await w.service.create(w.tenant, resident(), { type: 'repair', data: { title: '门禁卡失灵' }, channel: 'portal' });
    await w.service.comment(w.tenant, admin(), ticket.id, { body: '内部：疑似人为破坏', visibility: 'internal' });
    await w.service.comment(w.tenant, admin(), ticket.id, { body: '已安排维修', visibility: 'public' });
    // The database as it was before the migration: one token list, internal comments included.
    const em = t.db.orm.em.fork();
    await em.execute('alter table ticket drop column public_search_tokens');
    await new Migration20261123180000_public_search(t.db.orm.em.getDriver(), t.db.orm.config).up();

    const found = async (search: string) => (await w.service.list(w.tenant, resident(), { search })).items.map((i) => i.id);
    expect(await found('破坏')).toEqual([]);
    expect(await found('维修')).toEqual([ticket.id]);
    expect(await found('门禁卡')).toEqual([plain.id]);
    expect((await w.service.list(w.tenant, admin(), { search: '破坏' })).items.map((i) => i.id)).toEqual([ticket.id]);
    const [row] = await em.execute<{ public_search_tokens: string[] | null }[]>('select public_search_tokens from ticket where id = ?', [plain.id]);
    expect(row?.public_search_tokens).toBeNull();
  });
});
