import type { Database, DefinitionStore } from '@docket/runtime';
import type { ManagerDirectory } from './auth/directory.ts';

/** What routes and commands share: the database and the stores. */
export interface DocketContext {
  db: Database;
  definitions: DefinitionStore;
  /** The tenant CLI commands act in. HTTP requests act in their caller's tenant (req.principal.tenantId). */
  tenantId: string;
  version: string;
  /** Managers of users for the process engine ("manager of" assignment); started by openDocket for servers. */
  directory?: ManagerDirectory;
}
