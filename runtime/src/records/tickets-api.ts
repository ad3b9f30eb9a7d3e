import type { Actor, StepView, TaskAction, TaskInput } from '../process/index.ts';
import type { TicketAccess } from './access.ts';

/**
 * The shapes the ticket service (tickets.ts) takes and returns. Routes, GraphQL and the
 * web app speak these; TypeBox mirrors of them live with the HTTP routes.
 */

/** Who calls: the engine's view of the person plus what they may see. */
export interface TicketCaller {
  actor: Actor;
  access: TicketAccess;
  /** Locale for messages ('zh-CN' | 'en'). */
  locale?: 'zh-CN' | 'en';
  /** A customer / resident in the portal: sees only customer-visible comments and the portal fields. */
  portal?: boolean;
  /**
   * The tenant's newest release as the caller's sign-in lookup saw it, which lists use for the
   * ticket type's fields instead of asking again; absent: looked up.
   */
  release?: number;
}

export interface NewTicketInput {
  type: string;
  title?: string;
  description?: string;
  priority?: string;
  /** Record ids (customer / product records). */
  customerId?: string;
  productId?: string;
  /** Team and org unit keys; default to the creator's first team / org unit. */
  team?: string;
  orgUnit?: string;
  parentId?: string;
  /** Form values by field key, validated against the ticket type of the newest release. */
  data?: Record<string, unknown>;
  /** Add-on component rows by component key (single-row components: one row). */
  components?: Record<string, Record<string, unknown>[]>;
  /** Where the ticket came from: 'api' | 'portal' | 'phone' … (free text, stored). */
  channel?: string;
}

export interface TicketUpdateInput {
  /** The version the caller saw; a different current version is CONFLICT. */
  version: number;
  title?: string;
  description?: string;
  priority?: string;
  customerId?: string | null;
  productId?: string | null;
  /** Changed form values only; keys absent stay, null clears. */
  data?: Record<string, unknown>;
  components?: Record<string, Record<string, unknown>[]>;
}

export interface TicketActionInput {
  task: string;
  action: TaskAction;
  version?: number;
  input?: TaskInput;
}

export interface Participant {
  userId: string;
  role: 'registrant' | 'acceptor' | 'assignee' | 'handler' | 'collaborator' | 'approver' | 'cc';
}

export interface TicketComment {
  id: string;
  author: string;
  body: string;
  visibility: 'internal' | 'public';
  createdAt: string;
}

export interface TicketAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Form field the file belongs to, or null for a loose attachment. */
  field: string | null;
  uploadedBy: string;
  createdAt: string;
}

export interface TicketListItem {
  id: string;
  number: string | null;
  type: string;
  title: string | null;
  status: string;
  statusCategory: string;
  priority: string | null;
  assignee: string | null;
  registrant: string | null;
  team: string | null;
  orgUnit: string | null;
  customerId: string | null;
  createdAt: string;
  updatedAt: string;
  dueAt: string | null;
  /** Form values the caller may see (hidden fields removed, sensitive ones masked without permission). */
  data: Record<string, unknown>;
}

export interface TicketDetail extends TicketListItem {
  release: number;
  version: number;
  description: string | null;
  productId: string | null;
  parentId: string | null;
  children: string[];
  channel: string | null;
  processStatus: string;
  receipt: Record<string, unknown>;
  components: Record<string, Record<string, unknown>[]>;
  participants: Participant[];
  rating: number | null;
  closedAt: string | null;
  /** Current steps with the actions this caller may take: exactly the buttons to show. */
  steps: StepView[];
  /** Field keys the caller may edit now (role and current-step permissions combined). */
  editable: string[];
}

/** Typed list filters: never string-built SQL. `field` is a system column or `data.<key>`. */
export type FilterOp = 'eq' | 'ne' | 'in' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains' | 'isNull';
export interface TicketFilter {
  field: string;
  op: FilterOp;
  value?: unknown;
}

export type TicketListView = 'mine' | 'team' | 'unassigned' | 'overdue' | 'all' | 'participating';

export interface TicketQuery {
  type?: string;
  view?: TicketListView;
  statusCategory?: string[];
  filters?: TicketFilter[];
  /** Full-text search over title, description and comments (Chinese and English). */
  search?: string;
  sort?: { field: string; direction: 'asc' | 'desc' };
  /** Opaque cursor from the previous page. */
  cursor?: string;
  limit?: number;
}

export interface TicketPage {
  items: TicketListItem[];
  nextCursor: string | null;
}

export interface BulkResult {
  id: string;
  ok: boolean;
  code?: string;
  message?: string;
}

/** What the ticket service tells the outside world (webhooks, notifications), inside the same transaction. */
export interface TicketEvent {
  type: 'ticket.created' | 'ticket.updated' | 'ticket.action' | 'ticket.commented' | 'ticket.attached' | 'ticket.erased';
  ticketId: string;
  ticketType: string;
  number: string | null;
  actor: string;
  at: string;
  /** Event-specific details: changed field keys, the action and task, the comment id… (sensitive values never). */
  details: Record<string, unknown>;
}

/** The ticket service as routes and GraphQL call it (implemented by TicketService in tickets.ts). */
export interface TicketServiceApi {
  create(tenantId: string, caller: TicketCaller, input: NewTicketInput): Promise<TicketDetail>;
  /** NOT_FOUND (never FORBIDDEN) when the ticket is outside the caller's scope, so ids do not leak. */
  get(tenantId: string, caller: TicketCaller, id: string): Promise<TicketDetail>;
  /** Many at once, for GraphQL batching; tickets outside scope are simply absent. */
  getMany(tenantId: string, caller: TicketCaller, ids: string[]): Promise<TicketListItem[]>;
  update(tenantId: string, caller: TicketCaller, id: string, input: TicketUpdateInput): Promise<TicketDetail>;
  act(tenantId: string, caller: TicketCaller, id: string, input: TicketActionInput): Promise<TicketDetail>;
  comment(tenantId: string, caller: TicketCaller, id: string, input: { body: string; visibility: 'internal' | 'public' }): Promise<TicketComment>;
  comments(tenantId: string, caller: TicketCaller, id: string): Promise<TicketComment[]>;
  /** Comments of many tickets at once (GraphQL batching); tickets outside scope have no entry. */
  commentsOfMany(tenantId: string, caller: TicketCaller, ids: string[]): Promise<Map<string, TicketComment[]>>;
  attach(
    tenantId: string,
    caller: TicketCaller,
    id: string,
    file: { filename: string; contentType: string; bytes: Buffer; field?: string },
  ): Promise<TicketAttachment>;
  /** Authorized like the ticket; returns the bytes of one attachment. */
  download(tenantId: string, caller: TicketCaller, id: string, attachmentId: string): Promise<{ attachment: TicketAttachment; bytes: Buffer }>;
  list(tenantId: string, caller: TicketCaller, query: TicketQuery): Promise<TicketPage>;
  /** Reassign many: one result per ticket, each in its own transaction. */
  bulkAssign(tenantId: string, caller: TicketCaller, ids: string[], assignee: string): Promise<BulkResult[]>;
  history(tenantId: string, caller: TicketCaller, id: string): Promise<unknown[]>;
}
