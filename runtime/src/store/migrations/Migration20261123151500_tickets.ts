import { Migration } from '@mikro-orm/migrations';

/**
 * The ticket service's columns and tables: the rest of a ticket (description, customer,
 * team, org unit, channel, rating, search tokens), list-path indexes, comments,
 * attachments and time records. tenant_id leads every key. See docs/tickets.md.
 */
export class Migration20261123151500_tickets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table ticket
  add column description text,
  add column customer_id uuid,
  add column product_id uuid,
  add column team text,
  add column org_unit text,
  add column channel text,
  add column due_at timestamptz,
  add column rating numeric(3, 1) check (rating >= 0 and rating <= 10),
  add column rating_comment text,
  add column rated_at timestamptz,
  -- Latin words and CJK uni/bigrams of title, description and comments (docs/decisions/0005-cjk-search.md).
  add column search_tokens text[] not null default '{}';

create unique index ticket_number_unique on ticket (tenant_id, number) where number is not null;
-- List paths: newest first by type or across types, keyset on (created_at, id).
create index ticket_list_type on ticket (tenant_id, type_key, created_at desc, id desc);
create index ticket_list_created on ticket (tenant_id, created_at desc, id desc);
create index ticket_team on ticket (tenant_id, team, created_at desc);
create index ticket_org_unit on ticket (tenant_id, org_unit, created_at desc);
create index ticket_customer on ticket (tenant_id, customer_id) where customer_id is not null;
create index ticket_open_team on ticket (tenant_id, team, created_at desc) where status_category in ('new', 'open', 'pending');
create index ticket_open_unassigned on ticket (tenant_id, created_at desc) where assignee is null and status_category in ('new', 'open', 'pending');
create index ticket_creator on ticket (tenant_id, creator);
-- GIN cannot lead with tenant_id without btree_gin; the tenant predicate filters the (few) token hits.
create index ticket_search on ticket using gin (search_tokens);

create table ticket_comment (
  tenant_id uuid not null,
  id uuid not null,
  ticket_id uuid not null,
  author text not null,
  body text not null check (length(body) between 1 and 20000),
  visibility text not null check (visibility in ('internal', 'public')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id)
);
create index ticket_comment_ticket on ticket_comment (tenant_id, ticket_id, created_at);

create table ticket_attachment (
  tenant_id uuid not null,
  id uuid not null,
  ticket_id uuid not null,
  file_id uuid not null,
  field text,
  uploaded_by text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id),
  foreign key (tenant_id, file_id) references file_object (tenant_id, id)
);
create index ticket_attachment_ticket on ticket_attachment (tenant_id, ticket_id, field);

create table ticket_time_record (
  tenant_id uuid not null,
  id uuid not null,
  ticket_id uuid not null,
  user_id text not null,
  started_at timestamptz,
  ended_at timestamptz,
  minutes integer not null check (minutes > 0),
  note text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id),
  check (ended_at is null or started_at is null or ended_at >= started_at)
);
create index ticket_time_record_ticket on ticket_time_record (tenant_id, ticket_id);
create index ticket_time_record_user on ticket_time_record (tenant_id, user_id, started_at);
`);
  }
}
