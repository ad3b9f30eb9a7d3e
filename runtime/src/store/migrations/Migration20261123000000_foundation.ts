import { Migration } from '@mikro-orm/migrations';

/**
 * Foundation schema: tenants, definitions with versions, releases and the audit log.
 * tenant_id leads every primary, unique and foreign key.
 */
export class Migration20261123000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table tenant (
  id uuid primary key,
  slug text not null constraint tenant_slug_unique unique constraint tenant_slug_format check (slug ~ '^[a-z][a-z0-9-]{0,62}$'),
  name text not null,
  time_zone text not null default 'Asia/Shanghai',
  created_at timestamptz not null default now()
);

create table definition (
  tenant_id uuid not null references tenant (id),
  kind text not null,
  key text not null,
  latest_version integer not null,
  published_version integer,
  draft_version integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, kind, key)
);

create table release (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  number integer not null check (number > 0),
  note text,
  origin_type text not null check (origin_type in ('core', 'plugin', 'admin')),
  origin_name text,
  origin_version text,
  created_by text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  constraint release_number_unique unique (tenant_id, number)
);

create table definition_version (
  tenant_id uuid not null,
  kind text not null,
  key text not null,
  version integer not null check (version > 0),
  status text not null check (status in ('draft', 'published')),
  body jsonb not null,
  source text,
  attachments jsonb not null default '{}',
  summary jsonb not null default '{}',
  content_hash text not null,
  origin_type text not null check (origin_type in ('core', 'plugin', 'admin')),
  origin_name text,
  origin_version text,
  derived_from integer,
  release_id uuid,
  created_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  published_at timestamptz,
  primary key (tenant_id, kind, key, version),
  foreign key (tenant_id, kind, key) references definition (tenant_id, kind, key),
  foreign key (tenant_id, release_id) references release (tenant_id, id),
  check ((status = 'published') = (release_id is not null))
);
-- At most one draft per definition.
create unique index definition_version_one_draft on definition_version (tenant_id, kind, key) where status = 'draft';

create table release_item (
  tenant_id uuid not null,
  release_id uuid not null,
  kind text not null,
  key text not null,
  version integer not null,
  changed boolean not null,
  pins jsonb not null default '{}',
  primary key (tenant_id, release_id, kind, key),
  foreign key (tenant_id, release_id) references release (tenant_id, id),
  foreign key (tenant_id, kind, key, version) references definition_version (tenant_id, kind, key, version)
);
create index release_item_version on release_item (tenant_id, kind, key, version);

create table audit_event (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  subject text,
  details jsonb not null default '{}',
  primary key (tenant_id, id)
);
create index audit_event_subject on audit_event (tenant_id, subject, at);

create function docket_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = 'P0001';
end $$;
create trigger audit_event_append_only before update or delete on audit_event
  for each row execute function docket_append_only();
create trigger release_item_append_only before update or delete on release_item
  for each row execute function docket_append_only();

create function docket_published_is_immutable() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if old.status = 'published' then
      raise exception 'published definition versions cannot be deleted' using errcode = 'P0001';
    end if;
    return old;
  end if;
  if old.status = 'published' and (new.body is distinct from old.body or new.source is distinct from old.source
      or new.attachments is distinct from old.attachments or new.status <> old.status
      or new.release_id is distinct from old.release_id) then
    raise exception 'published definition versions are immutable' using errcode = 'P0001';
  end if;
  return new;
end $$;
create trigger definition_version_immutable before update or delete on definition_version
  for each row execute function docket_published_is_immutable();
`);
  }
}
