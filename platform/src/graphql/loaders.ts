import type { RecordDto } from '@docket/runtime/records/records.ts';
import type { TicketComment, TicketListItem } from '@docket/runtime/records/tickets-api.ts';
import { detailOf, type GraphqlContext, type GraphqlServices, mayRead, orNull, principalOf, recordCaller, type TicketNode, ticketCaller } from './context.ts';

/**
 * Relations, batched by mercurius: every Ticket.parent of one query is collected and resolved with
 * one getMany, likewise children, customers and products. Tickets or records outside the
 * caller's scope simply come back null (or are left out of lists), as in REST.
 */
type Query = { obj: TicketNode };
type Loader<T> = (queries: Query[], ctx: GraphqlContext) => Promise<T[]>;

const unique = (ids: (string | null | undefined)[]) => [...new Set(ids.filter((id): id is string => typeof id === 'string'))];

export function ticketLoaders(services: GraphqlServices) {
  const { tickets, records } = services;

  const ticketsById = async (ctx: GraphqlContext, ids: string[]): Promise<Map<string, TicketListItem>> => {
    if (ids.length === 0) return new Map();
    const found = await tickets.getMany(principalOf(ctx).tenantId, ticketCaller(ctx), ids);
    return new Map(found.map((t) => [t.id, t]));
  };

  /** Records by id; per type and id through `get` when the record service has no getMany. */
  const recordsById = async (ctx: GraphqlContext, ids: string[], type: string): Promise<Map<string, RecordDto>> => {
    if (ids.length === 0 || !mayRead(ctx, 'record')) return new Map();
    const tenantId = principalOf(ctx).tenantId;
    const found = records.getMany
      ? await records.getMany(tenantId, recordCaller(ctx), ids)
      : (await Promise.all(ids.map((id) => orNull(records.get(tenantId, recordCaller(ctx), type, id))))).filter((r): r is RecordDto => r !== null);
    return new Map(found.map((r) => [r.id, r]));
  };

  const parent: Loader<TicketListItem | null> = async (queries, ctx) => {
    const parentIds = await Promise.all(queries.map(async ({ obj }) => (await detailOf(services, ctx, obj))?.parentId ?? null));
    const byId = await ticketsById(ctx, unique(parentIds));
    return parentIds.map((id) => (id ? (byId.get(id) ?? null) : null));
  };

  const children: Loader<TicketListItem[]> = async (queries, ctx) => {
    const childIds = await Promise.all(queries.map(async ({ obj }) => (await detailOf(services, ctx, obj))?.children ?? []));
    const byId = await ticketsById(ctx, unique(childIds.flat()));
    return childIds.map((ids) => ids.flatMap((id) => byId.get(id) ?? []));
  };

  const customer: Loader<RecordDto | null> = async (queries, ctx) => {
    const ids = queries.map(({ obj }) => obj.customerId);
    const byId = await recordsById(ctx, unique(ids), services.customerType);
    return ids.map((id) => (id ? (byId.get(id) ?? null) : null));
  };

  const product: Loader<RecordDto | null> = async (queries, ctx) => {
    const ids = await Promise.all(queries.map(async ({ obj }) => (await detailOf(services, ctx, obj))?.productId ?? null));
    const byId = await recordsById(ctx, unique(ids), services.productType);
    return ids.map((id) => (id ? (byId.get(id) ?? null) : null));
  };

  const comments: Loader<TicketComment[]> = async (queries, ctx) => {
    const byTicket = await tickets.commentsOfMany(
      principalOf(ctx).tenantId,
      ticketCaller(ctx),
      queries.map(({ obj }) => obj.id),
    );
    return queries.map(({ obj }) => byTicket.get(obj.id) ?? []);
  };

  return { Ticket: { parent, children, customer, product, comments } };
}
