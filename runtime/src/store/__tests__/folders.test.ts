import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { canonicalJson, writeDefinitionsFolder } from '../../definitions/index.ts';
import { DefinitionError } from '../../errors.ts';
import { ADMIN, dictionary } from './fixtures.ts';

const CORE = join(import.meta.dirname, '..', '..', '..', '..', 'definitions');

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe.each(BACKENDS)('definition folders on %s', (_name, open) => {
  let t: TestDatabase;
  let tmp: string;
  beforeAll(async () => {
    t = await open();
    tmp = await mkdtemp(join(tmpdir(), 'docket-folders-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('imports a folder all-or-nothing: an error in the 50th file leaves nothing written', async () => {
    const tenant = await t.newTenant();
    const dir = join(tmp, 'fifty');
    await mkdir(join(dir, 'dictionaries'), { recursive: true });
    for (let i = 1; i <= 50; i++) {
      const doc = i === 50 ? { ...dictionary(`d${i}`), items: [{ value: 'x' }] } : dictionary(`d${i}`);
      await writeFile(join(dir, 'dictionaries', `d${i}.json`), JSON.stringify(doc));
    }
    const err = (await t.store.importFolder(tenant, dir, ADMIN).catch((e) => e)) as DefinitionError;
    expect(err).toBeInstanceOf(DefinitionError);
    expect(err.issues.map((i) => [i.file, i.pointer, i.code])).toEqual([['dictionaries/d50.json', '/items/0/label', 'DEF_MISSING_PROPERTY']]);
    expect(await t.store.list(tenant)).toEqual([]);
    expect(await t.store.releases(tenant)).toEqual([]);

    await writeFile(join(dir, 'dictionaries', 'd50.json'), JSON.stringify(dictionary('d50')));
    const ok = await t.store.importFolder(tenant, dir, ADMIN);
    expect(ok.release).toMatchObject({ number: 1, total: 50 });
    // Importing the same folder again changes nothing and publishes nothing.
    const again = await t.store.importFolder(tenant, dir, ADMIN);
    expect(again.release).toBeUndefined();
    expect(again.saved.every((s) => !s.changed)).toBe(true);
  });

  it('refuses to overwrite an unpublished draft on import unless told to, and writes nothing when it refuses', async () => {
    const tenant = await t.newTenant();
    const dir = join(tmp, 'drafts');
    await mkdir(join(dir, 'dictionaries'), { recursive: true });
    await writeFile(join(dir, 'dictionaries', 'causes.json'), JSON.stringify(dictionary('causes', ['from-folder'])));
    await writeFile(join(dir, 'dictionaries', 'other.json'), JSON.stringify(dictionary('other')));
    await t.store.saveDraft(tenant, { doc: dictionary('causes', ['admin-work']) }, ADMIN);
    const err = await t.store.importFolder(tenant, dir, ADMIN).catch((e) => e);
    expect(err).toMatchObject({ code: 'DRAFT_EXISTS', details: { drafts: ['dictionary:causes (draft version 1)'] } });
    expect((await t.store.getVersion(tenant, 'dictionary', 'causes')).body.items).toEqual([{ value: 'admin-work', label: { en: 'admin-work' } }]);
    expect((await t.store.list(tenant)).map((d) => d.key)).toEqual(['causes']);
    const forced = await t.store.importFolder(tenant, dir, { ...ADMIN, replaceDrafts: true });
    expect(forced.release?.published.map((p) => p.key)).toEqual(['causes', 'other']);
  });

  it('exports the core release byte-for-byte as the core definitions folder, and re-exports identically', async () => {
    const tenant = await t.newTenant();
    await t.store.importFolder(tenant, CORE, { ...ADMIN, origin: { type: 'core', name: 'docket' } });
    const out1 = join(tmp, 'export1');
    const out2 = join(tmp, 'export2');
    await writeDefinitionsFolder(out1, (await t.store.exportRelease(tenant)).items);
    // Round trip: import the export into a fresh tenant and export again.
    const other = await t.newTenant();
    await t.store.importFolder(other, out1, ADMIN);
    await writeDefinitionsFolder(out2, (await t.store.exportRelease(other)).items);

    const coreFiles = (await filesUnder(CORE)).filter((f) => !/(^|\/)(README|\.)/.test(f));
    expect(await filesUnder(out1)).toEqual(coreFiles);
    expect(await filesUnder(out2)).toEqual(coreFiles);
    for (const f of coreFiles) {
      const original = await readFile(join(CORE, f));
      expect((await readFile(join(out1, f))).equals(original), f).toBe(true);
      expect((await readFile(join(out2, f))).equals(original), f).toBe(true);
      if (f.endsWith('.json')) expect(original.toString(), `${f} is canonical`).toBe(canonicalJson(JSON.parse(original.toString())));
    }
  });

  it('stores a report template file beside its definition and exports it unchanged', async () => {
    const tenant = await t.newTenant();
    const dir = join(tmp, 'report');
    await cp(CORE, dir, { recursive: true });
    await mkdir(join(dir, 'report-templates'), { recursive: true });
    const bytes = Buffer.from('PK\u0003\u0004 pretend xlsx bytes \u0000\u00ff');
    await writeFile(join(dir, 'report-templates', 'service-report.xlsx'), bytes);
    await writeFile(
      join(dir, 'report-templates', 'service-report.json'),
      canonicalJson({
        kind: 'reportTemplate',
        key: 'service-report',
        name: { en: 'Service report' },
        file: 'service-report.xlsx',
        ticketTypes: ['general'],
        output: 'xlsx',
      }),
    );
    await t.store.importFolder(tenant, dir, ADMIN);
    const exported = await t.store.exportRelease(tenant);
    expect(
      exported.items
        .find((i) => i.kind === 'reportTemplate')
        ?.attachments.get('service-report.xlsx')
        ?.equals(bytes),
    ).toBe(true);
  });
});
