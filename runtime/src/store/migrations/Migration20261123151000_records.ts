import { Migration } from '@mikro-orm/migrations';

/**
 * Generic records (customers, products, rooms, parts…), the keys that make declared
 * uniqueness a database guarantee, gap-free number sequences, dictionary usage counts
 * and file metadata. tenant_id leads every primary, unique and foreign key.
 */
export class Migration20261123151000_records extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table record (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  type_key text not null,
  release_number integer not null check (release_number > 0),
  number text,
  title text,
  data jsonb not null default '{}',
  version integer not null default 1,
  created_by text not null,
  updated_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  primary key (tenant_id, id)
);
-- Lists page by (updated_at, id) within one type; deleted rows are never listed.
create index record_type_updated on record (tenant_id, type_key, updated_at desc, id desc) where deleted_at is null;
create index record_number on record (tenant_id, type_key, number) where number is not null;
-- Containment filters (data @> {...}) on any custom field.
create index record_data on record using gin (data jsonb_path_ops);

-- One row per declared uniqueness constraint per record: the primary key is the guarantee.
create table record_unique (
  tenant_id uuid not null,
  record_type text not null,
  constraint_name text not null,
  value_key text not null,
  record_id uuid not null,
  primary key (tenant_id, record_type, constraint_name, value_key),
  foreign key (tenant_id, record_id) references record (tenant_id, id)
);
create index record_unique_record on record_unique (tenant_id, record_id);

-- Gap-free counters: incremented by insert … on conflict inside the creating transaction.
create table number_sequence (
  tenant_id uuid not null references tenant (id),
  scope_key text not null,
  value bigint not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, scope_key)
);

-- How many stored values (tickets and records) use each dictionary item.
create table dictionary_usage (
  tenant_id uuid not null references tenant (id),
  dictionary_key text not null,
  item_value text not null,
  uses integer not null default 0 check (uses >= 0),
  primary key (tenant_id, dictionary_key, item_value)
);

create table file_object (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  content_type text not null,
  filename text not null,
  uploaded_by text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index file_object_sha on file_object (tenant_id, sha256);
`);
  }
}
