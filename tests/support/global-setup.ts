import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@docket/runtime';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

export const TEMPLATE_DB = 'docket_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedTemplate: string;
    postgresAdminUrl: string | null;
    postgresUnavailable: string | null;
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Once per run: a migrated embedded data dir that suites copy (PGlite initialises a data
 * dir in seconds, a copy takes milliseconds), and a migrated PostgreSQL template database.
 */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), 'docket-template-'));
  const template = join(root, 'data');
  const db = await openDatabase({ dataDir: template, purpose: 'test-template' });
  await db.migrate();
  await db.close();
  project.provide('embeddedTemplate', template);

  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    project.provide('postgresAdminUrl', null);
    project.provide(
      'postgresUnavailable',
      'TEST_DATABASE_URL is not set. Run the suite with "npm test" (it starts a throwaway PostgreSQL via scripts/with-postgres; needs: apt-get install -y postgresql) or point TEST_DATABASE_URL at a PostgreSQL ≥ 15 server.',
    );
  } else {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`drop database if exists ${TEMPLATE_DB}`);
    await client.query(`create database ${TEMPLATE_DB} encoding 'UTF8' template template0`);
    await client.end();
    const pgdb = await openDatabase({ databaseUrl: withDatabase(admin, TEMPLATE_DB), dataDir: root });
    await pgdb.migrate();
    await pgdb.close();
    project.provide('postgresAdminUrl', admin);
    project.provide('postgresUnavailable', null);
  }
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
