import type { Database, DefinitionStore } from '@docket/runtime';

/** What routes and commands share: the database, the stores, and (until authentication) the tenant requests act in. */
export interface DocketContext {
  db: Database;
  definitions: DefinitionStore;
  tenantId: string;
  version: string;
}
