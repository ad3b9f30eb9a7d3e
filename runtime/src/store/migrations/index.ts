import { Migration20261123000000_foundation } from './Migration20261123000000_foundation.ts';

/** Every committed migration, in order. Listed explicitly: no file discovery at start-up. */
export const MIGRATIONS = [{ name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation }];
