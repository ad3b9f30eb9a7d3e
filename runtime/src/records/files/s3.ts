import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AttachmentRef } from '../../store/entities.ts';
import { contentAddress, type FileStore } from '../../store/files.ts';

/** Where an S3-compatible store (AWS S3, MinIO, OSS/COS in S3 mode…) keeps Docket's files. */
export interface S3Config {
  bucket: string;
  /** e.g. http://minio:9000; absent = AWS for `region`. */
  endpoint?: string;
  region: string;
  /** MinIO and most self-hosted stores need path-style URLs (http://host/bucket/key). */
  forcePathStyle?: boolean;
  /** Absent = the SDK's default chain (environment, instance role…). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Key prefix inside the bucket, e.g. "docket/". */
  prefix?: string;
}

const missing = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
};

/**
 * Content-addressed files in a bucket: the key is the SHA-256, so several platform nodes
 * share one store and re-uploading the same bytes costs a HEAD request, not a PUT.
 */
export class S3FileStore implements FileStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: S3Config) {
    this.bucket = config.bucket;
    this.prefix = config.prefix ?? '';
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle ?? false,
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // Only checksums the operation requires: most S3-compatible servers reject the SDK's default trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(sha: string) {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`not a SHA-256: ${sha}`);
    return `${this.prefix}${sha.slice(0, 2)}/${sha}`;
  }

  async put(bytes: Buffer): Promise<AttachmentRef> {
    const sha256 = contentAddress(bytes);
    const existing = await this.stat(sha256);
    if (existing?.size !== bytes.length) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(sha256), Body: bytes, ContentLength: bytes.length }));
    }
    return { sha256, size: bytes.length };
  }

  async get(sha256: string): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
    if (!out.Body) throw new Error(`empty body for ${sha256}`);
    return Buffer.from(await out.Body.transformToByteArray());
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
      return { size: head.ContentLength ?? 0 };
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
  }

  async delete(sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
  }

  close(): void {
    this.client.destroy();
  }
}
