import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DocketError } from '../errors.ts';
import { lockDataDir } from './lock.ts';

export interface EmbeddedDatabase {
  url: string;
  /** True when this start created the database files. */
  created: boolean;
  pglite: PGlite;
  close(): Promise<void>;
}
export interface EmbeddedOptions {
  dataDir: string;
  purpose: string;
  /** Connections the socket server accepts: ORM pool max + job queue max + a spare. */
  maxConnections?: number;
  log?: (msg: string) => void;
}

export const pgDataDir = (dataDir: string) => join(dataDir, 'pgdata');
export const EMBEDDED_POSTGRESQL_CONF = 'shared_buffers=32MB';

/**
 * PGlite in DOCKET_DATA_DIR, served in-process on 127.0.0.1 (ephemeral port) so the
 * application talks to it with an ordinary connection string, exactly as to PostgreSQL.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  await mkdir(options.dataDir, { recursive: true });
  const unlock = await lockDataDir(options.dataDir, options.purpose);
  try {
    const dir = pgDataDir(options.dataDir);
    const created = !existsSync(join(dir, 'PG_VERSION'));
    if (created) options.log?.(`Initialising the embedded database in ${dir} (first start takes several seconds)`);
    // PostgreSQL's default 128MB of shared buffers is most of the idle footprint; the
    // embedded database serves one small team, so 32MB is plenty (see docs/performance.md).
    const pglite = await PGlite.create(dir, { postgresqlconf: EMBEDDED_POSTGRESQL_CONF });
    const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections ?? 16 });
    await server.start();
    const conn = server.getServerConn();
    const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      created,
      pglite,
      async close() {
        await server.stop();
        await pglite.close();
        await unlock();
      },
    };
  } catch (e) {
    await unlock();
    throw e;
  }
}

/** Writes a gzipped tarball of the embedded database (a physical copy: restore with the same PGlite version). */
export async function backupEmbedded(dataDir: string, file: string): Promise<number> {
  if (!existsSync(dataDir)) throw new DocketError('NO_DATABASE', `No embedded database in ${dataDir} (the folder does not exist)`, { dataDir });
  const unlock = await lockDataDir(dataDir, 'backup');
  try {
    if (!existsSync(join(pgDataDir(dataDir), 'PG_VERSION'))) throw new DocketError('NO_DATABASE', `No embedded database in ${dataDir}`, { dataDir });
    const pglite = await PGlite.create(pgDataDir(dataDir));
    try {
      const blob = await pglite.dumpDataDir('gzip');
      const bytes = Buffer.from(await blob.arrayBuffer());
      await writeFile(file, bytes);
      return bytes.length;
    } finally {
      await pglite.close();
    }
  } finally {
    await unlock();
  }
}

/**
 * Replaces the embedded database with a backup. The current one is kept beside it as
 * pgdata.before-restore-<time> until the restored copy has opened and answered a query.
 */
export async function restoreEmbedded(dataDir: string, file: string): Promise<{ previous?: string }> {
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir, 'restore');
  const dir = pgDataDir(dataDir);
  const previous = existsSync(dir) ? `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}` : undefined;
  try {
    const bytes = await readFile(file);
    if (previous) await rename(dir, previous);
    try {
      const pglite = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([bytes]) });
      await pglite.query('select 1');
      await pglite.close();
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      if (previous) await rename(previous, dir);
      throw new DocketError('NOT_A_BACKUP', `${file} is not a usable Docket backup: ${(e as Error).message}`, { file });
    }
    return previous ? { previous } : {};
  } finally {
    await unlock();
  }
}
