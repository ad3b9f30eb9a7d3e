import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  type ExportItem,
  fileOf,
  KIND_NAMES,
  KINDS,
  type Kind,
  readDefinitionsFolder,
  sortKeys,
  validateDefinitionsFolder,
  writeDefinitionsFolder,
} from '../index.ts';
import { type Doc, EXAMPLES, expectOnly, expectWellFormed } from './examples.ts';

const CORE = join(import.meta.dirname, '..', '..', '..', '..', 'definitions');
const XLSX = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0xff, 0x00, 0x80]); // zip magic + binary noise

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'docket-defs-'));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** A folder holding exactly these files (string → UTF-8, Buffer → bytes, object → canonical JSON). */
async function folder(files: Record<string, string | Buffer | Doc>): Promise<string> {
  const root = await tempDir();
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), typeof content === 'string' || Buffer.isBuffer(content) ? content : canonicalJson(content));
  }
  return root;
}

/** Every file under root, relative path → bytes. */
async function snapshot(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(root, full).split('\\').join('/'), await readFile(full));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** The loaded files of a folder as export items. */
async function itemsOf(root: string): Promise<ExportItem[]> {
  const { files, issues } = await readDefinitionsFolder(root);
  expect(issues).toEqual([]);
  return files.map((f) => {
    const doc = f.doc as Doc;
    return { kind: doc.kind as Kind, key: doc.key as string, doc, attachments: f.attachments };
  });
}

/** Every example as a file of a folder (report template with its xlsx). */
function exampleFiles(): Record<string, string | Buffer | Doc> {
  const files: Record<string, string | Buffer | Doc> = {};
  for (const kind of KIND_NAMES) {
    const doc = EXAMPLES[kind]();
    files[fileOf(kind, doc.key as string)] = kind === 'process' ? (doc.bpmn as string) : doc;
  }
  files['report-templates/维修派工单.xlsx'] = XLSX;
  return files;
}

describe('the core definitions folder', () => {
  it('validates with zero errors and zero warnings', async () => {
    const { issues, members } = await validateDefinitionsFolder(CORE);
    expect(issues).toEqual([]);
    expect(members.length).toBeGreaterThan(10);
    expect(new Set(members.map((m) => m.doc.kind))).toEqual(
      new Set(['ticketType', 'process', 'recordType', 'dictionary', 'role', 'calendar', 'messageTemplate']),
    );
  });

  it('every member is named after its file and the process carries its task summary', async () => {
    const { members } = await validateDefinitionsFolder(CORE);
    for (const m of members) expect(m.file).toBe(fileOf(m.doc.kind, m.doc.key));
    const general = members.find((m) => m.doc.kind === 'process' && m.doc.key === 'general');
    expect(general?.summary?.process?.tasks).toEqual(['accept', 'handle', 'confirm']);
  });

  it('a folder of every example kind (with the report’s xlsx) validates clean', async () => {
    const { issues, members } = await validateDefinitionsFolder(await folder(exampleFiles()));
    expect(issues).toEqual([]);
    expect(members.map((m) => m.doc.kind).sort()).toEqual([...KIND_NAMES].sort());
  });
});

describe('problems with the files themselves', () => {
  it('a file whose name differs from its key is DEF_FILE_NAME_MISMATCH with both names', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'roles/scheduler.json': EXAMPLES.role() }));
    const i = expectOnly(issues, 'DEF_FILE_NAME_MISMATCH', '/key');
    expect(i).toMatchObject({ file: 'roles/scheduler.json' });
    expect(i.params).toEqual({ expected: 'scheduler', key: 'dispatcher' });
    expect(i.message.en).toContain('scheduler');
    expect(i.message['zh-CN']).toContain('dispatcher');
  });

  it('a document in the wrong kind folder is DEF_WRONG_FOLDER naming the right folder', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'roles/fault-types.json': EXAMPLES.dictionary() }));
    const i = expectOnly(issues, 'DEF_WRONG_FOLDER', '/kind');
    expect(i.file).toBe('roles/fault-types.json');
    expect(i.params).toEqual({ kind: 'dictionary', folder: 'dictionaries' });
    expect(i.message.en).toBe('a dictionary belongs in folder dictionaries/');
  });

  it('invalid JSON is DEF_INVALID_JSON with the file and the parser reason', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'dictionaries/fault-types.json': '{"kind": "dictionary", "key": "fault-types",' }));
    const i = expectOnly(issues, 'DEF_INVALID_JSON', '');
    expect(i.file).toBe('dictionaries/fault-types.json');
    expect(String(i.params?.reason)).not.toBe('');
    expect(i.message['zh-CN']).toContain('不是有效的 JSON');
  });

  it('a UTF-8 byte-order mark is tolerated', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'dictionaries/fault-types.json': `\uFEFF${canonicalJson(EXAMPLES.dictionary())}` }));
    expect(issues).toEqual([]);
  });

  it('bytes that are not UTF-8 are DEF_NOT_UTF8 (JSON and BPMN alike)', async () => {
    const gbk = Buffer.concat([
      Buffer.from('{"kind":"dictionary","key":"fault-types","name":{"zh-CN":"'),
      Buffer.from([0xb9, 0xca, 0xd5, 0xcf]),
      Buffer.from('"}}'),
    ]);
    const { issues } = await validateDefinitionsFolder(
      await folder({ 'dictionaries/fault-types.json': gbk, 'processes/repair.bpmn': Buffer.from([0x3c, 0xff, 0xfe, 0x3e]) }),
    );
    expect(issues.map((i) => `${i.code} ${i.file} ${i.severity}`)).toEqual([
      'DEF_NOT_UTF8 dictionaries/fault-types.json error',
      'DEF_NOT_UTF8 processes/repair.bpmn error',
    ]);
    expectWellFormed(issues);
  });

  it('an unknown top-level folder and stray files are warnings (DEF_UNEXPECTED_FILE), not errors', async () => {
    const root = await folder({
      'workflows/repair.json': EXAMPLES.ticketType(),
      'notes.txt': '待办：补充投诉工单',
      'roles/dispatcher.json': EXAMPLES.role(),
      'roles/dispatcher.json.bak': 'old',
      'processes/repair.xml': '<xml/>',
      'README.md': '# ignored',
      'roles/.DS_Store': 'ignored',
    });
    const { issues } = await readDefinitionsFolder(root);
    expect(issues.map((i) => `${i.code} ${i.file} ${i.severity} ${i.pointer}`)).toEqual([
      'DEF_UNEXPECTED_FILE notes.txt warning ',
      'DEF_UNEXPECTED_FILE processes/repair.xml warning ',
      'DEF_UNEXPECTED_FILE roles/dispatcher.json.bak warning ',
      'DEF_UNEXPECTED_FILE workflows warning ',
    ]);
    expectWellFormed(issues);
    expect(issues[0]?.message.en).toContain('not a definition folder');
    expect(issues[0]?.message['zh-CN']).toContain('不是定义文件夹');
    expect(issues[1]?.message.en).toContain('.bpmn');
  });

  it('a file where a kind folder should be is a warning', async () => {
    const { issues } = await readDefinitionsFolder(await folder({ roles: 'not a folder' }));
    expectOnly(issues, 'DEF_UNEXPECTED_FILE', '', 'warning');
  });

  it('a report template whose xlsx is missing is DEF_MISSING_FILE at /file', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'report-templates/repair-sheet.json': EXAMPLES.reportTemplate() }), {
      get: () => ({}),
    });
    const i = expectOnly(issues, 'DEF_MISSING_FILE', '/file');
    expect(i).toMatchObject({ file: 'report-templates/repair-sheet.json', params: { name: '维修派工单.xlsx' } });
    expect(i.message['zh-CN']).toContain('维修派工单.xlsx');
  });

  it('a report template whose xlsx sits beside it gets it as an attachment, byte for byte', async () => {
    const root = await folder({ 'report-templates/repair-sheet.json': EXAMPLES.reportTemplate(), 'report-templates/维修派工单.xlsx': XLSX });
    const { files, issues } = await readDefinitionsFolder(root);
    expect(issues).toEqual([]);
    expect(files).toHaveLength(1);
    expect([...files[0]!.attachments.keys()]).toEqual(['维修派工单.xlsx']);
    expect(files[0]!.attachments.get('维修派工单.xlsx')?.equals(XLSX)).toBe(true);
  });

  it('an xlsx that no report template names is a warning', async () => {
    const { issues } = await readDefinitionsFolder(await folder({ 'report-templates/旧模板.xlsx': XLSX }));
    const i = expectOnly(issues, 'DEF_UNEXPECTED_FILE', '', 'warning');
    expect(i.file).toBe('report-templates/旧模板.xlsx');
  });

  it('a namespaced key lives one folder down: ticket-types/acme/repair.json is acme:repair', async () => {
    const ticket = { ...EXAMPLES.ticketType(), key: 'acme:repair' };
    const { files, issues } = await readDefinitionsFolder(
      await folder({ 'ticket-types/acme/repair.json': ticket, 'processes/acme/flow.bpmn': EXAMPLES.process().bpmn as string }),
    );
    expect(issues).toEqual([]);
    expect(files.map((f) => [f.file, (f.doc as Doc).key])).toEqual([
      ['processes/acme/flow.bpmn', 'acme:flow'],
      ['ticket-types/acme/repair.json', 'acme:repair'],
    ]);
    expect(fileOf('ticketType', 'acme:repair')).toBe('ticket-types/acme/repair.json');
  });

  it('a namespaced document without its namespace in the key is a file-name mismatch', async () => {
    const { issues } = await readDefinitionsFolder(await folder({ 'ticket-types/acme/repair.json': EXAMPLES.ticketType() }));
    const i = expectOnly(issues, 'DEF_FILE_NAME_MISMATCH', '/key');
    expect(i.params).toEqual({ expected: 'acme:repair', key: 'repair' });
  });

  it('schema issues found while validating a folder carry the file', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'dictionaries/fault-types.json': { ...EXAMPLES.dictionary(), tree: 'yes' } }));
    const i = expectOnly(issues, 'DEF_WRONG_TYPE', '/tree');
    expect(i).toMatchObject({ file: 'dictionaries/fault-types.json', kind: 'dictionary', key: 'fault-types' });
  });

  it('the same definition under a plain and a namespaced name is two definitions', async () => {
    const { issues } = await validateDefinitionsFolder(
      await folder({
        'dictionaries/fault-types.json': EXAMPLES.dictionary(),
        'dictionaries/acme/fault-types.json': { ...EXAMPLES.dictionary(), key: 'acme:fault-types' },
      }),
    );
    expect(issues).toEqual([]);
  });

  it('a JSON file holding an array is DEF_NOT_AN_OBJECT for that file', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'roles/dispatcher.json': '[]' }));
    const i = expectOnly(issues, 'DEF_NOT_AN_OBJECT', '');
    expect(i.file).toBe('roles/dispatcher.json');
  });

  // BUG: folder.ts reads `(doc as { file?: unknown }).file` for every parsed document, so a
  // definition file whose whole content is the JSON literal `null` (input: roles/dispatcher.json
  // containing "null\n") makes readDefinitionsFolder throw "TypeError: Cannot read properties of
  // null (reading 'file')" instead of reporting DEF_NOT_AN_OBJECT for that file.
  it('a JSON file holding null is DEF_NOT_AN_OBJECT, not a crash', async () => {
    const { issues } = await validateDefinitionsFolder(await folder({ 'roles/dispatcher.json': 'null\n' }));
    const i = expectOnly(issues, 'DEF_NOT_AN_OBJECT', '');
    expect(i.file).toBe('roles/dispatcher.json');
  });

  // BUG: folder.ts reads one namespace level and then calls readFile on every entry of a
  // namespace folder, so a directory two levels down (ticket-types/acme/old/) makes
  // readDefinitionsFolder throw "EISDIR: illegal operation on a directory, read" instead
  // of reporting DEF_UNEXPECTED_FILE.
  it('a folder nested two levels deep is a warning, not a crash', async () => {
    const root = await folder({ 'ticket-types/acme/old/repair.json': { ...EXAMPLES.ticketType(), key: 'acme:repair' } });
    const { issues } = await readDefinitionsFolder(root);
    expectOnly(issues, 'DEF_UNEXPECTED_FILE', '', 'warning');
  });
});

describe('byte-stable writing', () => {
  it('reading the core folder and writing it twice gives identical bytes both times', async () => {
    const items = await itemsOf(CORE);
    const a = await tempDir();
    const b = await tempDir();
    const writtenA = await writeDefinitionsFolder(a, items);
    const first = await snapshot(a);
    await writeDefinitionsFolder(a, items);
    await writeDefinitionsFolder(b, [...items].reverse());
    expect([...(await snapshot(a)).keys()]).toEqual([...first.keys()]);
    for (const [file, bytes] of await snapshot(a)) expect(bytes.equals(first.get(file) as Buffer), file).toBe(true);
    for (const [file, bytes] of await snapshot(b)) expect(bytes.equals(first.get(file) as Buffer), file).toBe(true);
    expect([...first.keys()]).toEqual([...writtenA].sort((x, y) => x.localeCompare(y)));
  });

  it('canonical JSON files and BPMN files come out byte-for-byte as they went in', async () => {
    const out = await tempDir();
    await writeDefinitionsFolder(out, await itemsOf(CORE));
    const input = await snapshot(CORE);
    const output = await snapshot(out);
    let canonical = 0;
    for (const [file, bytes] of input) {
      const text = bytes.toString('utf8');
      if (file.endsWith('.bpmn')) {
        expect(output.get(file)?.equals(bytes), file).toBe(true);
      } else if (file.endsWith('.json') && canonicalJson(JSON.parse(text)) === text) {
        canonical++;
        expect(output.get(file)?.equals(bytes), file).toBe(true);
      }
    }
    expect(canonical).toBeGreaterThan(0);
    expect([...output.keys()].filter((f) => f.endsWith('.bpmn'))).toEqual(['processes/general.bpmn']);
  });

  it('the core JSON files are all in canonical form', async () => {
    for (const [file, bytes] of await snapshot(CORE)) {
      if (!file.endsWith('.json')) continue;
      const text = bytes.toString('utf8');
      expect(canonicalJson(JSON.parse(text)), file).toBe(text);
    }
  });

  it('a BPMN file with CRLF line ends and no trailing newline is written back unchanged', async () => {
    const bpmn = (EXAMPLES.process().bpmn as string).replaceAll('\n', '\r\n').trimEnd();
    const root = await folder({ 'processes/repair.bpmn': bpmn });
    const out = await tempDir();
    await writeDefinitionsFolder(out, await itemsOf(root));
    expect((await readFile(join(out, 'processes/repair.bpmn'))).equals(Buffer.from(bpmn))).toBe(true);
  });

  it('a BPMN file with a UTF-8 byte-order mark validates and is written back with its mark', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EXAMPLES.process().bpmn as string)]);
    const root = await folder({ 'processes/repair.bpmn': bytes });
    expect((await validateDefinitionsFolder(root)).issues).toEqual([]);
    const out = await tempDir();
    await writeDefinitionsFolder(out, await itemsOf(root));
    expect((await readFile(join(out, 'processes/repair.bpmn'))).equals(bytes)).toBe(true);
  });

  it('a folder of every kind, with namespaces and an xlsx, round-trips to identical bytes', async () => {
    const files = exampleFiles();
    files['dictionaries/acme/fault-types.json'] = { ...EXAMPLES.dictionary(), key: 'acme:fault-types' };
    files['report-templates/acme/sheet.json'] = { ...EXAMPLES.reportTemplate(), key: 'acme:sheet', file: 'sheet.docx' };
    files['report-templates/acme/sheet.docx'] = Buffer.from([1, 2, 3, 0xff]);
    const root = await folder(files);
    const out = await tempDir();
    const written = await writeDefinitionsFolder(out, await itemsOf(root));
    expect(written).toContain('report-templates/acme/sheet.docx');
    const input = await snapshot(root);
    const output = await snapshot(out);
    expect([...output.keys()]).toEqual([...input.keys()]);
    for (const [file, bytes] of input) expect(output.get(file)?.equals(bytes), file).toBe(true);
    expect((await validateDefinitionsFolder(out)).issues).toEqual([]);
  });

  it('writing drops the version field (versions are the server’s), keeping everything else', async () => {
    const out = await tempDir();
    const doc = { ...EXAMPLES.role(), version: 7 };
    await writeDefinitionsFolder(out, [{ kind: 'role', key: 'dispatcher', doc, attachments: new Map() }]);
    const text = await readFile(join(out, 'roles/dispatcher.json'), 'utf8');
    const { version: _v, ...rest } = doc;
    expect(text).toBe(canonicalJson(rest));
    expect(JSON.parse(text)).not.toHaveProperty('version');
  });

  it('every kind is written to its own folder with its own extension', () => {
    for (const kind of KIND_NAMES) {
      expect(fileOf(kind, 'x')).toBe(`${KINDS[kind].folder}/x${KINDS[kind].extension}`);
    }
    expect(fileOf('process', 'repair')).toBe('processes/repair.bpmn');
  });
});

describe('canonicalJson', () => {
  it('sorts keys recursively (also inside arrays), indents by two spaces and ends with a newline', () => {
    const text = canonicalJson({ zeta: 1, alpha: { b: [{ y: 1, x: 2 }], a: null }, 中文: '维修', Z: true });
    expect(text).toBe(
      '{\n  "Z": true,\n  "alpha": {\n    "a": null,\n    "b": [\n      {\n        "x": 2,\n        "y": 1\n      }\n    ]\n  },\n  "zeta": 1,\n  "中文": "维修"\n}\n',
    );
  });

  it('keeps array order and drops undefined properties', () => {
    expect(canonicalJson({ list: [3, 1, 2], gone: undefined })).toBe('{\n  "list": [\n    3,\n    1,\n    2\n  ]\n}\n');
  });

  it('is idempotent and independent of key insertion order', () => {
    const a = canonicalJson({ b: 1, a: { d: 2, c: 3 } });
    expect(canonicalJson({ a: { c: 3, d: 2 }, b: 1 })).toBe(a);
    expect(canonicalJson(JSON.parse(a))).toBe(a);
  });

  it('sorts by code unit (uppercase before lowercase, digits first)', () => {
    expect(Object.keys(sortKeys({ b: 1, B: 2, '1': 3, a: 4 }) as object)).toEqual(['1', 'B', 'a', 'b']);
  });

  it('writes scalars and empty containers canonically', () => {
    expect(canonicalJson('维修')).toBe('"维修"\n');
    expect(canonicalJson([])).toBe('[]\n');
    expect(canonicalJson({})).toBe('{}\n');
  });
});
