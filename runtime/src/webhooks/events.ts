import type { TicketEvent } from '../records/tickets-api.ts';

/** Every ticket event a subscription can name; kept equal to TicketEvent['type'] by the check below. */
export const TICKET_EVENT_TYPES = ['ticket.created', 'ticket.updated', 'ticket.action', 'ticket.commented', 'ticket.attached', 'ticket.erased'] as const;
type Missing = Exclude<TicketEvent['type'], (typeof TICKET_EVENT_TYPES)[number]>;
const _everyTicketEventListed: [Missing] extends [never] ? true : Missing = true;
void _everyTicketEventListed;

/** Sent by "test" on one subscription only, whatever its event types. */
export const PING_EVENT = 'webhook.ping';

/** What a subscription's `events` may hold: exact types, or `ticket.*` for every ticket event. */
export const WEBHOOK_EVENT_PATTERNS = [...TICKET_EVENT_TYPES, 'ticket.*'] as const;

/** The patterns a subscription must hold one of to receive `type`. */
export function patternsMatching(type: string): string[] {
  const dot = type.indexOf('.');
  return dot > 0 ? [type, `${type.slice(0, dot)}.*`] : [type];
}

/** The JSON body of every delivery; its exact bytes are what X-Docket-Signature signs. */
export interface WebhookPayload {
  /** The event id: equal across the subscriptions (and redeliveries) of one event, so receivers can deduplicate. */
  id: string;
  type: string;
  at: string;
  tenant: string;
  data: Record<string, unknown>;
}

export function ticketEventPayload(eventId: string, tenantId: string, event: TicketEvent): WebhookPayload {
  return {
    id: eventId,
    type: event.type,
    at: event.at,
    tenant: tenantId,
    data: { ticketId: event.ticketId, ticketType: event.ticketType, number: event.number, actor: event.actor, details: event.details },
  };
}
