import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FileStore } from '../store/files.ts';
import type { TicketTypeCatalog } from './ticket-definitions.ts';
import type { TicketEvent } from './tickets-api.ts';

/** What the parts of the ticket service share: the database, files, ticket types, the clock and the event hook. */
export interface TicketDeps {
  orm: MikroORM;
  files: FileStore;
  types: TicketTypeCatalog;
  now(): Date;
  /** Tells the outside world inside the change's transaction (`at` is filled in). */
  emit(em: EntityManager, tenantId: string, event: Omit<TicketEvent, 'at'>): Promise<void>;
  maxUploadBytes: number;
}
