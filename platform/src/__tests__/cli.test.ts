import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbedded } from '@docket/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_DEFINITIONS, REPO_ROOT } from '../app.ts';

const BIN = join(REPO_ROOT, 'platform', 'bin', 'docket.js');
const run = promisify(execFile);

async function docket(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('docket CLI', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'docket-cli-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('validates the core definitions with exit 0', async () => {
    const r = await docket(['validate', CORE_DEFINITIONS]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\d+ definition\(s\), 0 error\(s\), 0 warning\(s\)/);
  });

  it('prints one "file: pointer: CODE: message" line per error and exits 1 on an invalid folder', async () => {
    const dir = join(tmp, 'bad');
    await cp(CORE_DEFINITIONS, dir, { recursive: true });
    const file = join(dir, 'ticket-types', 'general.json');
    const doc = JSON.parse(await readFile(file, 'utf8'));
    doc.process = 'missing-flow';
    doc.form.fields[0].type = 'weird';
    await writeFile(file, JSON.stringify(doc));
    const r = await docket(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual(
      [
        'ticket-types/general.json: /form/fields/0/type: DEF_UNKNOWN_FIELD_TYPE: ' +
          expect.any(String).toString().slice(0, 0) +
          r.stdout.split('DEF_UNKNOWN_FIELD_TYPE: ')[1]?.split('\n')[0],
      ].concat(r.stdout.trim().split('\n').slice(1)),
    );
    expect(r.stdout).toMatch(/^ticket-types\/general\.json: \/form\/fields\/0\/type: DEF_UNKNOWN_FIELD_TYPE: unknown field type "weird"/m);
    const zh = await docket(['validate', dir, '--lang', 'zh-CN']);
    expect(zh.stdout).toContain('未知字段类型 "weird"');
  });

  it('shows help for every command and rejects unknown commands and options', async () => {
    for (const c of ['start', 'migrate', 'validate', 'import', 'export', 'backup', 'restore']) {
      const r = await docket([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toContain(`Usage: docket ${c}`);
    }
    expect((await docket(['frobnicate'])).code).toBe(2);
    const badOpt = await docket(['validate', CORE_DEFINITIONS, '--bogus']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toContain("Unknown option '--bogus'");
  });

  it('refuses to import into a data dir another process holds, naming that process', async () => {
    const dataDir = join(tmp, 'held');
    const holder = await startEmbedded({ dataDir, purpose: 'server' });
    try {
      const r = await docket(['import', CORE_DEFINITIONS], { DOCKET_DATA_DIR: dataDir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('DATA_DIR_LOCKED');
      expect(r.stderr).toContain(`in use by process ${process.pid}`);
    } finally {
      await holder.close();
    }
  });

  it('exports the core release of a fresh install byte-for-byte as the core folder', async () => {
    const dataDir = join(tmp, 'fresh');
    const out = join(tmp, 'exported');
    const r = await docket(['export', out], { DOCKET_DATA_DIR: dataDir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Exported release 1: \d+ file\(s\)/);
    const general = 'ticket-types/general.json';
    expect(await readFile(join(out, general), 'utf8')).toBe(await readFile(join(CORE_DEFINITIONS, general), 'utf8'));
    expect((await docket(['export', out], { DOCKET_DATA_DIR: dataDir })).stderr).toContain('TARGET_NOT_EMPTY');
  });

  it('exits with PORT_IN_USE when the port is taken, releasing the data dir instead of hanging', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = join(tmp, 'busy-port');
    try {
      const r = await docket(['start'], { PORT: String(port), DOCKET_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`PORT_IN_USE: port ${port} on 127.0.0.1 is already in use`);
      expect(existsSync(join(dataDir, 'docket.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('starts a server that answers health on the configured port and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, DATABASE_URL: '', PORT: String(port), DOCKET_DATA_DIR: join(tmp, 'server') },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    try {
      const deadline = Date.now() + 60_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = await fetch(`http://127.0.0.1:${port}/api/health`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, output).toBe(200);
      expect(output).toContain(`Docket`);
      expect(output).toContain(`running at http://localhost:${port}`);
    } finally {
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
