import type { DATA_SCOPES } from '../definitions/kinds/ticket-type.ts';

export type DataScope = (typeof DATA_SCOPES)[number];

/**
 * What a caller may see and change of tickets. platform/src/auth computes it once per
 * request from the caller's role definitions; every ticket query and write in
 * runtime/src/records takes it, so the list, detail, export and GraphQL paths share
 * one authorization rule.
 *
 * Data scopes (a union over the caller's roles; a ticket is visible when any matches):
 * - own:         the caller registered the ticket or is its assignee
 * - participant: the caller has any row in ticket_participant for the ticket
 * - team:        the ticket's team is one of `teams` (or own)
 * - orgUnit:     the ticket's org unit is one of `orgUnits` (descendants already expanded) (or own)
 * - all:         every ticket of the type
 */
export interface TicketAccess {
  userId: string;
  /** Team keys the caller belongs to. */
  teams: string[];
  /** Org unit keys the caller belongs to, with all their descendants. */
  orgUnits: string[];
  /** Scopes per ticket type key. A type with no entry falls back to `defaultScopes`. */
  scopes: Record<string, DataScope[]>;
  /** Scopes for types not named in `scopes`; empty = those types are invisible. */
  defaultScopes: DataScope[];
  /** Ticket types the caller may not see at all (role / ticket-type visibility), whatever the scopes say. */
  hiddenTypes: string[];
  /** Per ticket type key, per field key: role field permissions ('hidden' fields are never returned nor writable). */
  fieldPermissions: Record<string, Record<string, 'hidden' | 'read' | 'edit'>>;
  /** May see values of fields flagged `sensitive` unmasked. */
  viewSensitive: boolean;
  /** May create / update tickets at all (role permission ticket:create / ticket:update). */
  canCreate: boolean;
  canUpdate: boolean;
}

/** An access that sees everything: system jobs, the CLI, and tests of the runtime alone. */
export function fullAccess(userId = 'system'): TicketAccess {
  return {
    userId,
    teams: [],
    orgUnits: [],
    scopes: {},
    defaultScopes: ['all'],
    hiddenTypes: [],
    fieldPermissions: {},
    viewSensitive: true,
    canCreate: true,
    canUpdate: true,
  };
}

/** The scopes that apply to one ticket type, after visibility. */
export function scopesFor(access: TicketAccess, typeKey: string): DataScope[] {
  if (access.hiddenTypes.includes(typeKey)) return [];
  return access.scopes[typeKey] ?? access.defaultScopes;
}
