import { Migration } from '@mikro-orm/migrations';

/**
 * An erase request also covers what a resident typed when applying to the portal: the name,
 * mobile and ID-number hash of verifications linked to the erased customer are overwritten
 * (`erased_at` says when), which the last-four check has to allow.
 */
export class Migration20261123200000_erase_verification extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table portal_verification add column erased_at timestamptz;
alter table portal_verification drop constraint portal_verification_id_number_last4_check;
alter table portal_verification add constraint portal_verification_id_number_last4_check
  check (id_number_last4 ~ '^[0-9]{3}[0-9X]$' or (erased_at is not null and id_number_last4 = '****'));
`);
  }
}
