import { randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { InputError, NotFoundError, StateError } from '../errors.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { TicketEvent } from '../records/tickets-api.ts';
import { type DeliveryRow, insertDeliveries, toDelivery } from './deliveries.ts';
import { PING_EVENT, patternsMatching, ticketEventPayload, WEBHOOK_EVENT_PATTERNS } from './events.ts';
import type { NewWebhook, WebhookDelivery, WebhookPatch, WebhookSubscription } from './schemas.ts';
import { checkWebhookUrl } from './target.ts';

export interface WebhookServiceOptions {
  /** Operator setting: let subscriptions target loopback / private addresses (default false: SSRF guard). */
  allowPrivateTargets?: boolean;
}

interface SubscriptionRow {
  id: string;
  name: string;
  url: string;
  event_types: string[];
  active: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const toSubscription = (r: SubscriptionRow): WebhookSubscription => ({
  id: r.id,
  name: r.name,
  url: r.url,
  events: r.event_types,
  active: r.active,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const COLUMNS = 'id, name, url, event_types, active, created_by, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAGE = 100;

/** A secret per subscription, shown once: receivers verify X-Docket-Signature with it. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** `events` as a Postgres text[] literal; patterns are checked against a fixed list first, so no quoting issue arises. */
const textArray = (items: string[]) => `{${items.join(',')}}`;

function checkEvents(events: string[]): string[] {
  const unique = [...new Set(events)];
  if (unique.length === 0)
    throw new InputError('WEBHOOK_NO_EVENTS', 'Subscribe to at least one event type', {
      errors: [{ field: 'events', pointer: '/events', code: 'WEBHOOK_NO_EVENTS', message: 'at least one event type' }],
    });
  const errors = events.flatMap((e, i) =>
    (WEBHOOK_EVENT_PATTERNS as readonly string[]).includes(e)
      ? []
      : [
          {
            field: 'events',
            pointer: `/events/${i}`,
            code: 'WEBHOOK_UNKNOWN_EVENT',
            message: `Unknown event type "${e}"; known: ${WEBHOOK_EVENT_PATTERNS.join(', ')}`,
          },
        ],
  );
  if (errors.length > 0) throw new InputError('WEBHOOK_UNKNOWN_EVENT', `Unknown event type(s): ${errors.length}`, { errors });
  return unique;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 200) {
    throw new InputError('WEBHOOK_INVALID_NAME', 'The name must have 1 to 200 characters', {
      errors: [{ field: 'name', pointer: '/name', code: 'WEBHOOK_INVALID_NAME', message: '1 to 200 characters' }],
    });
  }
  return trimmed;
}

/** Webhook subscriptions of a tenant and their delivery log; events are queued inside the caller's transaction. */
export class WebhookService {
  readonly #orm: MikroORM;
  readonly #queue: JobQueue;
  readonly #allowPrivate: boolean;

  constructor(orm: MikroORM, queue: JobQueue, options: WebhookServiceOptions = {}) {
    this.#orm = orm;
    this.#queue = queue;
    this.#allowPrivate = options.allowPrivateTargets ?? false;
  }

  async list(tenantId: string): Promise<WebhookSubscription[]> {
    const rows = await this.#orm.em
      .fork()
      .execute<SubscriptionRow[]>(`select ${COLUMNS} from webhook_subscription where tenant_id = ? order by created_at, id`, [tenantId]);
    return rows.map(toSubscription);
  }

  async get(tenantId: string, id: string): Promise<WebhookSubscription> {
    return toSubscription(await this.#row(this.#orm.em.fork(), tenantId, id));
  }

  /** Creates a subscription; the answer carries its secret, which is never shown again. */
  async create(tenantId: string, actor: string, input: NewWebhook): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const url = checkWebhookUrl(input.url, { allowPrivateTargets: this.#allowPrivate }).toString();
    const name = checkName(input.name);
    const events = checkEvents(input.events);
    const secret = newSecret();
    const [row] = await this.#orm.em
      .fork()
      .execute<SubscriptionRow[]>(
        `insert into webhook_subscription (tenant_id, id, name, url, secret, event_types, active, created_by) values (?, ?, ?, ?, ?, ?::text[], ?, ?) returning ${COLUMNS}`,
        [tenantId, uuidv7(), name, url, secret, textArray(events), input.active ?? true, actor],
      );
    return { subscription: toSubscription(row as SubscriptionRow), secret };
  }

  /** Changes what is given; `rotateSecret` issues a new secret, returned once. */
  async update(tenantId: string, id: string, patch: WebhookPatch): Promise<{ subscription: WebhookSubscription; secret?: string }> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown, cast = '') => {
      sets.push(`${column} = ?${cast}`);
      params.push(value);
    };
    if (patch.name !== undefined) set('name', checkName(patch.name));
    if (patch.url !== undefined) set('url', checkWebhookUrl(patch.url, { allowPrivateTargets: this.#allowPrivate }).toString());
    if (patch.events !== undefined) set('event_types', textArray(checkEvents(patch.events)), '::text[]');
    if (patch.active !== undefined) set('active', patch.active);
    const secret = patch.rotateSecret ? newSecret() : undefined;
    if (secret) set('secret', secret);
    const em = this.#orm.em.fork();
    if (sets.length === 0) return { subscription: toSubscription(await this.#row(em, tenantId, id)) };
    if (!UUID.test(id)) throw this.#notFound(id);
    const [row] = await em.execute<SubscriptionRow[]>(
      `update webhook_subscription set ${sets.join(', ')}, updated_at = now() where tenant_id = ? and id = ? returning ${COLUMNS}`,
      [...params, tenantId, id],
    );
    if (!row) throw this.#notFound(id);
    return { subscription: toSubscription(row), ...(secret ? { secret } : {}) };
  }

  /** Deletes the subscription and its delivery log; queued attempts then find nothing to send. */
  async delete(tenantId: string, id: string): Promise<void> {
    if (!UUID.test(id)) throw this.#notFound(id);
    const rows = await this.#orm.em
      .fork()
      .execute<{ id: string }[]>('delete from webhook_subscription where tenant_id = ? and id = ? returning id', [tenantId, id]);
    if (rows.length === 0) throw this.#notFound(id);
  }

  /** Deliveries of one subscription, newest first; `cursor` is the previous page's nextCursor. */
  async deliveries(
    tenantId: string,
    subscriptionId: string,
    page: { cursor?: string; limit?: number } = {},
  ): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
    const em = this.#orm.em.fork();
    await this.#row(em, tenantId, subscriptionId);
    const limit = Math.min(Math.max(page.limit ?? 50, 1), MAX_PAGE);
    const after = page.cursor === undefined ? null : Buffer.from(page.cursor, 'base64url').toString('utf8');
    if (after !== null && !UUID.test(after)) {
      throw new InputError('INVALID_CURSOR', 'The cursor is not one this list returned', {
        errors: [{ field: 'cursor', pointer: '/cursor', code: 'INVALID_CURSOR', message: 'unknown cursor' }],
      });
    }
    const rows = await em.execute<DeliveryRow[]>(
      `select * from webhook_delivery where tenant_id = ? and subscription_id = ? ${after ? 'and id < ?' : ''} order by id desc limit ?`,
      [tenantId, subscriptionId, ...(after ? [after] : []), limit + 1],
    );
    const items = rows.slice(0, limit).map(toDelivery);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null };
  }

  async delivery(tenantId: string, id: string): Promise<WebhookDelivery> {
    if (!UUID.test(id)) throw new NotFoundError(`No webhook delivery "${id}"`, { delivery: id });
    const [row] = await this.#orm.em.fork().execute<DeliveryRow[]>('select * from webhook_delivery where tenant_id = ? and id = ?', [tenantId, id]);
    if (!row) throw new NotFoundError(`No webhook delivery "${id}"`, { delivery: id });
    return toDelivery(row);
  }

  /**
   * Called by the ticket service inside the ticket's transaction (`em` from `transactional`): one
   * delivery per active subscription that names the event type or `ticket.*`.
   * An arrow property, so it can be handed over as a callback.
   */
  enqueueTicketEvent = async (em: EntityManager, tenantId: string, event: TicketEvent): Promise<void> => {
    const [exact, wildcard] = patternsMatching(event.type);
    const subs = await em.execute<{ id: string }[]>(
      'select id from webhook_subscription where tenant_id = ? and active and (? = any(event_types) or ? = any(event_types)) order by id',
      [tenantId, exact, wildcard ?? exact],
    );
    await insertDeliveries(
      em,
      this.#queue,
      tenantId,
      subs.map((s) => s.id),
      ticketEventPayload(uuidv7(), tenantId, event),
    );
  };

  /** Sends a `webhook.ping` to one subscription, whatever events it names. */
  async ping(tenantId: string, subscriptionId: string, actor: string): Promise<WebhookDelivery> {
    return this.#orm.em.fork().transactional(async (em) => {
      const sub = await this.#row(em, tenantId, subscriptionId);
      if (!sub.active) throw new StateError('WEBHOOK_INACTIVE', 'The subscription is inactive; activate it before testing', { subscription: subscriptionId });
      const payload = { id: uuidv7(), type: PING_EVENT, at: new Date().toISOString(), tenant: tenantId, data: { subscriptionId, name: sub.name, actor } };
      const [delivery] = await insertDeliveries(em, this.#queue, tenantId, [subscriptionId], payload);
      return delivery as WebhookDelivery;
    });
  }

  /** Sends a delivery's payload again as a new delivery (same event id, fresh attempts); the old row stays as history. */
  async redeliver(tenantId: string, deliveryId: string): Promise<WebhookDelivery> {
    const old = await this.delivery(tenantId, deliveryId);
    return this.#orm.em.fork().transactional(async (em) => {
      const sub = await this.#row(em, tenantId, old.subscriptionId);
      if (!sub.active) throw new StateError('WEBHOOK_INACTIVE', 'The subscription is inactive; activate it before redelivering', { subscription: sub.id });
      const [delivery] = await insertDeliveries(em, this.#queue, tenantId, [sub.id], old.payload as never, old.id);
      return delivery as WebhookDelivery;
    });
  }

  async #row(em: EntityManager, tenantId: string, id: string): Promise<SubscriptionRow> {
    if (!UUID.test(id)) throw this.#notFound(id);
    const [row] = await em.execute<SubscriptionRow[]>(`select ${COLUMNS} from webhook_subscription where tenant_id = ? and id = ?`, [tenantId, id]);
    if (!row) throw this.#notFound(id);
    return row;
  }

  #notFound(id: string) {
    return new NotFoundError(`No webhook subscription "${id}"`, { subscription: id });
  }
}
