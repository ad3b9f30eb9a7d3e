import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Locale } from '@docket/runtime';
import type { Config } from '../config.ts';

// Commands load the runtime and server lazily, so `docket --help` and `validate` start fast.
const runtime = () => import('@docket/runtime');
const loadApp = () => import('../app.ts');
const definitions = () => import('@docket/runtime/definitions/index.ts');

export interface CommandInput {
  args: string[];
  options: Record<string, string | boolean | undefined>;
  config: () => Config;
}
export interface Command {
  summary: string;
  usage?: string;
  positionals?: number;
  options?: Record<string, { type: 'string' | 'boolean'; help: string }>;
  run(input: CommandInput): Promise<number>;
}

const say = (msg: string) => console.log(msg);
const tenantOption = { tenant: { type: 'string' as const, help: 'Tenant slug (default: the default tenant)' } };
const langOption = { lang: { type: 'string' as const, help: 'Message language: en (default) or zh-CN' } };
const locale = (o: CommandInput['options']): Locale => (o.lang === 'zh-CN' ? 'zh-CN' : 'en');

async function printIssues(e: unknown, lang: Locale): Promise<boolean> {
  const [{ DefinitionError }, { formatIssue }] = await Promise.all([import('@docket/runtime/errors.ts'), definitions()]);
  if (!(e instanceof DefinitionError)) return false;
  for (const i of e.issues) console.log(formatIssue(i, lang));
  console.error(`${e.issues.filter((i) => i.severity === 'error').length} error(s); nothing was written.`);
  return true;
}

async function requireFolder(dir: string) {
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw Object.assign(new Error(`${dir} is not a folder`), { code: 'NOT_A_FOLDER' });
}

export const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'Start the server (embedded database in DOCKET_DATA_DIR unless DATABASE_URL is set)',
    async run({ config }) {
      const cfg = config();
      const [{ openDocket }, { buildServer }, { pino }, { default: closeWithGrace }] = await Promise.all([
        loadApp(),
        import('../server.ts'),
        import('pino'),
        import('close-with-grace'),
      ]);
      const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
      const logger = pino({
        level: cfg.LOG_LEVEL,
        ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
      });
      // The first admin's generated password goes to the console once, not into the structured log.
      const ctx = await openDocket(cfg, { purpose: 'server', log: (m) => logger.info(m), ensureAdmin: true, announce: (m) => console.log(m) });
      const { ManagerDirectory } = await import('../auth/directory.ts');
      const { authSettingsOf, trustProxyOf } = await import('../config.ts');
      ctx.directory = await new ManagerDirectory(ctx.db.orm).start(60_000, (err) => logger.error({ err }, 'refreshing the manager directory failed'));
      const { serviceOptionsOf } = await import('../config.ts');
      const { JobQueue } = await runtime();
      const { createServices } = await import('../services.ts');
      // The job queue starts before the routes: ticket actions queue their timers and webhooks in their own transactions.
      const queue = await JobQueue.start(ctx.db, {
        log: (level, message, details) => (level === 'error' ? logger.error(details ?? {}, message) : level === 'warn' ? logger.warn(message) : undefined),
      });
      const services = await createServices(ctx, queue, serviceOptionsOf(cfg));
      const trustProxy = trustProxyOf(cfg);
      const app = await buildServer(ctx, { logger, auth: authSettingsOf(cfg), services, ...(trustProxy !== undefined ? { trustProxy } : {}) });
      // The engine (job queue, timer and outbox workers) starts once the server listens, so health answers sooner.
      let engine: Promise<{ stop(): Promise<void> }> | undefined;
      const stopEngine = async () => {
        await (await engine?.catch(() => undefined))?.stop();
      };
      const graceful = closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
        if (err) logger.error({ err }, 'shutting down after an error');
        else logger.info(`${signal}: shutting down`);
        await app.close();
        await stopEngine();
        ctx.directory?.stop();
        await ctx.db.close();
      });
      const db = ctx.db.kind === 'embedded' ? `the embedded database in ${cfg.dataDir}` : 'PostgreSQL (DATABASE_URL)';
      try {
        await app.listen({
          host: cfg.HOST,
          port: cfg.PORT,
          listenTextResolver: (a) => `Docket ${ctx.version} is running at ${a.replace('127.0.0.1', 'localhost')} on ${db}`,
        });
      } catch (e) {
        // Nothing is served: release the database (and its lock) and exit instead of lingering.
        graceful.uninstall();
        ctx.directory?.stop();
        await app.close();
        await queue.stop({ graceful: false });
        await ctx.db.close();
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EADDRINUSE')
          throw Object.assign(new Error(`port ${cfg.PORT} on ${cfg.HOST} is already in use; set PORT to another port`), { code: 'PORT_IN_USE' });
        throw e;
      }
      engine = import('../engine.ts').then(({ startEngine }) =>
        startEngine(ctx, services, logger, {
          allowPrivateWebhookTargets: cfg.DOCKET_WEBHOOKS_ALLOW_PRIVATE,
          ...(cfg.DOCKET_WEBHOOK_SECRET ? { webhookSecret: cfg.DOCKET_WEBHOOK_SECRET } : {}),
        }),
      );
      engine.catch((err) => logger.error({ err }, 'the process engine failed to start; timers and notifications are not running'));
      if (['127.0.0.1', 'localhost', '::1'].includes(cfg.HOST))
        logger.info('Listening on the loopback interface only; set HOST=0.0.0.0 to serve other machines (see docs/security.md)');
      return 0;
    },
  },
  migrate: {
    summary: 'Apply committed database migrations',
    async run({ config }) {
      const cfg = config();
      const { openDatabase } = await runtime();
      const db = await openDatabase({ databaseUrl: cfg.DATABASE_URL, dataDir: cfg.dataDir, purpose: 'migrate', log: say });
      try {
        const applied = await db.migrate();
        say(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
        return 0;
      } finally {
        await db.close();
      }
    },
  },
  validate: {
    summary: 'Validate a definitions folder (exit 1 if it has errors; warnings do not fail)',
    usage: '<dir>',
    positionals: 1,
    options: { ...langOption },
    async run({ args, options }) {
      const dir = resolve(args[0] as string);
      await requireFolder(dir);
      const { validateDefinitionsFolder, formatIssue, hasErrors } = await definitions();
      const { issues, members } = await validateDefinitionsFolder(dir);
      for (const i of issues) console.log(formatIssue(i, locale(options)));
      const errors = issues.filter((i) => i.severity === 'error').length;
      console.error(`${members.length} definition(s), ${errors} error(s), ${issues.length - errors} warning(s)`);
      return hasErrors(issues) ? 1 : 0;
    },
  },
  import: {
    summary: 'Import a definitions folder all-or-nothing and publish it as one release',
    usage: '<dir>',
    positionals: 1,
    options: {
      ...tenantOption,
      draft: { type: 'boolean', help: 'Only save drafts; do not publish' },
      'replace-drafts': { type: 'boolean', help: 'Overwrite pending drafts of the same definitions (otherwise the import refuses)' },
      note: { type: 'string', help: 'Release note' },
      ...langOption,
    },
    async run({ args, options, config }) {
      const dir = resolve(args[0] as string);
      await requireFolder(dir);
      const { formatIssue } = await definitions();
      const { openDocket } = await loadApp();
      const ctx = await openDocket(config(), { purpose: 'import', log: say, tenant: options.tenant as string | undefined });
      try {
        const r = await ctx.definitions.importFolder(ctx.tenantId, dir, {
          actor: 'cli',
          origin: { type: 'admin' },
          publish: options.draft !== true,
          replaceDrafts: options['replace-drafts'] === true,
          note: (options.note as string | undefined) ?? `Imported from ${dir}`,
        });
        for (const w of r.warnings) console.log(formatIssue(w, locale(options)));
        const changed = r.saved.filter((s) => s.changed).length;
        say(
          `Imported ${r.saved.length} definition(s), ${changed} changed${r.release ? `; published release ${r.release.number}` : options.draft ? ' (drafts only)' : ''}.`,
        );
        return 0;
      } catch (e) {
        if (await printIssues(e, locale(options))) return 1;
        throw e;
      } finally {
        await ctx.db.close();
      }
    },
  },
  export: {
    summary: 'Export a release as a definitions folder (byte-stable)',
    usage: '<dir>',
    positionals: 1,
    options: { ...tenantOption, release: { type: 'string', help: 'Release number (default: the latest)' } },
    async run({ args, options, config }) {
      const dir = resolve(args[0] as string);
      if (existsSync(dir) && (await readdir(dir)).length > 0)
        throw Object.assign(new Error(`${dir} is not empty; export writes into an empty or new folder`), { code: 'TARGET_NOT_EMPTY' });
      const number = options.release === undefined ? undefined : Number(options.release);
      if (number !== undefined && !(Number.isInteger(number) && number > 0))
        throw Object.assign(new Error('--release takes a release number'), { code: 'INVALID_ARGUMENT' });
      const { writeDefinitionsFolder } = await definitions();
      const { openDocket } = await loadApp();
      const ctx = await openDocket(config(), { purpose: 'export', tenant: options.tenant as string | undefined });
      try {
        const exported = await ctx.definitions.exportRelease(ctx.tenantId, number);
        const files = await writeDefinitionsFolder(dir, exported.items);
        say(`Exported release ${exported.number}: ${files.length} file(s) to ${dir}`);
        return 0;
      } finally {
        await ctx.db.close();
      }
    },
  },
  backup: {
    summary: 'Write the embedded database to a file (stop the server first)',
    usage: '<file>',
    positionals: 1,
    async run({ args, config }) {
      const cfg = config();
      if (cfg.DATABASE_URL) throw Object.assign(new Error('backup copies the embedded database; for PostgreSQL use pg_dump'), { code: 'NOT_EMBEDDED' });
      const { backupEmbedded } = await runtime();
      const bytes = await backupEmbedded(cfg.dataDir, resolve(args[0] as string));
      say(`Backed up ${cfg.dataDir} to ${args[0]} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
      return 0;
    },
  },
  restore: {
    summary: 'Replace the embedded database with a backup file (stop the server first)',
    usage: '<file>',
    positionals: 1,
    async run({ args, config }) {
      const cfg = config();
      if (cfg.DATABASE_URL) throw Object.assign(new Error('restore loads the embedded database; for PostgreSQL use pg_restore/psql'), { code: 'NOT_EMBEDDED' });
      const file = resolve(args[0] as string);
      if (!existsSync(file)) throw Object.assign(new Error(`${file} does not exist`), { code: 'NOT_FOUND' });
      const { restoreEmbedded } = await runtime();
      const { previous } = await restoreEmbedded(cfg.dataDir, file);
      say(`Restored ${file} into ${cfg.dataDir}${previous ? `; the previous database was kept in ${previous}` : ''}`);
      return 0;
    },
  },
};
