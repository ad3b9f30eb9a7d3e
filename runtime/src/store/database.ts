import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { CompiledQuery, type DatabaseConnection } from 'kysely';
import { type EmbeddedDatabase, startEmbedded } from './embedded.ts';
import { ENTITIES } from './entities.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { enablePreparedReads } from './prepared.ts';

export interface DatabaseOptions {
  /** External PostgreSQL (≥ 15). When absent, the embedded database in dataDir is used. */
  databaseUrl?: string;
  dataDir: string;
  /** Who opens the database, written into the embedded lock file. */
  purpose?: string;
  poolMax?: number;
  log?: (msg: string) => void;
  /**
   * PostgreSQL only: hot reads as named prepared statements (default true). Off behind a
   * connection pooler that hands one session's statements to another (PgBouncer before 1.21
   * in transaction mode, or without `max_prepared_statements`).
   */
  preparedReads?: boolean;
}

export interface Database {
  orm: MikroORM;
  kind: 'embedded' | 'postgresql';
  url: string;
  embedded?: EmbeddedDatabase;
  migrate(): Promise<string[]>;
  ping(): Promise<number>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startEmbedded({ dataDir: options.dataDir, purpose: options.purpose ?? 'docket', log: options.log });
  const url = options.databaseUrl ?? (embedded as EmbeddedDatabase).url;
  let orm: MikroORM;
  try {
    orm = await MikroORM.init({
      clientUrl: url,
      entities: ENTITIES,
      extensions: [Migrator],
      migrations: { migrationsList: MIGRATIONS, snapshot: false, transactional: true, allOrNothing: true, tableName: 'docket_migrations', silent: true },
      // PGlite is one session: a bigger pool only queues at the socket.
      pool: { min: 0, max: options.poolMax ?? (embedded ? 4 : 10) },
      allowGlobalContext: false,
      // PostgreSQL: an API answers many small queries; parallel workers cost more to start than they
      // save and steal cores from other requests (reports may raise it per transaction with SET LOCAL).
      ...(embedded
        ? {}
        : {
            onCreateConnection: (c: unknown) =>
              (c as DatabaseConnection).executeQuery(CompiledQuery.raw('set max_parallel_workers_per_gather = 0')).then(() => undefined),
          }),
      ensureDatabase: false,
      debug: false,
    });
    // Only a real server: the embedded database's connections are one session (see prepared.ts).
    if (!embedded && options.preparedReads !== false) await enablePreparedReads(orm);
  } catch (e) {
    await embedded?.close();
    throw e;
  }
  return {
    orm,
    kind: embedded ? 'embedded' : 'postgresql',
    url,
    embedded,
    async migrate() {
      const done = await orm.migrator.up();
      return done.map((m) => m.name);
    },
    async ping() {
      const t0 = performance.now();
      await orm.em.fork().execute('select 1');
      return performance.now() - t0;
    },
    async close() {
      await orm.close(true);
      await embedded?.close();
    },
  };
}
