import type { ACTIONS, RESOURCES } from '@docket/runtime/definitions/kinds/role.ts';
import type { Actor } from '@docket/runtime/process/index.ts';
import type { TicketAccess } from '@docket/runtime/records/access.ts';

export type Resource = (typeof RESOURCES)[number];
export type Action = (typeof ACTIONS)[number];

/**
 * Every route declares exactly one of these in `config.auth`; the server refuses to
 * start with a route that has none (platform/src/auth/plugin.ts), and the
 * authorization-matrix test reads the same table.
 * - public:        anyone, no session needed (health, login)
 * - authenticated: any signed-in user (GET /api/me, logout); data rules still apply inside
 * - resource × action: the caller's roles must grant it (admins always pass)
 */
export type AuthRule = { public: true } | { authenticated: true } | { resource: Resource; action: Action };

/** The signed-in caller, computed once per request from the session or API token. */
export interface Principal {
  tenantId: string;
  userId: string;
  email: string;
  name: string;
  /** Role definition keys. */
  roles: string[];
  /** Team, org unit (own units only; access.orgUnits has descendants) and post keys. */
  teams: string[];
  orgUnits: string[];
  posts: string[];
  admin: boolean;
  /** A customer / resident signed in to the portal. */
  portal: boolean;
  /** The contact record a portal user is linked to. */
  contactId: string | null;
  via: 'session' | 'token';
  /** For API tokens: the "resource:action" grants the token was limited to. */
  tokenScopes: string[] | null;
  /** Resource × action grants after token scoping ("ticket:read"). */
  permissions: ReadonlySet<string>;
  /** Data scopes and field permissions for ticket queries. */
  access: TicketAccess;
  /** The same person as the process engine sees them. */
  actor: Actor;
  /** The tenant's newest release when the request signed in (null before the first publish). */
  release: number | null;
}

export function can(principal: Principal, resource: Resource, action: Action): boolean {
  return principal.admin && principal.tokenScopes === null ? true : principal.permissions.has(`${resource}:${action}`);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthRule;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
