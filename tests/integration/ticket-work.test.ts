/**
 * Work on a ticket through the real API on PostgreSQL: time records, the satisfaction rating
 * once the ticket is resolved (回访), an erase request for a customer's personal data, and
 * component usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createUser, startTestServer, type TestServer } from '../support/server.ts';

describe('ticket work on PostgreSQL', () => {
  let t: TestDatabase;
  let server: TestServer;
  let customerId: string;
  let ticketId: string;

  const act = async (action: string, input?: Record<string, unknown>) => {
    const detail = (await server.inject(`/api/tickets/${ticketId}`)).json();
    const step = detail.steps.find((s: { actions: string[] }) => s.actions.includes(action));
    expect(step, `${action} offered in ${JSON.stringify(detail.steps)}`).toBeDefined();
    const res = await server.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/actions`,
      payload: { task: step.task, action, ...(input ? { input } : {}) },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await postgresTestDatabase();
    server = await startTestServer(t);
    const customer = await server.inject({
      method: 'POST',
      url: '/api/records/customer',
      payload: { data: { code: 'C-9', name: '王五', type: 'personal', phone: '13912345678', idNumber: '11010519491231002X' } },
    });
    expect(customer.statusCode, customer.body).toBe(201);
    customerId = customer.json().id;
    const ticket = await server.inject({
      method: 'POST',
      url: '/api/tickets',
      payload: { type: 'general', customerId, data: { title: '空调不制冷', onSite: false, contactPhone: '13912345678', customer: customerId } },
    });
    expect(ticket.statusCode, ticket.body).toBe(201);
    ticketId = ticket.json().id;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it("moves a reassigned ticket to the new assignee's team, unless they are in its team or in none", async () => {
    const em = t.db.orm.em.fork();
    const north = await createUser(em, server.tenantId, { roles: ['technician'], teams: ['north'] });
    const south = await createUser(em, server.tenantId, { roles: ['technician'], teams: ['south'] });
    const both = await createUser(em, server.tenantId, { roles: ['technician'], teams: ['south', 'north'] });
    const loner = await createUser(em, server.tenantId, { roles: ['technician'] });
    const created = await server.inject({
      method: 'POST',
      url: '/api/tickets',
      payload: { type: 'general', team: 'north', data: { title: '电梯异响', onSite: false } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const reassign = async (to: string) => {
      const res = await server.inject({ method: 'POST', url: '/api/tickets/bulk/assign', payload: { ids: [id], assignee: to } });
      expect(res.json().results, res.body).toEqual([{ id, ok: true }]);
      const detail = (await server.inject(`/api/tickets/${id}`)).json();
      expect(detail.assignee).toBe(to);
      return detail.team;
    };
    expect(await reassign(north.id)).toBe('north');
    expect(await reassign(south.id)).toBe('south');
    expect(await reassign(both.id)).toBe('south');
    expect(await reassign(loner.id)).toBe('south');
    expect(await reassign(north.id)).toBe('north');
    // 转派 by hand: the owner's step handed over hands over the ticket and its team.
    const step = (await server.inject(`/api/tickets/${id}`)).json().steps.find((s: { actions: string[] }) => s.actions.includes('transfer'));
    const moved = await server.inject({
      method: 'POST',
      url: `/api/tickets/${id}/actions`,
      payload: { task: step.task, action: 'transfer', input: { to: south.id } },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ assignee: south.id, team: 'south' });
  });

  it("takes a priority only from the type's priorities dictionary, naming the field otherwise", async () => {
    const make = (priority: string) =>
      server.inject({ method: 'POST', url: '/api/tickets', payload: { type: 'general', priority, data: { title: '漏水', onSite: false } } });
    const urgent = await make('urgent');
    expect([urgent.statusCode, urgent.json().priority]).toEqual([201, 'urgent']);
    const bad = await make('critical');
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'priority', code: 'FIELD_OPTION' })]);
    const { id, version } = urgent.json();
    const changed = await server.inject({ method: 'PATCH', url: `/api/tickets/${id}`, payload: { version, priority: 'sometime' } });
    expect([changed.statusCode, changed.json().errors?.[0]?.code]).toEqual([400, 'FIELD_OPTION']);
    const lowered = await server.inject({ method: 'PATCH', url: `/api/tickets/${id}`, payload: { version, priority: 'low' } });
    expect([lowered.statusCode, lowered.json().priority]).toEqual([200, 'low']);
  });

  it('records time in minutes or as a start and end, and totals it', async () => {
    const a = await server.inject({ method: 'POST', url: `/api/tickets/${ticketId}/time`, payload: { minutes: 30, note: '排查' } });
    expect(a.statusCode, a.body).toBe(201);
    const b = await server.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/time`,
      payload: { startedAt: '2026-11-23T09:00:00+08:00', endedAt: '2026-11-23T10:15:00+08:00' },
    });
    expect(b.json().minutes).toBe(75);
    const backwards = await server.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/time`,
      payload: { startedAt: '2026-11-23T10:00:00Z', endedAt: '2026-11-23T09:00:00Z' },
    });
    expect([backwards.statusCode, backwards.json().code]).toEqual([400, 'TIME_RANGE_ORDER']);
    expect((await server.inject(`/api/tickets/${ticketId}/time`)).json().totalMinutes).toBe(105);
  });

  it('takes a rating only once the ticket is resolved', async () => {
    const early = await server.inject({ method: 'POST', url: `/api/tickets/${ticketId}/rating`, payload: { rating: 5 } });
    expect([early.statusCode, early.json().code]).toEqual([409, 'TICKET_NOT_RESOLVED']);
    await act('accept');
    await act('complete', { values: { 'receipt.resolution': '更换电容' } });
    const rated = await server.inject({ method: 'POST', url: `/api/tickets/${ticketId}/rating`, payload: { rating: 4.5, comment: '师傅很专业' } });
    expect(rated.statusCode, rated.body).toBe(200);
    expect((await server.inject(`/api/tickets/${ticketId}`)).json().rating).toBe(4.5);
    const odd = await server.inject({ method: 'POST', url: `/api/tickets/${ticketId}/rating`, payload: { rating: 4.3 } });
    expect(odd.statusCode).toBe(400);
  });

  it("erases a customer's sensitive values from the record and their tickets, and logs it", async () => {
    const res = await server.inject({ method: 'POST', url: `/api/records/customer/${customerId}/erase` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ record: expect.arrayContaining(['phone', 'idNumber']), tickets: 1, portalApplications: 0 });
    const record = (await server.inject(`/api/records/customer/${customerId}`)).json();
    expect(record.data.phone).toBeUndefined();
    expect(record.data.idNumber).toBeUndefined();
    expect((await server.inject(`/api/tickets/${ticketId}`)).json().data.contactPhone).toBeUndefined();
    const [stored] = await t.db.orm.em.fork().execute<{ data: Record<string, unknown> }[]>('select data from ticket where id = ?', [ticketId]);
    expect(JSON.stringify(stored?.data)).not.toContain('13912345678');
    const log = (await server.inject('/api/system-log')).json();
    expect(JSON.stringify(log)).toContain('personal-data.erased');
  });

  it('counts component usage for admins', async () => {
    const res = await server.inject('/api/components/usage');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([]);
  });
});
