import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppConfig } from '../../config/src/index.js';
import { assertStorageKey, StorageDriver } from './storage-driver.js';

const notFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
};

/**
 * S3 (or any S3-compatible store) through the AWS SDK: objects under
 * `<S3_PREFIX>/<tenant id>/<key>` in S3_BUCKET. Selected with STORAGE_DRIVER=s3.
 */
@Injectable()
export class S3Storage extends StorageDriver implements OnModuleDestroy {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: AppConfig) {
    super();
    if (!config.S3_BUCKET) throw new Error('STORAGE_DRIVER=s3 needs S3_BUCKET');
    this.bucket = config.S3_BUCKET;
    this.prefix = config.S3_PREFIX.replace(/^\/+|\/+$/g, '');
    this.client = new S3Client({
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
          : undefined,
    });
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }

  private tenantPrefix(tenantId: string): string {
    assertStorageKey(tenantId, 'x');
    return `${this.prefix ? `${this.prefix}/` : ''}${tenantId}/`;
  }

  private objectKey(tenantId: string, key: string): string {
    assertStorageKey(tenantId, key);
    return this.tenantPrefix(tenantId) + key;
  }

  async put(tenantId: string, key: string, body: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(tenantId, key), Body: body, ContentLength: body.length }));
  }

  async get(tenantId: string, key: string): Promise<Buffer | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(tenantId, key) }));
      if (!res.Body) return Buffer.alloc(0);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  async stream(tenantId: string, key: string): Promise<Readable | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(tenantId, key) }));
      if (!res.Body) return Readable.from([]);
      return res.Body as Readable; // a Node Readable under Node's HTTP handler
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(tenantId, key) }));
  }

  async list(tenantId: string): Promise<Array<{ key: string; size: number }>> {
    const prefix = this.tenantPrefix(tenantId);
    const out: Array<{ key: string; size: number }> = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) out.push({ key: o.Key.slice(prefix.length), size: o.Size ?? 0 });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async deletePrefix(tenantId: string): Promise<void> {
    const keys = (await this.list(tenantId)).map((o) => this.objectKey(tenantId, o.key));
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }
}
