import { Migration20261123000000_foundation } from './Migration20261123000000_foundation.ts';
import { Migration20261123120000_process } from './Migration20261123120000_process.ts';

/** Every committed migration, in order. Listed explicitly: no file discovery at start-up. */
export const MIGRATIONS = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261123120000_process', class: Migration20261123120000_process },
];
