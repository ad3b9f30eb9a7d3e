import { ForbiddenError, NotFoundError } from '@docket/runtime';
import type { RecordCaller, RecordDto, RecordPage, RecordQuery } from '@docket/runtime/records/records.ts';
import type { TicketCaller, TicketDetail, TicketListItem, TicketServiceApi } from '@docket/runtime/records/tickets-api.ts';
import type { FastifyRequest } from 'fastify';
import { type Action, can, type Principal, type Resource } from '../auth/rules.ts';
import { localeOf } from '../http/problem.ts';

/** What GraphQL reads records through: RecordService's get and list; getMany (any type, by id) batches relations when present. */
export interface GraphqlRecords {
  get(tenantId: string, caller: RecordCaller, typeKey: string, id: string): Promise<RecordDto>;
  list(tenantId: string, caller: RecordCaller, typeKey: string, query: RecordQuery): Promise<RecordPage>;
  getMany?(tenantId: string, caller: RecordCaller, ids: string[]): Promise<RecordDto[]>;
}

export interface GraphqlServices {
  tickets: TicketServiceApi;
  records: GraphqlRecords;
  /** Record types of Ticket.customer / Ticket.product, used when records.getMany is absent. */
  customerType: string;
  productType: string;
}

/** A ticket as resolvers pass it on: a list item, or a detail when one was read. */
export type TicketNode = TicketListItem | TicketDetail;

/** Per request: the caller and a memo of ticket details, so one ticket is read at most once per query. */
export interface GraphqlContext {
  principal: Principal | null;
  locale: 'zh-CN' | 'en';
  details: Map<string, Promise<TicketDetail | null>>;
}

export function requestContext(req: FastifyRequest): GraphqlContext {
  return { principal: req.principal ?? null, locale: localeOf(req), details: new Map() };
}

/** The caller, required: the route's auth rule already refused anonymous requests, so this is a guard. */
export function principalOf(ctx: GraphqlContext): Principal {
  if (!ctx.principal) throw new ForbiddenError('Sign in first', {}, 'UNAUTHENTICATED');
  return ctx.principal;
}

/** The same resource × action rule the REST routes declare. */
export function requirePermission(ctx: GraphqlContext, resource: Resource, action: Action): Principal {
  const p = principalOf(ctx);
  if (!can(p, resource, action)) throw new ForbiddenError(`This needs the permission ${resource}:${action}`, { required: `${resource}:${action}` });
  return p;
}

export const mayRead = (ctx: GraphqlContext, resource: Resource) => ctx.principal !== null && can(ctx.principal, resource, 'read');

export function ticketCaller(ctx: GraphqlContext): TicketCaller {
  const p = principalOf(ctx);
  return { actor: p.actor, access: p.access, locale: ctx.locale, portal: p.portal, ...(p.release ? { release: p.release } : {}) };
}

export function recordCaller(ctx: GraphqlContext): RecordCaller {
  const p = principalOf(ctx);
  return { userId: p.userId, viewSensitive: p.access.viewSensitive };
}

export const isDetail = (t: TicketNode): t is TicketDetail => 'version' in t && 'participants' in t;

/** The detail of a ticket (participants, steps, parent…), read once per request; null once out of scope. */
export function detailOf(services: GraphqlServices, ctx: GraphqlContext, ticket: TicketNode): Promise<TicketDetail | null> {
  if (isDetail(ticket)) return Promise.resolve(ticket);
  let found = ctx.details.get(ticket.id);
  if (!found) {
    found = services.tickets.get(principalOf(ctx).tenantId, ticketCaller(ctx), ticket.id).catch((e: unknown) => {
      if (e instanceof NotFoundError) return null;
      throw e;
    });
    ctx.details.set(ticket.id, found);
  }
  return found;
}

/** NOT_FOUND becomes null: GraphQL's way of saying "no such thing (for you)". */
export async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}
