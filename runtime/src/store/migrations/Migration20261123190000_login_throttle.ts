import { Migration } from '@mikro-orm/migrations';

/**
 * Failed sign-ins for emails that are no account: counted and locked exactly like an
 * account's own (`app_user.failed_logins` / `locked_until`), so a lockout answer never tells
 * a guesser which emails exist. Rows older than a day are removed as new failures arrive.
 */
export class Migration20261123190000_login_throttle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table login_throttle (
  tenant_id uuid not null references tenant (id),
  email text not null,
  failures integer not null default 0,
  locked_until timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, email)
);
create index login_throttle_updated on login_throttle (tenant_id, updated_at);
`);
  }
}
