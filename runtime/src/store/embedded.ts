import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import * as tar from 'tar';
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

const MANIFEST = 'docket-backup.json';
const PGLITE_VERSION = '0.5.14';

/**
 * Writes one .tar.gz holding a manifest, PGlite's dump of the database (a physical copy:
 * restore with the same PGlite version) and the content-addressed files/ folder, so
 * uploaded templates and attachments travel with the rows that name them.
 */
export async function backupEmbedded(dataDir: string, file: string): Promise<number> {
  if (!existsSync(dataDir)) throw new DocketError('NO_DATABASE', `No embedded database in ${dataDir} (the folder does not exist)`, { dataDir });
  const unlock = await lockDataDir(dataDir, 'backup');
  const work = await mkdtemp(join(tmpdir(), 'docket-backup-'));
  try {
    if (!existsSync(join(pgDataDir(dataDir), 'PG_VERSION'))) throw new DocketError('NO_DATABASE', `No embedded database in ${dataDir}`, { dataDir });
    const pglite = await PGlite.create(pgDataDir(dataDir), { postgresqlconf: EMBEDDED_POSTGRESQL_CONF });
    try {
      const blob = await pglite.dumpDataDir('gzip');
      await writeFile(join(work, 'pgdata.tar.gz'), Buffer.from(await blob.arrayBuffer()));
    } finally {
      await pglite.close();
    }
    await writeFile(
      join(work, MANIFEST),
      `${JSON.stringify({ format: 'docket-backup', version: 1, pglite: PGLITE_VERSION, createdAt: new Date().toISOString() })}\n`,
    );
    const entries = [MANIFEST, 'pgdata.tar.gz'];
    if (existsSync(join(dataDir, 'files'))) {
      await symlink(join(dataDir, 'files'), join(work, 'files'));
      entries.push('files');
    }
    await tar.c({ gzip: true, file, cwd: work, follow: true, portable: true }, entries);
    return (await stat(file)).size;
  } finally {
    await rm(work, { recursive: true, force: true });
    await unlock();
  }
}

/**
 * Replaces the embedded database with a backup and adds the backup's files. The current
 * database is kept beside it as pgdata.before-restore-<time> until the restored copy has
 * opened and answered a query; on any failure it is put back.
 */
export async function restoreEmbedded(dataDir: string, file: string): Promise<{ previous?: string }> {
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir, 'restore');
  const work = await mkdtemp(join(tmpdir(), 'docket-restore-'));
  const dir = pgDataDir(dataDir);
  const previous = existsSync(dir) ? `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}` : undefined;
  const notABackup = (why: string) => new DocketError('NOT_A_BACKUP', `${file} is not a usable Docket backup: ${why}`, { file });
  try {
    try {
      await tar.x({ file, cwd: work, strict: true });
    } catch (e) {
      throw notABackup((e as Error).message);
    }
    const manifest = JSON.parse(await readFile(join(work, MANIFEST), 'utf8').catch(() => '{}')) as { format?: string; pglite?: string };
    if (manifest.format !== 'docket-backup' || !existsSync(join(work, 'pgdata.tar.gz'))) throw notABackup('no Docket backup manifest');
    const dump = await readFile(join(work, 'pgdata.tar.gz'));
    if (previous) await rename(dir, previous);
    try {
      const pglite = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([dump]), postgresqlconf: EMBEDDED_POSTGRESQL_CONF });
      await pglite.query('select 1');
      await pglite.close();
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      if (previous) await rename(previous, dir);
      throw notABackup(`the database does not open (${(e as Error).message}; made with PGlite ${manifest.pglite ?? '?'})`);
    }
    // Files are content-addressed: adding the backup's files never overwrites a different file.
    if (existsSync(join(work, 'files'))) await cp(join(work, 'files'), join(dataDir, 'files'), { recursive: true, force: false });
    return previous ? { previous } : {};
  } finally {
    await rm(work, { recursive: true, force: true });
    await unlock();
  }
}
