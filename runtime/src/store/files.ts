import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachmentRef } from './entities.ts';

/**
 * Content-addressed file storage: a file's name is its SHA-256, so writing the same
 * bytes twice is free and a half-finished write never replaces a good file.
 * The default lives under DOCKET_DATA_DIR/files; an S3-compatible store implements the same interface.
 */
export interface FileStore {
  put(bytes: Buffer): Promise<AttachmentRef>;
  /** The bytes; fails when nothing is stored under the hash. */
  get(sha256: string): Promise<Buffer>;
  /** Size of what is stored under the hash, or null when nothing is. */
  stat?(sha256: string): Promise<{ size: number } | null>;
  /** Removes the bytes (a garbage collector's job: other rows may share the same content). */
  delete?(sha256: string): Promise<void>;
}

/** The SHA-256 of bytes as stores name them. */
export function contentAddress(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
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
    const sha256 = contentAddress(bytes);
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
  async stat(sha256: string): Promise<{ size: number } | null> {
    return stat(this.path(sha256)).then(
      (s) => ({ size: s.size }),
      () => null,
    );
  }
  async delete(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
  }
}
