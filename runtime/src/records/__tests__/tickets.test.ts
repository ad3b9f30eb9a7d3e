import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import type { Actor } from '../../process/state.ts';
import { admin, caller, failure, type TicketWorld, ticketWorld } from './tickets-fixtures.ts';

const disp: Actor = { id: 'disp', roles: ['dispatcher'], teams: ['hq'] };
const tech1: Actor = { id: 'tech1', teams: ['north'], orgUnits: ['bj', 'bj-chaoyang'] };
const tech2: Actor = { id: 'tech2', teams: ['south'], orgUnits: ['sh'] };

describe.each(BACKENDS)('ticket service on %s', (_name, open) => {
  let t: TestDatabase;
  let w: TicketWorld;
  const count = async () => {
    const [r] = await t.db.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from ticket where tenant_id = ?', [w.tenant]);
    return r?.n;
  };
  const create = (who: Actor, data: Record<string, unknown>, extra: object = {}) =>
    w.service.create(w.tenant, caller(who, ['own']), { type: 'repair', data, ...extra });

  beforeAll(async () => {
    t = await open();
    w = await ticketWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a bad form with coded errors naming each field, writing nothing and using no number', async () => {
    const e = await failure(create(tech1, { amount: 'a lot', colour: 'red', contactPhone: 'call me' }));
    expect(e.code).toBe('FORM_INVALID');
    const errors = e.details?.errors as { pointer: string; code: string; message: { en: string } }[];
    expect(errors.map((p) => [p.pointer, p.code])).toEqual(
      expect.arrayContaining([
        ['/data/title', 'FIELD_REQUIRED'],
        ['/data/amount', 'FIELD_TYPE'],
        ['/data/colour', 'FIELD_UNKNOWN'],
        ['/data/contactPhone', 'FIELD_PHONE'],
      ]),
    );
    expect(errors.find((p) => p.pointer === '/data/title')?.message.en).toContain('Title');
    const rows = await failure(create(tech1, { title: 'x' }, { components: { spareParts: [{ qty: 0 }] } }));
    expect(((rows.details?.errors as { pointer: string; code: string }[] | undefined) ?? []).map((p) => [p.pointer, p.code])).toEqual([
      ['/components/spareParts/0/part', 'FIELD_REQUIRED'],
      ['/components/spareParts/0/qty', 'FIELD_MIN'],
    ]);
    expect(await count()).toBe(0);
    const first = await create(tech1, { title: '空调不制冷' });
    // 18:00Z on 1 March is already 2 March in Asia/Shanghai, the tenant's zone.
    expect(first.number).toBe('WX202603020001');
  });

  it('numbers tickets one after another with the type pattern, the title from the title field', async () => {
    const a = await create(tech1, { title: '厨房水管漏水' });
    const b = await create(tech2, { title: 'Leaking pipe' });
    expect([a.number, b.number]).toEqual(['WX202603020002', 'WX202603020003']);
    expect(a).toMatchObject({ title: '厨房水管漏水', registrant: 'tech1', team: 'north', orgUnit: 'bj', status: '待指派', statusCategory: 'new', version: 2 });
    expect(a.participants).toContainEqual({ userId: 'tech1', role: 'registrant' });
    expect(w.events.filter((e) => e.type === 'ticket.created').at(-1)).toMatchObject({ ticketId: b.id, number: 'WX202603020003', actor: 'tech2' });
  });

  it('shows a technician with own scope only their own tickets, and others as not found', async () => {
    const mine = await create(tech2, { title: 'south only' });
    const other = await create(tech1, { title: 'north only' });
    const me = caller(tech2, ['own']);
    const page = await w.service.list(w.tenant, me, { limit: 200 });
    expect(page.items.every((i) => i.registrant === 'tech2')).toBe(true);
    expect(page.items.map((i) => i.id)).toContain(mine.id);
    expect((await failure(w.service.get(w.tenant, me, other.id))).code).toBe('NOT_FOUND');
    expect((await failure(w.service.get(w.tenant, me, 'not-a-uuid'))).code).toBe('NOT_FOUND');
    expect(await w.service.getMany(w.tenant, me, [mine.id, other.id])).toHaveLength(1);
  });

  it('shows participants the tickets they registered, accepted or handle; teams and org units theirs; admins all', async () => {
    const ticket = await w.service.create(w.tenant, caller(disp, ['all']), { type: 'repair', data: { title: 'assigned to tech2' }, team: 'hq', orgUnit: 'hq' });
    const dispatcher = caller(disp, ['all']);
    const assign = ticket.steps.find((s) => s.node === 'assign');
    expect(assign?.actions).toContain('assign');
    await w.service.act(w.tenant, dispatcher, ticket.id, { task: assign?.task as string, action: 'assign', input: { to: 'tech2' } });
    const participant = caller(tech2, ['participant']);
    const seen = await w.service.get(w.tenant, participant, ticket.id);
    const accept = seen.steps.find((s) => s.node === 'accept');
    expect(accept?.actions).toContain('accept');
    const accepted = await w.service.act(w.tenant, participant, ticket.id, { task: accept?.task as string, action: 'accept' });
    expect(accepted.participants).toEqual(
      expect.arrayContaining([
        { userId: 'tech2', role: 'acceptor' },
        { userId: 'disp', role: 'registrant' },
      ]),
    );
    expect((await failure(w.service.get(w.tenant, caller(tech1, ['participant']), ticket.id))).code).toBe('NOT_FOUND');

    const team = await w.service.list(w.tenant, caller({ id: 'lead', teams: ['hq'] }, ['team']), {});
    expect(team.items.map((i) => i.id)).toEqual([ticket.id]);
    const org = await w.service.list(w.tenant, caller({ id: 'boss', orgUnits: ['bj', 'bj-chaoyang'] }, ['orgUnit']), {});
    expect(new Set(org.items.map((i) => i.orgUnit))).toEqual(new Set(['bj']));
    const all = await w.service.list(w.tenant, admin(), { limit: 200 });
    expect(all.items.length).toBe(await count());
    const hidden = await w.service.list(w.tenant, caller(disp, ['all'], { hiddenTypes: ['repair'] }), {});
    expect(hidden.items).toEqual([]);
  });

  it('never returns nor accepts hidden fields, and masks sensitive ones without the permission', async () => {
    const made = await w.service.create(w.tenant, admin(), {
      type: 'repair',
      data: { title: 'phone', contactPhone: '13800138000', cost: { amount: '120.50', currency: 'CNY' } },
    });
    const restricted = caller(disp, ['all'], { fieldPermissions: { repair: { cost: 'hidden' } } });
    const seen = await w.service.get(w.tenant, restricted, made.id);
    expect(seen.data).toEqual({ title: 'phone', contactPhone: '138****8000' });
    expect(seen.editable).not.toContain('data.cost');
    expect((await w.service.get(w.tenant, admin(), made.id)).data).toMatchObject({ contactPhone: '13800138000', cost: { amount: '120.50', currency: 'CNY' } });
    const refused = await failure(
      w.service.update(w.tenant, restricted, made.id, { version: seen.version, data: { cost: { amount: '1.00', currency: 'CNY' } } }),
    );
    expect(refused).toMatchObject({
      code: 'FORM_INVALID',
      details: { errors: [expect.objectContaining({ pointer: '/data/cost', code: 'FIELD_NOT_EDITABLE' })] },
    });
    const createHidden = await failure(
      w.service.create(w.tenant, restricted, { type: 'repair', data: { title: 'x', cost: { amount: '1.00', currency: 'CNY' } } }),
    );
    expect(createHidden.details?.errors).toEqual([expect.objectContaining({ pointer: '/data/cost', code: 'FIELD_NOT_EDITABLE' })]);

    await w.service.update(w.tenant, admin(), made.id, { version: seen.version, data: { contactPhone: '13900139000' } });
    const history = await w.service.history(w.tenant, restricted, made.id);
    expect(JSON.stringify(history)).not.toContain('13900139000');
    expect(JSON.stringify(history)).not.toContain('13800138000');
    expect(history.at(-1)).toMatchObject({ action: 'ticket.update', changes: [{ field: 'data.contactPhone', before: '****', after: '****' }] });
  });

  it('refuses an update made from a stale version with CONFLICT and keeps the newer values', async () => {
    const made = await create(tech1, { title: 'first' });
    const me = caller(tech1, ['own']);
    const updated = await w.service.update(w.tenant, me, made.id, { version: made.version, data: { title: 'second', amount: 3 } });
    expect(updated).toMatchObject({ title: 'second', version: made.version + 1, data: { title: 'second', amount: 3 } });
    const stale = await failure(w.service.update(w.tenant, me, made.id, { version: made.version, data: { title: 'third' } }));
    expect(stale.code).toBe('CONFLICT');
    expect((await w.service.get(w.tenant, me, made.id)).title).toBe('second');
    expect(w.events.at(-1)).toMatchObject({ type: 'ticket.updated', details: { fields: ['title', 'data.title', 'data.amount'] } });
  });

  it('reassigns in bulk with one result per ticket, a bad id failing alone', async () => {
    const a = await create(tech1, { title: 'bulk a' });
    const b = await create(tech1, { title: 'bulk b' });
    const results = await w.service.bulkAssign(w.tenant, caller(disp, ['all']), [a.id, 'nope', b.id], 'tech2');
    expect(results).toEqual([
      { id: a.id, ok: true },
      { id: 'nope', ok: false, code: 'NOT_FOUND', message: expect.any(String) },
      { id: b.id, ok: true },
    ]);
    expect((await w.service.get(w.tenant, admin(), a.id)).assignee).toBe('tech2');
  });
});
