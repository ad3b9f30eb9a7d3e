import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../tests/support/databases.ts';
import { createUser, type SignedIn, signIn, signInAs, startTestServer, TEST_PASSWORD, type TestServer } from '../../../tests/support/server.ts';

const login = (s: TestServer, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { tenant: s.slug, ...body }, headers });
const draft = (key: string) => ({ kind: 'dictionary', key, name: { en: key }, items: [{ value: 'a', label: { en: 'a' } }] });

describe.each(BACKENDS)('sign-in, sessions, CSRF and tokens on %s', (_name, open) => {
  let t: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    t = await open();
    s = await startTestServer(t, { auth: { lockoutAttempts: 3, lockoutMs: 60_000 } });
  });
  afterAll(async () => {
    await s?.close();
    await t?.close();
  });
  const em = () => t.db.orm.em.fork();

  it('signs in with an HTTP-only SameSite=Lax cookie, shows the user on /api/me, and signs out', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'], teams: ['desk'], orgUnits: ['north'], posts: ['dispatcher'] });
    const res = await login(s, { email: user.email.toUpperCase(), password: user.password });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'docket_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    const body = res.json();
    expect(body).toMatchObject({ user: { id: user.id, email: user.email }, roles: ['agent'], teams: ['desk'], orgUnits: ['north'], posts: ['dispatcher'] });
    expect(body.permissions).toEqual(expect.arrayContaining(['ticket:read', 'ticket:create']));
    const headers = { cookie: `docket_session=${cookie?.value}`, 'x-csrf-token': body.csrfToken };
    const me = await s.app.inject({ url: '/api/me', headers });
    expect([me.statusCode, me.json().user.id, me.json().csrfToken]).toEqual([200, user.id, body.csrfToken]);

    const out = await s.app.inject({ method: 'POST', url: '/api/auth/logout', headers });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'docket_session')?.value).toBe('');
    const after = await s.app.inject({ url: '/api/me', headers });
    expect([after.statusCode, after.json().code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('marks the cookie Secure when DOCKET_COOKIE_SECURE says TLS ends at a proxy, not on plain HTTP', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    const res = await login(s, { email: user.email, password: user.password }, { 'x-forwarded-proto': 'https' });
    // Without trustProxy the header is ignored; a server behind TLS sets DOCKET_COOKIE_SECURE instead.
    expect(res.cookies[0]?.secure).toBeFalsy();
    const secure = await startTestServer(t, { auth: { cookieSecure: true } });
    const again = await secure.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: secure.admin.email, password: TEST_PASSWORD, tenant: secure.slug },
    });
    expect(again.cookies[0]?.secure).toBe(true);
    await secure.close();
  });

  it('answers a wrong password and an unknown email the same way: 401 INVALID_CREDENTIALS', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    const wrong = await login(s, { email: user.email, password: 'not the password' });
    const unknown = await login(s, { email: 'nobody@example.test', password: 'not the password' });
    const otherTenant = await login(s, { email: user.email, password: user.password, tenant: 'no-such-tenant' });
    for (const r of [wrong, unknown, otherTenant]) {
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
      const { instance: _i, ...shape } = r.json();
      expect(shape).toEqual({
        type: 'urn:docket:error:INVALID_CREDENTIALS',
        title: 'Unauthorized',
        status: 401,
        code: 'INVALID_CREDENTIALS',
        detail: 'The email or password is wrong',
      });
      expect(r.cookies).toEqual([]);
    }
  });

  it('locks an account after repeated failures, refusing even the right password until the lock ends', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    for (let i = 0; i < 3; i++) expect((await login(s, { email: user.email, password: `wrong-${i}` })).json().code).toBe('INVALID_CREDENTIALS');
    const locked = await login(s, { email: user.email, password: user.password });
    expect([locked.statusCode, locked.json().code]).toEqual([429, 'ACCOUNT_LOCKED']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const listed = await s.inject(`/api/users/${user.id}`);
    expect(listed.json().lockedUntil).not.toBeNull();
    // Once the lock has passed, the right password works and the counter starts over.
    await em().execute(`update app_user set locked_until = now() - interval '1 second' where id = ?`, [user.id]);
    expect((await login(s, { email: user.email, password: user.password })).statusCode).toBe(200);
  });

  it('answers guesses at an email that is no account exactly as at a real one, lockout included', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    const ghost = `nobody-${user.id}@example.test`;
    const answers = async (email: string) => {
      const out: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await login(s, { email, password: `wrong-${i}` });
        out.push([r.statusCode, r.json().code, r.headers['retry-after'] !== undefined]);
      }
      return out;
    };
    const real = await answers(user.email);
    expect(real.at(-1)).toEqual([429, 'ACCOUNT_LOCKED', true]);
    expect(await answers(ghost)).toEqual(real);
  });

  it('rate-limits login attempts per client address with 429 RATE_LIMITED', async () => {
    const limited = await startTestServer(t, { auth: { loginRateLimit: 3 } });
    const attempt = (ip: string) =>
      limited.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: ip,
        payload: { email: 'x@example.test', password: 'nope', tenant: limited.slug },
      });
    for (let i = 0; i < 3; i++) expect((await attempt('10.9.9.9')).statusCode).toBe(401);
    const blocked = await attempt('10.9.9.9');
    expect([blocked.statusCode, blocked.json().code]).toEqual([429, 'RATE_LIMITED']);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await attempt('10.9.9.10')).statusCode).toBe(401);
    await limited.close();
  });

  it('limits each client behind a trusted proxy by its forwarded address, and ignores the header from anyone else', async () => {
    const attempt = (server: Awaited<ReturnType<typeof startTestServer>>, from: string, forwarded: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: from,
        headers: { 'x-forwarded-for': forwarded },
        payload: { email: 'x@example.test', password: 'nope', tenant: server.slug },
      });
    const proxied = await startTestServer(t, { auth: { loginRateLimit: 2 }, trustProxy: ['10.0.0.0/8'] });
    for (let i = 0; i < 2; i++) expect((await attempt(proxied, '10.0.0.5', '203.0.113.7')).statusCode).toBe(401);
    expect((await attempt(proxied, '10.0.0.5', '203.0.113.7')).statusCode).toBe(429);
    // Another customer behind the same proxy is not locked out with the first.
    expect((await attempt(proxied, '10.0.0.5', '198.51.100.20')).statusCode).toBe(401);
    // A client talking to the server directly cannot pick its address with the header.
    for (let i = 0; i < 2; i++) expect((await attempt(proxied, '192.0.2.1', `192.0.2.${100 + i}`)).statusCode).toBe(401);
    expect((await attempt(proxied, '192.0.2.1', '192.0.2.200')).statusCode).toBe(429);
    await proxied.close();
  });

  it('never adopts a cookie set before sign-in (session fixation)', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    const victim = await signIn(s.app, user.email, user.password, s.slug);
    // The planted value is a real session of the same user; signing in again must replace it, not reuse it.
    const res = await login(s, { email: user.email, password: user.password }, { cookie: `docket_session=${victim.cookie}` });
    const fresh = res.cookies.find((c) => c.name === 'docket_session')?.value;
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(victim.cookie);
    expect((await s.app.inject({ url: '/api/me', headers: { cookie: `docket_session=${victim.cookie}` } })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/api/me', headers: { cookie: `docket_session=${fresh}` } })).statusCode).toBe(200);
    const forged = `${s.tenantId.replaceAll('-', '')}.${'A'.repeat(43)}`;
    const planted = await login(s, { email: user.email, password: user.password }, { cookie: `docket_session=${forged}` });
    expect(planted.cookies.find((c) => c.name === 'docket_session')?.value).not.toBe(forged);
  });

  it('refuses cookie-authenticated changes without the x-csrf-token header; bearer tokens need none', async () => {
    const noHeader = await s.app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { cookie: s.admin.headers.cookie as string },
      payload: draft('csrf-a'),
    });
    expect([noHeader.statusCode, noHeader.json().code]).toEqual([403, 'CSRF_MISMATCH']);
    const badHeader = await s.inject({ method: 'POST', url: '/api/definitions', headers: { 'x-csrf-token': 'guess' }, payload: draft('csrf-a') });
    expect([badHeader.statusCode, badHeader.json().code]).toEqual([403, 'CSRF_MISMATCH']);
    expect((await s.inject({ method: 'POST', url: '/api/definitions', payload: draft('csrf-a') })).statusCode).toBe(201);
    // Reads need no header.
    expect((await s.app.inject({ url: '/api/definitions', headers: { cookie: s.admin.headers.cookie as string } })).statusCode).toBe(200);

    const token = (await s.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'ci', scopes: ['definition:update'] } })).json().token;
    const viaToken = await s.app.inject({ method: 'POST', url: '/api/definitions', headers: { authorization: `Bearer ${token}` }, payload: draft('csrf-b') });
    expect(viaToken.statusCode).toBe(201);
  });

  it('limits a token to its scopes (a read-only token cannot publish) and stops it once revoked', async () => {
    const created = await s.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'reader', scopes: ['definition:read', 'release:read'] } });
    expect(created.statusCode).toBe(201);
    const { token, info } = created.json();
    expect(token).toMatch(/^dkt_[0-9a-f]{32}\.[\w-]{43}$/);
    expect(info).toMatchObject({ name: 'reader', scopes: ['definition:read', 'release:read'], hint: token.slice(-4), revokedAt: null });
    const bearer = { authorization: `Bearer ${token}` };
    expect((await s.app.inject({ url: '/api/releases', headers: bearer })).statusCode).toBe(200);
    const publish = await s.app.inject({ method: 'POST', url: '/api/releases', headers: bearer, payload: {} });
    expect([publish.statusCode, publish.json().code, publish.json().required]).toEqual([403, 'FORBIDDEN', 'release:publish']);
    const me = (await s.app.inject({ url: '/api/me', headers: bearer })).json();
    expect([me.via, me.permissions, me.csrfToken]).toEqual(['token', ['definition:read', 'release:read'], null]);

    const listed = (await s.inject('/api/tokens')).json().items;
    expect(JSON.stringify(listed)).not.toContain(token);
    const revoked = await s.inject({ method: 'DELETE', url: `/api/tokens/${info.id}` });
    expect(revoked.json().revokedAt).not.toBeNull();
    const after = await s.app.inject({ url: '/api/releases', headers: bearer });
    expect([after.statusCode, after.json().code]).toEqual([401, 'UNAUTHENTICATED']);
    expect((await s.app.inject({ url: '/api/releases', headers: { authorization: 'Bearer dkt_garbage' } })).statusCode).toBe(401);
  });

  it('refuses token scopes the owner does not hold, unknown scopes and past expiry dates, naming each', async () => {
    const agent = await signInAs(s, t, { roles: ['agent'] });
    const asAgent = (payload: object) => s.inject({ method: 'POST', url: '/api/tokens', payload }, agent);
    const forbidden = await asAgent({ name: 'x', scopes: ['ticket:read'] });
    // The agent role has no apiToken:create: tokens are for those who were given them.
    expect([forbidden.statusCode, forbidden.json().required]).toEqual([403, 'apiToken:create']);
    const bad = await s.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'x', scopes: ['ticket:read', 'nothing:here'], expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code])).toEqual([
      ['/scopes/1', 'UNKNOWN_SCOPE'],
      ['/expiresAt', 'EXPIRY_IN_PAST'],
    ]);
    const expiring = await s.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'soon', scopes: ['release:read'], expiresAt: new Date(Date.now() + 60_000).toISOString() },
    });
    const { token, info } = expiring.json();
    await em().execute(`update api_token set expires_at = now() - interval '1 second' where id = ?`, [info.id]);
    expect((await s.app.inject({ url: '/api/releases', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  it('changes a password: the old one stops working, other sessions end, this one stays', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    const here: SignedIn = await signIn(s.app, user.email, user.password, s.slug);
    const elsewhere = await signIn(s.app, user.email, user.password, s.slug);
    const change = (body: object) => s.inject({ method: 'POST', url: '/api/me/password', payload: body }, here);
    const wrong = await change({ currentPassword: 'nope', newPassword: 'a brand new secret' });
    expect([wrong.statusCode, wrong.json().errors[0].pointer]).toEqual([400, '/currentPassword']);
    const short = await change({ currentPassword: user.password, newPassword: 'short' });
    expect([short.statusCode, short.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await change({ currentPassword: user.password, newPassword: 'a brand new secret' })).statusCode).toBe(204);
    expect((await s.inject('/api/me', here)).statusCode).toBe(200);
    expect((await s.inject('/api/me', elsewhere)).statusCode).toBe(401);
    expect((await login(s, { email: user.email, password: user.password })).statusCode).toBe(401);
    expect((await login(s, { email: user.email, password: 'a brand new secret' })).statusCode).toBe(200);
  });

  it('after an admin reset the user must change the password before doing anything else', async () => {
    const user = await createUser(em(), s.tenantId, { roles: ['agent'] });
    expect((await s.inject({ method: 'POST', url: `/api/users/${user.id}/password`, payload: { password: 'temporary secret 1' } })).statusCode).toBe(204);
    const session = await signIn(s.app, user.email, 'temporary secret 1', s.slug);
    expect((await s.inject('/api/me', session)).json().user.mustChangePassword).toBe(true);
    const blocked = await s.inject('/api/definitions', session);
    expect([blocked.statusCode, blocked.json().code]).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    await s.inject({ method: 'POST', url: '/api/me/password', payload: { currentPassword: 'temporary secret 1', newPassword: 'my own secret 22' } }, session);
    expect((await s.inject('/api/me', session)).json().user.mustChangePassword).toBe(false);
  });

  it('asks for the tenant only when the deployment hosts several', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.admin.email, password: TEST_PASSWORD } });
    expect([res.statusCode, res.json().code, res.json().errors[0].pointer]).toEqual([400, 'TENANT_REQUIRED', '/tenant']);
  });
});
