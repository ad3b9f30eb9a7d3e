import { Migration } from '@mikro-orm/migrations';

/**
 * Identity and organisation: users, teams, org units (a tree with a materialized path),
 * posts, sessions, API tokens and the append-only system log. Org data is referenced by
 * stable keys (`team:<key>` in candidate groups), users by uuid. tenant_id leads every key.
 */
export class Migration20261123150000_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table app_user (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  email text not null check (email = lower(email) and position('@' in email) > 1),
  name text not null,
  phone text,
  password_hash text,
  status text not null default 'active' check (status in ('active', 'disabled')),
  roles text[] not null default '{}',
  contact_id uuid,
  manager_id uuid,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  must_change_password boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  constraint app_user_email_unique unique (tenant_id, email),
  foreign key (tenant_id, manager_id) references app_user (tenant_id, id)
);

-- path is '/<root key>/…/<key>/' so descendants are the rows whose path starts with it.
create table org_unit (
  tenant_id uuid not null references tenant (id),
  key text not null check (key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  name text not null,
  kind text,
  parent text,
  path text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key),
  foreign key (tenant_id, parent) references org_unit (tenant_id, key)
);
create index org_unit_path on org_unit (tenant_id, path text_pattern_ops);

create table org_unit_member (
  tenant_id uuid not null,
  org_unit text not null,
  user_id uuid not null,
  primary key (tenant_id, org_unit, user_id),
  foreign key (tenant_id, org_unit) references org_unit (tenant_id, key) on delete cascade,
  foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index org_unit_member_user on org_unit_member (tenant_id, user_id);

create table team (
  tenant_id uuid not null references tenant (id),
  key text not null check (key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  name text not null,
  org_unit text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key),
  foreign key (tenant_id, org_unit) references org_unit (tenant_id, key)
);

create table team_member (
  tenant_id uuid not null,
  team text not null,
  user_id uuid not null,
  lead boolean not null default false,
  primary key (tenant_id, team, user_id),
  foreign key (tenant_id, team) references team (tenant_id, key) on delete cascade,
  foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index team_member_user on team_member (tenant_id, user_id);

create table post (
  tenant_id uuid not null references tenant (id),
  key text not null check (key ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  name text not null,
  org_unit text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key),
  foreign key (tenant_id, org_unit) references org_unit (tenant_id, key)
);

create table user_post (
  tenant_id uuid not null,
  post text not null,
  user_id uuid not null,
  primary key (tenant_id, post, user_id),
  foreign key (tenant_id, post) references post (tenant_id, key) on delete cascade,
  foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index user_post_user on user_post (tenant_id, user_id);

-- Only a SHA-256 of the session secret is stored; the cookie carries the tenant id to find the row.
create table user_session (
  tenant_id uuid not null,
  id uuid not null,
  user_id uuid not null,
  token_hash text not null,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_seen_at timestamptz not null default now(),
  ip text,
  user_agent text,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  constraint user_session_token_unique unique (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index user_session_user on user_session (tenant_id, user_id) where revoked_at is null;

create table api_token (
  tenant_id uuid not null,
  id uuid not null,
  user_id uuid not null,
  name text not null,
  token_hash text not null,
  hint text not null,
  scopes text[] not null,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  constraint api_token_hash_unique unique (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index api_token_user on api_token (tenant_id, user_id);

create table system_log (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  at timestamptz not null default now(),
  actor_id uuid,
  actor text not null,
  action text not null,
  subject text,
  ip text,
  details jsonb not null default '{}',
  primary key (tenant_id, id)
);
create index system_log_action on system_log (tenant_id, action, at);
create trigger system_log_append_only before update or delete on system_log
  for each row execute function docket_append_only();
`);
  }
}
