import { InputError } from '@docket/runtime';
import type { RecordFilter } from '@docket/runtime/records/records.ts';
import type { TicketDetail, TicketFilter, TicketListView, TicketQuery } from '@docket/runtime/records/tickets-api.ts';
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import {
  detailOf,
  type GraphqlContext,
  type GraphqlServices,
  orNull,
  principalOf,
  recordCaller,
  requirePermission,
  type TicketNode,
  ticketCaller,
} from './context.ts';
import { MAX_PAGE } from './limits.ts';

/** Keys that could reach an object's prototype if a later merge is careless: never let them in. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A deep copy of plain JSON with prototype-reaching keys dropped. */
export function cleanJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!FORBIDDEN_KEYS.has(k)) out[k] = cleanJson(v);
    return out;
  }
  return value;
}

function literal(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (node.kind) {
    case Kind.NULL:
      return null;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.LIST:
      return node.values.map((v) => literal(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[node.name.value];
  }
}

export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: cleanJson,
  parseLiteral: (node, variables) => cleanJson(literal(node, variables)),
});

function pageSize(first: number | null | undefined): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new InputError('VALIDATION_FAILED', `first must be between 1 and ${MAX_PAGE}`, {
      errors: [{ field: 'first', pointer: '/first', code: 'OUT_OF_RANGE', message: `1 to ${MAX_PAGE}` }],
    });
  }
  return n;
}

interface TicketsArgs {
  type?: string | null;
  view?: TicketListView | null;
  statusCategory?: string[] | null;
  search?: string | null;
  filters?: { field: string; op: TicketFilter['op']; value?: unknown }[] | null;
  sort?: { field: string; direction: 'asc' | 'desc' } | null;
  first?: number | null;
  after?: string | null;
}

interface RecordsArgs {
  type: string;
  search?: string | null;
  filters?: { field: string; op: RecordFilter['op']; value?: unknown }[] | null;
  first?: number | null;
  after?: string | null;
}

/** Drops GraphQL's explicit nulls, so the services see "not given" as they do from REST. */
const given = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: NonNullable<T[K]> };

/** A field only the detail view carries, read (once per ticket and request) when the node is a list item. */
const fromDetail =
  <K extends keyof TicketDetail>(services: GraphqlServices, key: K, fallback: TicketDetail[K]) =>
  async (obj: TicketNode, _args: unknown, ctx: GraphqlContext): Promise<TicketDetail[K]> => {
    const detail = await detailOf(services, ctx, obj);
    return detail ? detail[key] : fallback;
  };

export function resolvers(services: GraphqlServices) {
  const { tickets, records } = services;
  return {
    JSON: JsonScalar,
    Query: {
      me: (_root: unknown, _args: unknown, ctx: GraphqlContext) => {
        const p = principalOf(ctx);
        return {
          id: p.userId,
          tenantId: p.tenantId,
          email: p.email,
          name: p.name,
          roles: p.roles,
          teams: p.teams,
          orgUnits: p.orgUnits,
          admin: p.admin,
          permissions: [...p.permissions],
        };
      },
      ticket: async (_root: unknown, args: { id: string }, ctx: GraphqlContext) => {
        const p = requirePermission(ctx, 'ticket', 'read');
        const found = orNull(tickets.get(p.tenantId, ticketCaller(ctx), args.id));
        ctx.details.set(args.id, found);
        return found;
      },
      tickets: async (_root: unknown, args: TicketsArgs, ctx: GraphqlContext) => {
        const p = requirePermission(ctx, 'ticket', 'read');
        const a = given(args);
        const query: TicketQuery = {
          ...(a.type ? { type: a.type } : {}),
          ...(a.view ? { view: a.view } : {}),
          ...(a.statusCategory ? { statusCategory: a.statusCategory } : {}),
          ...(a.search ? { search: a.search } : {}),
          ...(a.filters ? { filters: a.filters.map((f) => given(f) as TicketFilter) } : {}),
          ...(a.sort ? { sort: { field: a.sort.field, direction: a.sort.direction ?? 'asc' } } : {}),
          ...(a.after ? { cursor: a.after } : {}),
          limit: pageSize(args.first),
        };
        const page = await tickets.list(p.tenantId, ticketCaller(ctx), query);
        return { nodes: page.items, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
      },
      record: async (_root: unknown, args: { type: string; id: string }, ctx: GraphqlContext) => {
        const p = requirePermission(ctx, 'record', 'read');
        return orNull(records.get(p.tenantId, recordCaller(ctx), args.type, args.id));
      },
      records: async (_root: unknown, args: RecordsArgs, ctx: GraphqlContext) => {
        const p = requirePermission(ctx, 'record', 'read');
        const a = given(args);
        const page = await records.list(p.tenantId, recordCaller(ctx), args.type, {
          ...(a.search ? { search: a.search } : {}),
          ...(a.filters ? { filters: a.filters.map((f) => given(f) as RecordFilter) } : {}),
          ...(a.after ? { cursor: a.after } : {}),
          limit: pageSize(args.first),
        });
        return { nodes: page.items, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
      },
    },
    Ticket: {
      description: fromDetail(services, 'description', null),
      channel: fromDetail(services, 'channel', null),
      closedAt: fromDetail(services, 'closedAt', null),
      version: fromDetail(services, 'version', 0),
      components: fromDetail(services, 'components', {}),
      participants: fromDetail(services, 'participants', []),
      steps: fromDetail(services, 'steps', []),
    },
  };
}
