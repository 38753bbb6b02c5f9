// The S3 driver through the real AWS SDK against a loopback fake of the S3 REST API (path
// style): objects land under <prefix>/<tenant id>/, list and delete stay inside the prefix.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../config/src/index.js';
import { S3Storage } from './s3-storage.js';

const objects = new Map<string, Buffer>();
const requests: Array<{ method: string; url: string; auth: string | undefined }> = [];
let server: Server;
let storage: S3Storage;

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
      const url = new URL(req.url!, 'http://fake');
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (bucket !== 'tenant-files') {
        res.writeHead(404, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>NoSuchBucket</Code></Error>');
      }
      if (req.method === 'PUT' && key) {
        objects.set(key, body);
        res.writeHead(200, { etag: '"x"' });
        return res.end();
      }
      if (req.method === 'GET' && key) {
        const obj = objects.get(key);
        if (!obj) {
          res.writeHead(404, { 'content-type': 'application/xml' });
          return res.end(`<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>no</Message><Key>${xmlEscape(key)}</Key></Error>`);
        }
        res.writeHead(200, { 'content-length': obj.length, 'content-type': 'application/octet-stream' });
        return res.end(obj);
      }
      if (req.method === 'DELETE' && key) {
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        const prefix = url.searchParams.get('prefix') ?? '';
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        const contents = keys.map((k) => `<Contents><Key>${xmlEscape(k)}</Key><Size>${objects.get(k)!.length}</Size></Contents>`).join('');
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(`<?xml version="1.0"?><ListBucketResult><Name>tenant-files</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`);
      }
      if (req.method === 'POST' && url.searchParams.has('delete')) {
        const keys = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
        for (const k of keys) objects.delete(k);
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end('<?xml version="1.0"?><DeleteResult></DeleteResult>');
      }
      res.writeHead(400);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = {
    S3_BUCKET: 'tenant-files',
    S3_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    S3_REGION: 'us-east-1',
    S3_PREFIX: 'tenants',
    S3_FORCE_PATH_STYLE: true,
    S3_ACCESS_KEY_ID: 'AKIAFAKE',
    S3_SECRET_ACCESS_KEY: 'fake-secret',
  } as AppConfig;
  storage = new S3Storage(config);
});

afterAll(async () => {
  storage.onModuleDestroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

describe('S3Storage', () => {
  it('puts, gets, streams, lists and deletes under the tenant prefix, signed', async () => {
    await storage.put(A, 'files/one', Buffer.from('hello'));
    await storage.put(A, 'fine-tune/job.jsonl', Buffer.from('{"a":1}\n'));
    await storage.put(B, 'files/one', Buffer.from('other tenant'));
    expect([...objects.keys()].sort()).toEqual([`tenants/${A}/files/one`, `tenants/${A}/fine-tune/job.jsonl`, `tenants/${B}/files/one`]);
    expect(requests.every((r) => r.auth?.startsWith('AWS4-HMAC-SHA256 Credential=AKIAFAKE/'))).toBe(true);

    expect((await storage.get(A, 'files/one'))?.toString()).toBe('hello');
    expect((await storage.get(B, 'files/one'))?.toString()).toBe('other tenant');
    expect(await storage.get(A, 'files/missing')).toBeNull();
    const stream = await storage.stream(A, 'files/one');
    const chunks: Buffer[] = [];
    for await (const c of stream!) chunks.push(Buffer.from(c as Uint8Array));
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(await storage.stream(A, 'nope')).toBeNull();

    expect((await storage.list(A)).sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'files/one', size: 5 },
      { key: 'fine-tune/job.jsonl', size: 8 },
    ]);
    await storage.delete(A, 'files/one');
    expect(await storage.get(A, 'files/one')).toBeNull();
    await storage.deletePrefix(A);
    expect(await storage.list(A)).toEqual([]);
    expect(await storage.list(B)).toEqual([{ key: 'files/one', size: 12 }]);
  });

  it('refuses keys and tenant ids that could leave the prefix', async () => {
    await expect(storage.put(A, '../other/x', Buffer.from('x'))).rejects.toThrow(/bad key/);
    await expect(storage.put('not-a-uuid', 'x', Buffer.from('x'))).rejects.toThrow(/bad tenant id/);
    await expect(storage.get(A, 'a//b')).rejects.toThrow(/bad key/);
  });
});
