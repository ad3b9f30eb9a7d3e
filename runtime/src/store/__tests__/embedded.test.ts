import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTestDatabase } from '../../../../tests/support/databases.ts';
import { backupEmbedded, restoreEmbedded, startEmbedded } from '../embedded.ts';
import { lockDataDir } from '../lock.ts';
import { ADMIN, dictionary } from './fixtures.ts';

describe('embedded database', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'docket-embedded-test-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('refuses a second opener of the same data dir with a message naming the holder, and frees the dir on close', async () => {
    const t = await embeddedTestDatabase();
    const second = await startEmbedded({ dataDir: t.dataDir, purpose: 'import' }).catch((e) => e);
    expect(second).toMatchObject({ code: 'DATA_DIR_LOCKED' });
    expect((second as Error).message).toContain(`in use by process ${process.pid}`);
    await t.close();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dir = join(tmp, 'stale');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    const { hostname } = await import('node:os');
    await writeFile(join(dir, 'docket.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), purpose: 'server', since: '2026-01-01T00:00:00Z' }));
    const unlock = await lockDataDir(dir, 'test');
    await unlock();
    expect(existsSync(join(dir, 'docket.lock'))).toBe(false);
  });

  it('backs up and restores the database with its stored files, keeping the replaced database aside', async () => {
    const t = await embeddedTestDatabase();
    const tenant = await t.newTenant('backup');
    await t.store.saveDraft(tenant, { doc: dictionary('kept') }, ADMIN);
    await t.store.publish(tenant, {}, ADMIN);
    const dataDir = t.dataDir;
    const templateBytes = Buffer.from('PK\u0003\u0004 an uploaded template');
    const template = await new (await import('../files.ts')).DiskFileStore(join(dataDir, 'files')).put(templateBytes);
    await t.db.close();
    const file = join(tmp, 'backup.tar.gz');
    expect(await backupEmbedded(dataDir, file)).toBeGreaterThan(1000);

    // Change the database after the backup, then restore.
    const { openDatabase } = await import('../database.ts');
    const { DefinitionStore } = await import('../definition-store.ts');
    const { DiskFileStore } = await import('../files.ts');
    let db = await openDatabase({ dataDir });
    await new DefinitionStore(db.orm, new DiskFileStore(join(dataDir, 'files'))).saveDraft(tenant, { doc: dictionary('after-backup') }, ADMIN);
    await db.close();
    const { previous } = await restoreEmbedded(dataDir, file);
    expect(previous && existsSync(previous)).toBe(true);

    // On another machine: a new data dir gets the database and the stored files.
    const elsewhere = join(tmp, 'elsewhere');
    await restoreEmbedded(elsewhere, file);
    expect((await new DiskFileStore(join(elsewhere, 'files')).get(template.sha256)).equals(templateBytes)).toBe(true);
    const moved = await openDatabase({ dataDir: elsewhere });
    expect((await new DefinitionStore(moved.orm, new DiskFileStore(join(elsewhere, 'files'))).list(tenant)).map((d) => d.key)).toEqual(['kept']);
    await moved.close();

    db = await openDatabase({ dataDir });
    const store = new DefinitionStore(db.orm, new DiskFileStore(join(dataDir, 'files')));
    expect((await store.list(tenant)).map((d) => d.key)).toEqual(['kept']);
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a file that is not a backup and leaves the current database in place', async () => {
    const t = await embeddedTestDatabase();
    const tenant = await t.newTenant('survivor');
    await t.store.saveDraft(tenant, { doc: dictionary('still-here') }, ADMIN);
    const dataDir = t.dataDir;
    await t.db.close();
    const junk = join(tmp, 'junk.tar.gz');
    await writeFile(junk, 'not a tarball');
    await expect(restoreEmbedded(dataDir, junk)).rejects.toThrow(/not a usable Docket backup/);
    expect((await readdir(dataDir)).filter((n) => n.startsWith('pgdata.before-restore'))).toEqual([]);
    const { openDatabase } = await import('../database.ts');
    const db = await openDatabase({ dataDir });
    const rows = await db.orm.em.fork().execute('select key from definition where tenant_id = ?', [tenant]);
    expect(rows).toEqual([{ key: 'still-here' }]);
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
});
