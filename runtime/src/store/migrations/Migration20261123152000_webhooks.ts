import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook subscriptions (per event type, with `ticket.*` wildcards) and the delivery log: one row
 * per event × subscription, every attempt appended to `attempt_log`. tenant_id leads every key.
 */
export class Migration20261123152000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table webhook_subscription (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 200),
  url text not null check (url ~ '^https?://'),
  secret text not null,
  event_types text[] not null check (cardinality(event_types) > 0),
  active boolean not null default true,
  created_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index webhook_subscription_active on webhook_subscription (tenant_id) where active;

create table webhook_delivery (
  tenant_id uuid not null,
  id uuid not null,
  subscription_id uuid not null,
  event_id uuid not null,
  event_type text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  duration_ms integer,
  attempt_log jsonb not null default '[]',
  redelivery_of uuid,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, subscription_id) references webhook_subscription (tenant_id, id) on delete cascade
);
-- Newest first per subscription: ids are UUIDv7, so id order is creation order.
create index webhook_delivery_subscription on webhook_delivery (tenant_id, subscription_id, id desc);
create index webhook_delivery_event on webhook_delivery (tenant_id, event_id);
`);
  }
}
