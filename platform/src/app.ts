import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, DefinitionStore, DiskFileStore, openDatabase, TenantRepository } from '@docket/runtime';
import { ensureFirstAdmin } from './auth/bootstrap.ts';
import type { Config } from './config.ts';
import type { DocketContext } from './context.ts';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const CORE_DEFINITIONS = join(REPO_ROOT, 'definitions');
export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface OpenOptions {
  purpose: string;
  log?: (msg: string) => void;
  /** Tenant slug to act in; the default tenant when absent. */
  tenant?: string;
  /**
   * Make sure the default tenant has an admin even when it already existed (docket start).
   * A freshly created default tenant always gets one.
   */
  ensureAdmin?: boolean;
  /** Shows a generated first-admin password, once (default: stdout). */
  announce?: (message: string) => void;
}

/**
 * Opens the database, applies committed migrations, and on a fresh install creates the
 * default tenant, publishes the core definitions as its first release and creates the first admin.
 */
export async function openDocket(config: Config, options: OpenOptions): Promise<DocketContext> {
  const db: Database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    purpose: options.purpose,
    log: options.log,
    preparedReads: config.DOCKET_DB_PREPARED,
  });
  try {
    const applied = await db.migrate();
    if (applied.length > 0) options.log?.(`Applied migrations: ${applied.join(', ')}`);
    const definitions = new DefinitionStore(db.orm, new DiskFileStore(join(config.dataDir, 'files')));
    const tenants = new TenantRepository();
    const em = db.orm.em.fork();
    const { tenant, created } = await tenants.ensureDefault(em);
    if (created) {
      const result = await definitions.importFolder(tenant.id, CORE_DEFINITIONS, {
        actor: 'system',
        origin: { type: 'core', name: 'docket', version: VERSION },
        note: 'Core definitions',
      });
      options.log?.(`Created the default tenant with ${result.saved.length} core definitions (release ${result.release?.number ?? '-'})`);
    }
    if (created || options.ensureAdmin) {
      await ensureFirstAdmin(em, tenant.id, {
        email: config.DOCKET_ADMIN_EMAIL,
        password: config.DOCKET_ADMIN_PASSWORD,
        announce: options.announce ?? ((m) => console.log(m)),
      });
    }
    const tenantId = options.tenant ? (await tenants.bySlug(em, options.tenant)).id : tenant.id;
    return { db, definitions, tenantId, version: VERSION };
  } catch (e) {
    await db.close();
    throw e;
  }
}
