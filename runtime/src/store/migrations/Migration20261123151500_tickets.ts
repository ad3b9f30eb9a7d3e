import { Migration } from '@mikro-orm/migrations';

/** Placeholder filled by the issue-5 work. */
export class Migration20261123151500_tickets extends Migration {
  override async up(): Promise<void> {
    this.addSql('select 1');
  }
}
