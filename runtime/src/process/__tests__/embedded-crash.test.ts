import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { TestDatabase } from '../../../../tests/support/databases.ts';
import { installFlows } from '../../../../tests/support/processes.ts';
import { openDatabase } from '../../store/database.ts';
import { DefinitionStore } from '../../store/definition-store.ts';
import { DiskFileStore } from '../../store/files.ts';
import { TenantRepository } from '../../store/tenants.ts';
import { ProcessRuntime } from '../runtime.ts';

const CHILD = join(import.meta.dirname, '../../../../tests/support/crash-child.ts');
const dirs: string[] = [];

/** A migrated embedded data dir with the flows installed and one ticket waiting at 确认; closed again. */
async function prepared(): Promise<{ dataDir: string; tenant: string; ticket: string; task: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'docket-crash-'));
  dirs.push(dataDir);
  await cp(inject('embeddedTemplate'), dataDir, { recursive: true });
  const db = await openDatabase({ dataDir, purpose: 'test' });
  try {
    const store = new DefinitionStore(db.orm, new DiskFileStore(join(dataDir, 'files')));
    const tenant = (await new TenantRepository().create(db.orm.em.fork(), 'crash', 'Crash')).id;
    await installFlows({ db, store, dataDir } as TestDatabase, tenant);
    const runtime = new ProcessRuntime(db.orm);
    const ticket = await runtime.createTicket(tenant, { type: 'quick-timers', creator: 'creator' });
    const task = (await runtime.steps(tenant, ticket.id, { id: 'root', admin: true }))[0]?.task as string;
    return { dataDir, tenant, ticket: ticket.id, task };
  } finally {
    await db.close();
  }
}

/** Runs the child until it prints `marker`, then kills it with SIGKILL. */
async function killAt(args: string[], marker: string): Promise<string> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes(marker)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => (out.includes(marker) ? resolve() : reject(new Error(`child exited early: ${out}`))));
  });
  await new Promise((r) => child.on('exit', r));
  return out;
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the embedded database survives a killed server', () => {
  it('killed inside the step transaction: the next start finds the ticket untouched and can do the step', async () => {
    const p = await prepared();
    const out = await killAt(['', p.dataDir, p.tenant, p.ticket, p.task, 'before-commit'], 'READY');
    expect(out).not.toContain('COMMITTED');
    const db = await openDatabase({ dataDir: p.dataDir, purpose: 'test' });
    try {
      const runtime = new ProcessRuntime(db.orm);
      expect((await runtime.get(p.tenant, p.ticket)).status).toBe('待确认');
      const done = await runtime.act(p.tenant, p.ticket, { task: p.task, action: 'accept', actor: { id: 'tech' } });
      expect(done.status).toBe('处理中');
    } finally {
      await db.close();
    }
  }, 90_000);

  it('killed right after the commit: the next start finds the step done, with its timers', async () => {
    const p = await prepared();
    const out = await killAt(['', p.dataDir, p.tenant, p.ticket, p.task, 'after-commit'], 'COMMITTED');
    expect(out).toContain('COMMITTED');
    const db = await openDatabase({ dataDir: p.dataDir, purpose: 'test' });
    try {
      const runtime = new ProcessRuntime(db.orm);
      expect((await runtime.get(p.tenant, p.ticket)).status).toBe('处理中');
      const timers = await db.orm.em.fork().execute("select kind from process_timer where tenant_id = ? and kind = 'boundary'", [p.tenant]);
      expect(timers).toHaveLength(2);
    } finally {
      await db.close();
    }
  }, 90_000);
});
