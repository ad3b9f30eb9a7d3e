import { Migration } from '@mikro-orm/migrations';

/**
 * The process engine's tables: tickets (the columns the engine reads and writes; the
 * tickets issue adds the rest), one process instance per ticket, the task list,
 * durable timers, the outbox, and the people on a ticket.
 */
export class Migration20261123120000_process extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table ticket (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  type_key text not null,
  release_number integer not null check (release_number > 0),
  number text,
  title text,
  status text not null default '',
  status_category text not null default 'new'
    check (status_category in ('new', 'open', 'pending', 'resolved', 'closed', 'cancelled')),
  priority text,
  assignee text,
  creator text,
  parent_id uuid,
  data jsonb not null default '{}',
  receipt jsonb not null default '{}',
  components jsonb not null default '{}',
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  closed_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references ticket (tenant_id, id)
);
create index ticket_parent on ticket (tenant_id, parent_id) where parent_id is not null;
create index ticket_assignee on ticket (tenant_id, assignee, status_category);
create index ticket_type_status on ticket (tenant_id, type_key, status_category);

-- One engine step's ticket update, version-checked: raising instead of updating nothing lets
-- the engine send the update and everything else a step writes as one batch.
create function docket_ticket_step(p_tenant uuid, p_id uuid, p_version integer, p_data jsonb, p_receipt jsonb, p_components jsonb,
    p_status text, p_category text, p_set_assignee boolean, p_assignee text, p_now timestamptz, p_closing boolean)
  returns void language plpgsql as $$
begin
  update ticket set data = coalesce(p_data, data), receipt = coalesce(p_receipt, receipt), components = coalesce(p_components, components),
         status = coalesce(p_status, status), status_category = coalesce(p_category, status_category),
         assignee = case when p_set_assignee then p_assignee else assignee end, version = version + 1, updated_at = p_now,
         closed_at = case when p_closing then p_now else closed_at end
   where tenant_id = p_tenant and id = p_id and version = p_version;
  if not found then
    raise exception 'ticket % changed since version %', p_id, p_version using errcode = 'DKCON';
  end if;
end $$;

create table process_instance (
  tenant_id uuid not null,
  ticket_id uuid not null,
  process_key text not null,
  process_version integer not null,
  release_number integer not null,
  status text not null check (status in ('running', 'completed', 'terminated', 'failed')),
  state jsonb not null,
  parent_ticket_id uuid,
  parent_token text,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  primary key (tenant_id, ticket_id),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id)
);
create index process_instance_release on process_instance (tenant_id, process_key, release_number) where status = 'running';
-- Rewritten by every step: room on each page lets PostgreSQL update in place (HOT) without touching the indexes.
alter table process_instance set (fillfactor = 70);

create table task (
  tenant_id uuid not null,
  ticket_id uuid not null,
  id text not null,
  node text not null,
  name text not null,
  status text not null,
  state text not null check (state in ('open', 'paused', 'done')),
  outcome text,
  assignee text,
  candidates text[] not null default '{}',
  collaborators text[] not null default '{}',
  pool boolean not null default false,
  due_at timestamptz,
  created_at timestamptz not null,
  ended_at timestamptz,
  primary key (tenant_id, ticket_id, id),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id)
);
create index task_open_assignee on task (tenant_id, assignee) where state <> 'done';
create index task_open_candidates on task using gin (candidates) where state <> 'done';
create index task_open_collaborators on task using gin (collaborators) where state <> 'done';
create index task_open_due on task (tenant_id, due_at) where state = 'open' and due_at is not null;

create table process_timer (
  tenant_id uuid not null,
  id uuid not null,
  ticket_id uuid not null,
  timer_key text not null,
  owner text not null,
  kind text not null check (kind in ('boundary', 'catch', 'remind', 'escalate')),
  node text not null,
  due_at timestamptz not null,
  data jsonb not null default '{}',
  woken_at timestamptz,
  primary key (tenant_id, id),
  constraint process_timer_key_unique unique (tenant_id, ticket_id, timer_key),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id)
);
create index process_timer_due on process_timer (due_at);
create index process_timer_unwoken on process_timer (due_at) where woken_at is null;
create index process_timer_owner on process_timer (tenant_id, ticket_id, owner);

create table outbox (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  ticket_id uuid,
  kind text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  done_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  primary key (tenant_id, id)
);
create index outbox_pending on outbox (created_at) where done_at is null;

create table ticket_participant (
  tenant_id uuid not null,
  ticket_id uuid not null,
  user_id text not null,
  role text not null check (role in ('registrant', 'acceptor', 'assignee', 'handler', 'collaborator', 'approver', 'cc')),
  added_at timestamptz not null default now(),
  primary key (tenant_id, ticket_id, user_id, role),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id)
);
create index ticket_participant_user on ticket_participant (tenant_id, user_id, role);
`);
  }
}
