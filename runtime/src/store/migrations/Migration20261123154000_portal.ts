import { Migration } from '@mikro-orm/migrations';

/**
 * Portal owner verification (seed 000, 业主认证): a portal user's application to be linked to a
 * customer record. The ID number is kept only as an argon2id hash (its own salt) plus its last 4
 * characters for staff; tenant_id leads every key.
 */
export class Migration20261123154000_portal extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table portal_verification (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  user_id uuid not null,
  name text not null,
  phone text not null,
  id_number_hash text not null check (id_number_hash like '$argon2%'),
  id_number_last4 text not null check (id_number_last4 ~ '^[0-9]{3}[0-9X]$'),
  status text not null default 'pending' check (status in ('pending', 'verified', 'rejected', 'withdrawn')),
  record_id uuid,
  reviewed_by uuid,
  reviewed_at timestamptz,
  reason text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, user_id) references app_user (tenant_id, id),
  foreign key (tenant_id, record_id) references record (tenant_id, id),
  foreign key (tenant_id, reviewed_by) references app_user (tenant_id, id),
  check (status <> 'verified' or record_id is not null)
);
-- The caller's latest application and the attempts of the last day; the staff queue by status.
create index portal_verification_user on portal_verification (tenant_id, user_id, created_at desc);
create index portal_verification_status on portal_verification (tenant_id, status, id desc);
`);
  }
}
