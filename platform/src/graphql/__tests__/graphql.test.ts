import { fullAccess } from '@docket/runtime/records/access.ts';
import { RecordService } from '@docket/runtime/records/records.ts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRecordTypes } from '../../../../runtime/src/records/__tests__/records-fixtures.ts';
import { admin, caller, ticketWorld } from '../../../../runtime/src/records/__tests__/tickets-fixtures.ts';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { graphqlPlugin } from '../plugin.ts';
import { principal, testServer } from './harness.ts';

/** The real service, with every public call it receives written down (internal calls are not). */
function counted<T extends object>(name: string, target: T, calls: string[]): T {
  return new Proxy(target, {
    get(obj, key) {
      const value = Reflect.get(obj, key, obj);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${name}.${String(key)}`);
        return value.apply(obj, args);
      };
    },
  });
}

describe.each(BACKENDS)('GraphQL read API on %s', (_name, open) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const calls: string[] = [];
  let tenant: string;
  let parentId: string;
  let childIds: string[];
  const customers: string[] = [];

  beforeAll(async () => {
    t = await open();
    const world = await ticketWorld(t);
    tenant = world.tenant;
    await installRecordTypes(t, tenant);
    const records = new RecordService(t.db.orm);
    for (const [code, name] of [
      ['C1', 'Acme'],
      ['C2', 'Globex'],
    ]) {
      customers.push((await records.create(tenant, { userId: 'root', viewSensitive: true }, 'customer', { data: { code, name, type: 'company' } })).id);
    }
    const parent = await world.service.create(tenant, admin(), { type: 'repair', data: { title: 'Building A chillers' }, customerId: customers[0] });
    parentId = parent.id;
    childIds = [];
    for (const [i, customerId] of [customers[0], customers[1], customers[1]].entries()) {
      const child = await world.service.create(tenant, admin(), { type: 'repair', data: { title: `Chiller ${i + 1}` }, customerId, parentId });
      childIds.push(child.id);
    }
    await world.service.comment(tenant, admin(), parentId, { body: 'Parts ordered', visibility: 'internal' });

    const tech = caller({ id: 'tech' }, ['own']);
    app = await testServer(
      {
        root: principal(tenant, 'root', { admin: true, permissions: ['ticket:read', 'record:read'] }),
        nobody: principal(tenant, 'nobody', { permissions: ['ticket:read'], access: tech.access }),
        ticketsOnly: principal(tenant, 'ticketsOnly', { permissions: ['ticket:read'], access: { ...fullAccess('ticketsOnly'), viewSensitive: false } }),
      },
      async (server) => {
        await server.register(graphqlPlugin, {
          tickets: counted('tickets', world.service, calls),
          records: counted('records', records, calls),
          graphiql: false,
        });
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const gql = async (user: string | null, query: string, variables?: Record<string, unknown>) => {
    calls.length = 0;
    const res = await app.inject({ method: 'POST', url: '/api/graphql', headers: user ? { 'x-test-user': user } : {}, payload: { query, variables } });
    return { status: res.statusCode, body: res.json() };
  };

  it('refuses anonymous callers with 401 before running anything', async () => {
    const { status, body } = await gql(null, '{ me { id } }');
    expect(status).toBe(401);
    expect(body.code).toBe('UNAUTHENTICATED');
    expect(calls).toEqual([]);
  });

  it('tells the caller who they are', async () => {
    const { body } = await gql('root', '{ me { id tenantId admin permissions } }');
    expect(body.data.me).toEqual({ id: 'root', tenantId: tenant, admin: true, permissions: ['ticket:read', 'record:read'] });
  });

  it('lists tickets with their customers and parents, reading each relation once for the whole page', async () => {
    const { status, body } = await gql(
      'root',
      `{ tickets(type: "repair", first: 10) { nodes { id title customer { id title } parent { id title } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const nodes = body.data.tickets.nodes as { id: string; title: string; customer: { id: string; title: string }; parent: { id: string } | null }[];
    expect(nodes).toHaveLength(4);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.get(parentId)).toMatchObject({ title: 'Building A chillers', customer: { id: customers[0], title: 'Acme' }, parent: null });
    expect(childIds.map((id) => byId.get(id)?.parent?.id)).toEqual([parentId, parentId, parentId]);
    expect(childIds.map((id) => byId.get(id)?.customer.title)).toEqual(['Acme', 'Globex', 'Globex']);
    expect(body.data.tickets.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    // One list, one batched read of all parents; customers deduplicated (2 distinct of 4 tickets).
    expect(calls.filter((c) => c === 'tickets.list')).toHaveLength(1);
    expect(calls.filter((c) => c === 'tickets.getMany')).toHaveLength(1);
    expect(calls.filter((c) => c === 'records.get')).toHaveLength(2);
    expect(calls.filter((c) => c === 'tickets.get').length).toBeLessThanOrEqual(4);
  });

  it('reads one ticket with its children, comments, participants and steps', async () => {
    const { body } = await gql(
      'root',
      `query One($id: ID!) { ticket(id: $id) { id number version children { id parent { id } } comments { body visibility } participants { userId role } steps data } }`,
      { id: parentId },
    );
    expect(body.errors).toBeUndefined();
    const ticket = body.data.ticket;
    expect(ticket.children.map((c: { id: string }) => c.id).sort()).toEqual([...childIds].sort());
    expect(ticket.children.every((c: { parent: { id: string } }) => c.parent.id === parentId)).toBe(true);
    expect(ticket.comments).toEqual([{ body: 'Parts ordered', visibility: 'internal' }]);
    expect(ticket.participants).toContainEqual({ userId: 'root', role: 'registrant' });
    expect(ticket.steps.length).toBeGreaterThan(0);
    expect(ticket.data).toMatchObject({ title: 'Building A chillers' });
    expect(calls.filter((c) => c === 'tickets.get')).toHaveLength(1 + childIds.length);
  });

  it('reads the comments of a whole page of tickets at once', async () => {
    const { body } = await gql('root', `{ tickets(type: "repair", first: 10) { nodes { id comments { body } } } }`);
    expect(body.errors).toBeUndefined();
    const nodes = body.data.tickets.nodes as { id: string; comments: { body: string }[] }[];
    expect(nodes).toHaveLength(4);
    expect(nodes.find((n) => n.id === parentId)?.comments).toEqual([{ body: 'Parts ordered' }]);
    expect(nodes.filter((n) => n.id !== parentId).every((n) => n.comments.length === 0)).toBe(true);
    expect(calls.filter((c) => c === 'tickets.commentsOfMany')).toHaveLength(1);
    expect(calls.filter((c) => c === 'tickets.comments')).toHaveLength(0);
  });

  it('applies the same data scope as REST: out-of-scope tickets are null or absent', async () => {
    const { body } = await gql('nobody', `{ ticket(id: "${parentId}") { id } tickets(first: 50) { nodes { id } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ ticket: null, tickets: { nodes: [] } });
  });

  it('needs record:read for records; nested customers of such a caller are null, not errors', async () => {
    const denied = await gql('ticketsOnly', `{ records(type: "customer") { nodes { id } } }`);
    expect(denied.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const nested = await gql('ticketsOnly', `{ ticket(id: "${parentId}") { id customer { id } } }`);
    expect(nested.body).toEqual({ data: { ticket: { id: parentId, customer: null } } });
    const allowed = await gql(
      'root',
      `{ records(type: "customer", first: 1) { nodes { title } pageInfo { hasNextPage endCursor } } record(type: "customer", id: "${customers[1]}") { title } }`,
    );
    expect(allowed.body.data.records.nodes).toHaveLength(1);
    expect(allowed.body.data.records.pageInfo.hasNextPage).toBe(true);
    expect(allowed.body.data.record).toEqual({ title: 'Globex' });
  });

  it('refuses a query deeper than 8 levels before any resolver runs', async () => {
    const nested = 'parent { '.repeat(8) + 'id' + ' }'.repeat(8);
    const { status, body } = await gql('root', `{ ticket(id: "${parentId}") { ${nested} } }`);
    expect(status).toBe(400);
    expect(body.errors[0].extensions).toEqual({ code: 'GRAPHQL_DEPTH_LIMIT', depth: 10, limit: 8 });
    expect(calls).toEqual([]);
  });

  it('refuses a query that could return more than 10,000 objects, reading first from variables too', async () => {
    const query = `query Wide($n: Int) { tickets(first: $n) { nodes { children { comments { id body } } } } }`;
    const { status, body } = await gql('root', query, { n: 100 });
    expect(status).toBe(400);
    expect(body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_COST_LIMIT', limit: 10_000 });
    expect(calls).toEqual([]);
    const small = await gql('root', query, { n: 2 });
    expect(small.body.errors).toBeUndefined();
    const tooBig = await gql('root', '{ tickets(first: 500) { nodes { id } } }');
    expect(tooBig.body.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('ignores __proto__ and constructor keys in JSON variables and literals', async () => {
    const before = Object.keys(Object.prototype);
    const raw = `{"query":"query Q($f: [TicketFilterInput!]) { tickets(filters: $f) { nodes { id } } }","variables":{"f":[{"field":"title","op":"eq","value":{"__proto__":{"polluted":true}}}]}}`;
    const posted = await app.inject({
      method: 'POST',
      url: '/api/graphql',
      headers: { 'x-test-user': 'root', 'content-type': 'application/json' },
      payload: raw,
    });
    expect(posted.statusCode).toBeLessThan(500);
    const viaGet = await app.inject({
      method: 'GET',
      url: `/api/graphql?query=${encodeURIComponent('query Q($f: [TicketFilterInput!]) { tickets(filters: $f) { nodes { id } } }')}&variables=${encodeURIComponent('{"f":[{"field":"title","op":"eq","value":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}]}')}`,
      headers: { 'x-test-user': 'root' },
    });
    expect(viaGet.statusCode).toBeLessThan(500);
    const literal = await gql('root', '{ tickets(filters: [{field: "title", op: eq, value: {__proto__: {polluted: true}}}]) { nodes { id } } }');
    expect(literal.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual(before);
  });

  it('answers a missing ticket with null and a malformed query with a GraphQL error, never a 500', async () => {
    expect((await gql('root', '{ ticket(id: "0193a000-0000-7000-8000-000000000000") { id } }')).body).toEqual({ data: { ticket: null } });
    const bad = await gql('root', '{ ticket(id: 1) { nope } }');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.length).toBeGreaterThan(0);
    expect((await app.inject({ url: '/graphiql', headers: { 'x-test-user': 'root' } })).statusCode).toBe(404);
  });
});
