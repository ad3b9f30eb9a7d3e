import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { CORE_DEFINITIONS } from '../../platform/src/app.ts';
import { hashPassword } from '../../platform/src/auth/passwords.ts';
import type { AuthSettings } from '../../platform/src/auth/settings.ts';
import type { DocketContext } from '../../platform/src/context.ts';
import { buildServer } from '../../platform/src/server.ts';
import type { ServiceOptions } from '../../platform/src/services.ts';
import type { TestDatabase } from './databases.ts';

/** A signed-in caller: send `headers` with every request (the session cookie and the CSRF token). */
export interface SignedIn {
  userId: string;
  email: string;
  headers: Record<string, string>;
  cookie: string;
  csrfToken: string;
}

export interface TestServer {
  app: FastifyInstance;
  tenantId: string;
  slug: string;
  admin: SignedIn;
  /** app.inject as the admin (or as `who`); a string is a GET. */
  inject(request: string | InjectOptions, who?: SignedIn | null): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery';
let counter = 0;

export interface TestUser {
  email?: string;
  name?: string;
  password?: string;
  roles?: string[];
  teams?: string[];
  orgUnits?: string[];
  posts?: string[];
  managerId?: string;
  contactId?: string;
}

/**
 * Inserts a user straight into the tenant (no HTTP, no permission checks); teams, org units
 * and posts it names are created when missing (org units as roots). Returns its id and password.
 */
export async function createUser(em: EntityManager, tenantId: string, user: TestUser = {}): Promise<{ id: string; email: string; password: string }> {
  const id = uuidv7();
  const email = (user.email ?? `user${process.pid}-${++counter}@example.test`).toLowerCase();
  const password = user.password ?? TEST_PASSWORD;
  await em.execute(
    `insert into app_user (tenant_id, id, email, name, password_hash, roles, manager_id, contact_id)
     values (?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?, ?)`,
    [tenantId, id, email, user.name ?? email, await hashPassword(password), JSON.stringify(user.roles ?? []), user.managerId ?? null, user.contactId ?? null],
  );
  for (const k of user.orgUnits ?? []) {
    await em.execute(`insert into org_unit (tenant_id, key, name, path) values (?, ?, ?, ?) on conflict do nothing`, [tenantId, k, k, `/${k}/`]);
    await em.execute('insert into org_unit_member (tenant_id, org_unit, user_id) values (?, ?, ?)', [tenantId, k, id]);
  }
  for (const k of user.teams ?? []) {
    await em.execute('insert into team (tenant_id, key, name) values (?, ?, ?) on conflict do nothing', [tenantId, k, k]);
    await em.execute('insert into team_member (tenant_id, team, user_id) values (?, ?, ?)', [tenantId, k, id]);
  }
  for (const k of user.posts ?? []) {
    await em.execute('insert into post (tenant_id, key, name) values (?, ?, ?) on conflict do nothing', [tenantId, k, k]);
    await em.execute('insert into user_post (tenant_id, post, user_id) values (?, ?, ?)', [tenantId, k, id]);
  }
  return { id, email, password };
}

/** Signs in through POST /api/auth/login; throws with the problem body when refused. */
export async function signIn(app: FastifyInstance, email: string, password = TEST_PASSWORD, tenant?: string): Promise<SignedIn> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password, ...(tenant ? { tenant } : {}) } });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${email} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'docket_session')?.value as string;
  const body = res.json() as { user: { id: string }; csrfToken: string };
  return {
    userId: body.user.id,
    email,
    cookie,
    csrfToken: body.csrfToken,
    headers: { cookie: `docket_session=${cookie}`, 'x-csrf-token': body.csrfToken },
  };
}

/** A user with `roles` (and org data), signed in to the server's tenant. */
export async function signInAs(server: Pick<TestServer, 'app' | 'tenantId' | 'slug'>, t: TestDatabase, user: TestUser = {}): Promise<SignedIn> {
  const made = await createUser(t.db.orm.em.fork(), server.tenantId, user);
  return signIn(server.app, made.email, made.password, server.slug);
}

/**
 * A server over a fresh tenant (core definitions published unless `core: false`) with a signed-in
 * admin. The login rate limit is lifted unless `auth` sets one.
 */
export async function startTestServer(
  t: TestDatabase,
  options: {
    core?: boolean;
    auth?: Partial<AuthSettings>;
    slug?: string;
    ctx?: Partial<DocketContext>;
    services?: Partial<ServiceOptions>;
    trustProxy?: number | string[];
  } = {},
): Promise<TestServer> {
  const slug = options.slug ?? `srv${process.pid}-${++counter}`;
  const tenantId = await t.newTenant(slug);
  if (options.core !== false) await t.store.importFolder(tenantId, CORE_DEFINITIONS, { actor: 'system', origin: { type: 'core', name: 'docket' } });
  const app = await buildServer(
    { db: t.db, definitions: t.store, tenantId, version: 'test', ...options.ctx },
    {
      auth: { loginRateLimit: 10_000, ...options.auth },
      serviceOptions: { dataDir: t.dataDir, allowPrivateWebhookTargets: true, ...options.services },
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    },
  );
  const server = { app, tenantId, slug };
  const admin = await signInAs(server, t, { roles: ['admin'], name: 'Admin' });
  return {
    ...server,
    admin,
    inject(request, who = admin) {
      const opts: InjectOptions = typeof request === 'string' ? { method: 'GET', url: request } : request;
      return app.inject({ ...opts, headers: { ...(who ? who.headers : {}), ...(opts.headers ?? {}) } });
    },
    close: () => app.close(),
  };
}
