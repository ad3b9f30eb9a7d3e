import { Migration } from '@mikro-orm/migrations';

/** Placeholder filled by the portal work. */
export class Migration20261123154000_portal extends Migration {
  override async up(): Promise<void> {
    this.addSql('select 1');
  }
}
