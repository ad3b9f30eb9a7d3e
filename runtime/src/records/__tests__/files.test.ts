import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { DiskFileStore, type FileStore } from '../../store/files.ts';
import { cleanFilename, openFileStore, readFile, S3FileStore, saveFile, sniffContentType } from '../files/index.ts';

/** A zip local-file header for `name` (stored, no data): what the sniffer reads of Office files. */
const zipEntry = (name: string) => {
  const head = Buffer.alloc(30);
  head.writeUInt32LE(0x04034b50, 0);
  head.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([head, Buffer.from(name)]);
};
const SAMPLES = {
  png: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
  jpeg: Buffer.from('ffd8ffe000104a464946', 'hex'),
  gif: Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
  webp: Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'),
  pdf: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj', 'latin1'),
  mp4: Buffer.from('\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00', 'latin1'),
  xlsx: Buffer.concat([zipEntry('[Content_Types].xml'), zipEntry('_rels/.rels'), zipEntry('xl/workbook.xml')]),
  docx: Buffer.concat([zipEntry('[Content_Types].xml'), zipEntry('word/document.xml')]),
  zip: zipEntry('photos/1.png'),
  text: Buffer.from('报修记录 2026-03-02\n'),
};
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('content sniffing', () => {
  it('recognises photos, videos, PDFs and Office files by their first bytes', () => {
    expect(Object.fromEntries(Object.entries(SAMPLES).map(([k, v]) => [k, sniffContentType(v)]))).toEqual({
      png: 'image/png',
      jpeg: 'image/jpeg',
      gif: 'image/gif',
      webp: 'image/webp',
      pdf: 'application/pdf',
      mp4: 'video/mp4',
      xlsx: XLSX,
      docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      zip: 'application/zip',
      text: null,
    });
  });
  it('keeps only the last part of a file name and drops control characters', () => {
    expect(cleanFilename('../../etc/passwd')).toBe('passwd');
    expect(cleanFilename('C:\\Users\\张三\\现场照片.jpg')).toBe('现场照片.jpg');
    expect(cleanFilename('a\u0000b\nc.pdf')).toBe('abc.pdf');
    expect(cleanFilename('..')).toBe('file');
  });
});

describe.each(BACKENDS)('saved files on %s', (_name, open) => {
  let t: TestDatabase;
  let tenant: string;
  let store: FileStore;
  beforeAll(async () => {
    t = await open();
    tenant = await t.newTenant();
    store = openFileStore({ dataDir: t.dataDir });
  });
  afterAll(async () => {
    await t?.close();
  });
  const save = (bytes: Buffer, filename: string, contentType: string, accept?: string[], maxBytes = 1024) =>
    t.db.orm.em
      .fork()
      .transactional((em) => saveFile(em, store, tenant, { bytes, filename, contentType, uploadedBy: 'tech' }, { maxBytes, ...(accept ? { accept } : {}) }));
  const rows = async () =>
    Number((await t.db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from file_object where tenant_id = ?', [tenant]))[0]?.n);

  it('stores a photo and reads it back with its metadata', async () => {
    const saved = await save(SAMPLES.png, 'site/photo.png', 'image/png', ['image/*']);
    expect(saved).toMatchObject({ filename: 'photo.png', contentType: 'image/png', size: SAMPLES.png.length, uploadedBy: 'tech' });
    const back = await readFile(t.db.orm.em.fork(), store, tenant, saved.id);
    expect(back.bytes.equals(SAMPLES.png)).toBe(true);
    expect(back.file).toEqual(saved);
  });

  it('trusts the content over the declared type, and accepts Office files by extension', async () => {
    expect((await save(SAMPLES.jpeg, 'a.jpg', 'application/octet-stream')).contentType).toBe('image/jpeg');
    expect((await save(SAMPLES.xlsx, 'report.xlsx', 'application/zip', ['.xlsx'])).contentType).toBe(XLSX);
    expect((await save(SAMPLES.text, 'notes.txt', 'text/plain; charset=utf-8')).contentType).toBe('text/plain');
  });

  it('refuses files that are too large or not what they claim or not accepted, writing nothing', async () => {
    const before = await rows();
    await expect(save(Buffer.alloc(2048), 'big.bin', 'application/octet-stream')).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
      details: { maxBytes: 1024, errors: [expect.objectContaining({ field: 'file', code: 'FILE_TOO_LARGE' })] },
    });
    await expect(save(SAMPLES.pdf, 'photo.png', 'image/png')).rejects.toMatchObject({
      code: 'FILE_TYPE_NOT_ALLOWED',
      message: expect.stringContaining('application/pdf'),
    });
    await expect(save(SAMPLES.text, 'photo.png', 'image/png')).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED' });
    await expect(save(SAMPLES.pdf, 'invoice.pdf', 'application/pdf', ['image/*', 'video/mp4'])).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED' });
    await expect(save(SAMPLES.png, 'x.txt', 'text/plain')).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED' });
    expect(await rows()).toBe(before);
  });

  it('hides files of other tenants', async () => {
    const saved = await save(SAMPLES.gif, 'a.gif', 'image/gif');
    const other = await t.newTenant();
    await expect(readFile(t.db.orm.em.fork(), store, other, saved.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readFile(t.db.orm.em.fork(), store, tenant, 'nonsense')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('S3FileStore against a local S3-compatible server (s3rver)', () => {
  let dir: string;
  let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
  let s3: S3FileStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-s3-'));
    // s3rver ships no types; it is a test-only dependency.
    const S3rver = (await import('s3rver' as string)).default as new (o: object) => typeof server;
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'docket-files' }] });
    const { port } = await server.run();
    s3 = new S3FileStore({
      bucket: 'docket-files',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      prefix: 'tenant-files/',
    });
  });
  afterAll(async () => {
    s3?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts, reads, stats and deletes content by its hash', async () => {
    const bytes = Buffer.concat([SAMPLES.pdf, Buffer.alloc(100_000, 7)]);
    const ref = await s3.put(bytes);
    expect(ref).toEqual(await new DiskFileStore(join(dir, 'disk')).put(bytes));
    expect((await s3.get(ref.sha256)).equals(bytes)).toBe(true);
    expect(await s3.stat(ref.sha256)).toEqual({ size: bytes.length });
    expect(await s3.put(bytes)).toEqual(ref);
    await s3.delete(ref.sha256);
    expect(await s3.stat(ref.sha256)).toBeNull();
    await expect(s3.get(ref.sha256)).rejects.toThrow();
  });

  it('is what openFileStore returns when S3 is configured', () => {
    expect(openFileStore({ dataDir: dir, s3: { bucket: 'b', region: 'us-east-1' } })).toBeInstanceOf(S3FileStore);
    expect(openFileStore({ dataDir: dir })).toBeInstanceOf(DiskFileStore);
  });
});
