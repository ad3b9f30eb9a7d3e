import { Migration20261123000000_foundation } from './Migration20261123000000_foundation.ts';
import { Migration20261123120000_process } from './Migration20261123120000_process.ts';
import { Migration20261123150000_identity } from './Migration20261123150000_identity.ts';
import { Migration20261123151000_records } from './Migration20261123151000_records.ts';
import { Migration20261123151500_tickets } from './Migration20261123151500_tickets.ts';
import { Migration20261123152000_webhooks } from './Migration20261123152000_webhooks.ts';
import { Migration20261123153000_ticket_member } from './Migration20261123153000_ticket_member.ts';
import { Migration20261123154000_portal } from './Migration20261123154000_portal.ts';
import { Migration20261123160000_engine_speed } from './Migration20261123160000_engine_speed.ts';
import { Migration20261123170000_session_lookup } from './Migration20261123170000_session_lookup.ts';
import { Migration20261123180000_public_search } from './Migration20261123180000_public_search.ts';
import { Migration20261123190000_login_throttle } from './Migration20261123190000_login_throttle.ts';
import { Migration20261123200000_erase_verification } from './Migration20261123200000_erase_verification.ts';

/** Every committed migration, in order. Listed explicitly: no file discovery at start-up. */
export const MIGRATIONS = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261123120000_process', class: Migration20261123120000_process },
  { name: 'Migration20261123150000_identity', class: Migration20261123150000_identity },
  { name: 'Migration20261123151000_records', class: Migration20261123151000_records },
  { name: 'Migration20261123151500_tickets', class: Migration20261123151500_tickets },
  { name: 'Migration20261123152000_webhooks', class: Migration20261123152000_webhooks },
  { name: 'Migration20261123153000_ticket_member', class: Migration20261123153000_ticket_member },
  { name: 'Migration20261123154000_portal', class: Migration20261123154000_portal },
  { name: 'Migration20261123160000_engine_speed', class: Migration20261123160000_engine_speed },
  { name: 'Migration20261123170000_session_lookup', class: Migration20261123170000_session_lookup },
  { name: 'Migration20261123180000_public_search', class: Migration20261123180000_public_search },
  { name: 'Migration20261123190000_login_throttle', class: Migration20261123190000_login_throttle },
  { name: 'Migration20261123200000_erase_verification', class: Migration20261123200000_erase_verification },
];
