/**
 * The authorization matrix, generated from the server's own route table: every /api route ×
 * (anonymous, resident, technician, team lead, admin) × (their own ticket, another team's,
 * another org unit's). Expected answers come from the route's declared rule, the persona's
 * grants and the persona's data scope; a route added without a schema or a rule, or with a
 * path parameter this file has no sample for, fails the test.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../platform/src/server.ts';
import { postgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { type SignedIn, signInAs, startTestServer, type TestServer } from '../support/server.ts';

const PERSONAS = ['anonymous', 'resident', 'technician', 'teamLead', 'admin'] as const;
type Persona = (typeof PERSONAS)[number];
const TICKETS = ['own', 'otherTeam', 'otherOrgUnit'] as const;
type TicketKind = (typeof TICKETS)[number];

/** Who sees which ticket: the data scopes of the core roles (customer: own, technician: participant, agent: team). */
const VISIBLE: Record<Exclude<Persona, 'anonymous'>, Record<TicketKind, boolean>> = {
  resident: { own: true, otherTeam: false, otherOrgUnit: false },
  technician: { own: true, otherTeam: false, otherOrgUnit: false },
  teamLead: { own: true, otherTeam: false, otherOrgUnit: false },
  admin: { own: true, otherTeam: true, otherOrgUnit: true },
};

/** Sample values for path parameters outside tickets: harmless (unknown ids answer 404 after authorization). */
const SAMPLE_PARAMS: Record<string, () => string> = {
  kind: () => 'ticketType',
  key: () => 'matrix',
  version: () => '1',
  number: () => '1',
  type: () => 'customer',
  id: () => randomUUID(),
  attachmentId: () => randomUUID(),
};
/** Bodies that pass validation for ticket routes, so the request reaches the data-scope check. */
const TICKET_BODIES: Record<string, unknown> = {
  'PATCH /api/tickets/:id': { version: 999_999 },
  'POST /api/tickets/:id/actions': { task: 'no-such-task', action: 'complete' },
  'POST /api/tickets/:id/comments': { body: 'matrix probe' },
  'POST /api/tickets/:id/rating': { rating: 5 },
  'POST /api/tickets/:id/time': { minutes: 5 },
};
/** Routes that end the caller's session run last. */
const LAST = new Set(['POST /api/auth/logout']);

const MATRIX_TYPE = {
  kind: 'ticketType',
  key: 'matrix',
  name: { en: 'Matrix' },
  category: 'event',
  process: 'general',
  form: { fields: [{ key: 'title', type: 'text', label: { en: 'Title' }, required: true }] },
  portal: { enabled: true, fields: ['title'] },
};

function multipart(): { payload: string; headers: Record<string, string> } {
  const boundary = 'matrixboundary';
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="probe.txt"\r\nContent-Type: text/plain\r\n\r\nprobe\r\n--${boundary}--\r\n`;
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('authorization matrix on PostgreSQL', () => {
  let t: TestDatabase;
  let server: TestServer;
  const who = {} as Record<Exclude<Persona, 'anonymous'>, SignedIn>;
  const tickets = {} as Record<TicketKind, { id: string; attachment: string }>;
  let grants = {} as Record<Exclude<Persona, 'anonymous'>, Set<string>>;

  beforeAll(async () => {
    t = await postgresTestDatabase();
    server = await startTestServer(t);
    who.admin = server.admin;
    const draft = await server.inject({ method: 'POST', url: '/api/definitions', payload: MATRIX_TYPE });
    expect(draft.statusCode, draft.body).toBe(201);
    const published = await server.inject({ method: 'POST', url: '/api/releases', payload: { note: 'matrix type' } });
    expect(published.statusCode, published.body).toBe(201);
    who.resident = await signInAs(server, t, { roles: ['customer'], name: 'Resident' });
    who.technician = await signInAs(server, t, { roles: ['technician'], teams: ['team-a'], orgUnits: ['ou-a'] });
    who.teamLead = await signInAs(server, t, { roles: ['agent'], teams: ['team-a'], orgUnits: ['ou-a'] });
    grants = Object.fromEntries(
      await Promise.all(Object.entries(who).map(async ([p, s]) => [p, new Set<string>((await server.inject('/api/me', s)).json().permissions)] as const)),
    ) as typeof grants;

    const create = async (as: SignedIn, team: string, orgUnit: string) => {
      const res = await server.inject(
        { method: 'POST', url: '/api/tickets', payload: { type: 'matrix', team, orgUnit, data: { title: `${team} ${orgUnit}` } } },
        as,
      );
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; steps: { task: string }[] };
    };
    const own = await create(who.resident, 'team-a', 'ou-a');
    const assign = await server.inject({
      method: 'POST',
      url: `/api/tickets/${own.id}/actions`,
      payload: { task: own.steps[0]?.task, action: 'assign', input: { to: who.technician.userId } },
    });
    expect(assign.statusCode, assign.body).toBe(200);
    const otherTeam = await create(who.admin, 'team-b', 'ou-a');
    const otherOrgUnit = await create(who.admin, 'team-c', 'ou-b');
    for (const [kind, ticket] of [
      ['own', own],
      ['otherTeam', otherTeam],
      ['otherOrgUnit', otherOrgUnit],
    ] as const) {
      const up = await server.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/attachments`, ...multipart() });
      expect(up.statusCode, up.body).toBe(201);
      tickets[kind] = { id: ticket.id, attachment: up.json().id };
    }
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  const routes = (): RouteEntry[] =>
    server.app.docketRoutes.filter((r) => !r.url.startsWith('/api/docs') && r.url !== '/api/openapi.json' && r.url !== '/api/graphql');

  it('has a schema and an authorization rule on every /api route', () => {
    const missing = routes().filter((r) => !r.auth || !r.hasSchema);
    expect(missing.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(routes().length).toBeGreaterThan(40);
  });

  it('keeps the anchors a reader can check by eye: residents never list users, technicians never publish', async () => {
    expect((await server.inject('/api/users', who.resident)).statusCode).toBe(403);
    expect((await server.inject({ method: 'POST', url: '/api/releases', payload: {} }, who.technician)).statusCode).toBe(403);
    expect((await server.inject(`/api/tickets/${tickets.otherOrgUnit.id}`, who.teamLead)).statusCode).toBe(404);
    expect((await server.inject(`/api/tickets/${tickets.otherOrgUnit.id}`, who.admin)).statusCode).toBe(200);
  });

  function expectation(route: RouteEntry, persona: Persona, ticket?: TicketKind): 'allow' | 401 | 403 | 404 {
    const rule = route.auth;
    if (!rule) throw new Error(`${route.method} ${route.url} has no rule`);
    if ('public' in rule) return 'allow';
    if (persona === 'anonymous') return 401;
    if ('resource' in rule && !grants[persona].has(`${rule.resource}:${rule.action}`)) return 403;
    if (ticket && !VISIBLE[persona][ticket]) return 404;
    return 'allow';
  }

  async function call(route: RouteEntry, persona: Persona, ticket?: TicketKind): Promise<LightMyRequestResponse> {
    const key = `${route.method} ${route.url}`;
    const url = route.url.replace(/:(\w+)/g, (_m, name: string) => {
      if (ticket && name === 'id') return tickets[ticket].id;
      if (ticket && name === 'attachmentId') return tickets[ticket].attachment;
      const sample = SAMPLE_PARAMS[name];
      if (!sample) throw new Error(`${key}: add a sample value for :${name} to SAMPLE_PARAMS`);
      return sample();
    });
    const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : (TICKET_BODIES[key] ?? {});
    const upload = key === 'POST /api/tickets/:id/attachments' ? multipart() : undefined;
    return server.inject(
      { method: route.method as 'GET', url, ...(upload ?? (body === undefined ? {} : { payload: body as object })) },
      persona === 'anonymous' ? null : who[persona],
    );
  }

  it('answers every route × persona × ticket as the rule, the grants and the data scope say', async () => {
    const failures: string[] = [];
    const ordered = [...routes().filter((r) => !LAST.has(`${r.method} ${r.url}`)), ...routes().filter((r) => LAST.has(`${r.method} ${r.url}`))];
    let checked = 0;
    for (const route of ordered) {
      const ticketRoute = route.url.startsWith('/api/tickets/:id');
      for (const persona of PERSONAS) {
        for (const ticket of ticketRoute ? TICKETS : [undefined]) {
          const expected = expectation(route, persona, ticket);
          const res = await call(route, persona, ticket);
          checked++;
          const code = res.headers['content-type']?.includes('json') ? (res.json() as { code?: string }).code : undefined;
          const denied = res.statusCode === 401 || res.statusCode === 403 || (ticketRoute && res.statusCode === 404 && code === 'NOT_FOUND');
          const ok =
            expected === 'allow'
              ? !denied && res.statusCode < 500
              : res.statusCode === expected &&
                (expected !== 403 || code === 'FORBIDDEN') &&
                res.headers['content-type']?.startsWith('application/problem+json');
          if (!ok)
            failures.push(
              `${route.method} ${route.url} as ${persona}${ticket ? ` on ${ticket}` : ''}: expected ${expected}, got ${res.statusCode} ${code ?? ''}`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(250);
  });
});
