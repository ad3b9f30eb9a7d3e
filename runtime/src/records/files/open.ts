import { join } from 'node:path';
import { DiskFileStore, type FileStore } from '../../store/files.ts';
import { type S3Config, S3FileStore } from './s3.ts';

/** The configured file store: an S3-compatible bucket when given, else DOCKET_DATA_DIR/files (one node only). */
export function openFileStore(options: { dataDir: string; s3?: S3Config }): FileStore {
  return options.s3 ? new S3FileStore(options.s3) : new DiskFileStore(join(options.dataDir, 'files'));
}
