import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, DefinitionStore, DiskFileStore, openDatabase, TenantRepository } from '@docket/runtime';
import pg from 'pg';
import { inject } from 'vitest';
import { TEMPLATE_DB, withDatabase } from './global-setup.ts';

export interface TestDatabase {
  db: Database;
  dataDir: string;
  store: DefinitionStore;
  /** A fresh tenant: tests isolate themselves by tenant. */
  newTenant(slug?: string): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

async function finish(db: Database, dataDir: string, cleanup: () => Promise<void>): Promise<TestDatabase> {
  const store = new DefinitionStore(db.orm, new DiskFileStore(join(dataDir, 'files')));
  return {
    db,
    dataDir,
    store,
    async newTenant(slug) {
      const tenant = await new TenantRepository().create(db.orm.em.fork(), slug ?? `t${process.pid}-${++counter}`, 'Test tenant');
      return tenant.id;
    },
    async close() {
      await db.close();
      await cleanup();
    },
  };
}

/** A private copy of the migrated embedded data dir. Never reads DATABASE_URL. */
export async function embeddedTestDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-embedded-'));
  await cp(inject('embeddedTemplate'), dataDir, { recursive: true });
  const db = await openDatabase({ dataDir, purpose: 'test' });
  return finish(db, dataDir, () => rm(dataDir, { recursive: true, force: true }));
}

/** A fresh database cloned from the migrated template on TEST_DATABASE_URL's server. */
export async function postgresTestDatabase(): Promise<TestDatabase> {
  const unavailable = inject('postgresUnavailable');
  if (unavailable) throw new Error(unavailable);
  const admin = inject('postgresAdminUrl') as string;
  const name = `docket_t_${process.pid}_${++counter}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name} template ${TEMPLATE_DB}`);
  await client.end();
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-pgfiles-'));
  const db = await openDatabase({ databaseUrl: withDatabase(admin, name), dataDir });
  return finish(db, dataDir, async () => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
    await rm(dataDir, { recursive: true, force: true });
  });
}

/** The store suites run against both, so the two never drift. */
export const BACKENDS = [
  ['embedded', embeddedTestDatabase],
  ['postgresql', postgresTestDatabase],
] as const;
