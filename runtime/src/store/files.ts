import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachmentRef } from './entities.ts';

/**
 * Content-addressed file storage: a file's name is its SHA-256, so writing the same
 * bytes twice is free and a half-finished write never replaces a good file.
 * The default lives under DOCKET_DATA_DIR/files; an S3-compatible store implements the same interface.
 */
export interface FileStore {
  put(bytes: Buffer): Promise<AttachmentRef>;
  get(sha256: string): Promise<Buffer>;
}

export class DiskFileStore implements FileStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }
  private path(sha: string) {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`not a SHA-256: ${sha}`);
    return join(this.root, sha.slice(0, 2), sha);
  }
  async put(bytes: Buffer): Promise<AttachmentRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = this.path(sha256);
    const exists = await stat(target).then(
      (s) => s.size === bytes.length,
      () => false,
    );
    if (!exists) {
      await mkdir(join(target, '..'), { recursive: true });
      const tmp = `${target}.${randomUUID()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    }
    return { sha256, size: bytes.length };
  }
  async get(sha256: string): Promise<Buffer> {
    return readFile(this.path(sha256));
  }
}
