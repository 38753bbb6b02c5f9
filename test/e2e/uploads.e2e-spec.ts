// Uploads (issue 16): POST /api/v1/corpus/files stores the original under the tenant's storage
// prefix and turns its text into a document; GET /api/v1/corpus/files/{id} gives the bytes back.
// The type is decided by the content, sizes over MAX_UPLOAD_MB are 413 and other types 415, and
// a refused upload (type, size, quota) leaves nothing behind: no document, no row, no bytes.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { activeTenant, client, createTenant, type Doc, registerUser, waitForStatus } from '../support/http.js';
import { makePdf } from '../support/pdf.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const MB = 1024 * 1024;

interface FileBody {
  id: string;
  document_id: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  created_at: string;
}

async function upload(token: string, tenantId: string, name: string, data: Buffer | string, type = 'application/octet-stream', field = 'file') {
  const form = new FormData();
  form.append(field, new Blob([data], { type }), name);
  const res = await fetch(`${stack.apiUrl}/api/v1/corpus/files`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenantId }, body: form });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as FileBody & { code?: string; message: string; details?: unknown } };
}

async function download(token: string, tenantId: string, id: string) {
  const res = await fetch(`${stack.apiUrl}/api/v1/corpus/files/${id}`, { headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenantId } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const headers = (tenantId: string) => ({ 'x-tenant-id': tenantId });
const docs = async (token: string, tenantId: string) => (await request<{ documents: Doc[]; total: number }>('GET', '/api/v1/corpus/documents?limit=100', { token, headers: headers(tenantId) })).body;
const files = async (token: string, tenantId: string) => (await request<{ files: FileBody[]; total: number }>('GET', '/api/v1/corpus/files?limit=100', { token, headers: headers(tenantId) })).body;
const storedKeys = async (tenantId: string): Promise<string[]> => {
  try {
    return (await readdir(join(stack.dataDir, 'storage', tenantId), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

/** Nothing at all was stored for the tenant: no document, no file row, no bytes on disk. */
async function expectNothingStored(token: string, tenantId: string): Promise<void> {
  expect(await docs(token, tenantId)).toMatchObject({ total: 0 });
  expect(await files(token, tenantId)).toMatchObject({ total: 0 });
  expect(await storedKeys(tenantId)).toEqual([]);
}

describe('uploads: each type', () => {
  it('takes txt, md, html and a real PDF; their text becomes documents and the originals come back byte for byte', async () => {
    const { owner, tenant } = await activeTenant(request);
    const pdf = await makePdf(['Quarterly pineapple revenue grew strongly.', 'Second page about zebra migrations.']);
    const html =
      '<!doctype html><html><head><title>T</title><style>body{color:red}</style><script>alert("stolen cookie")</script></head>' +
      '<body><h1>Refund policy</h1><p>Returns within <b>30 days</b>.</p><script>document.write("evil")</script><a href="https://x.test">our shop</a></body></html>';
    const cases = [
      { name: 'notes.txt', data: 'Plain text about ocelots.\nSecond line.', mime: 'text/plain', expect: ['Plain text about ocelots.', 'Second line.'] },
      { name: 'guide.md', data: '# Guide\n\n- **bold** item about kestrels', mime: 'text/markdown', expect: ['# Guide', 'kestrels'] },
      { name: 'policy.html', data: html, mime: 'text/html', expect: ['REFUND POLICY', 'Returns within 30 days.', 'our shop'] },
      { name: 'report.pdf', data: pdf, mime: 'application/pdf', expect: ['Quarterly pineapple revenue grew strongly.', 'Second page about zebra migrations.'] },
    ];
    for (const c of cases) {
      const res = await upload(owner.token, tenant.id, c.name, c.data);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const bytes = Buffer.from(c.data);
      expect(res.body).toEqual({
        id: expect.any(String),
        document_id: expect.any(String),
        name: c.name,
        mime: c.mime,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        created_at: expect.any(String),
      });
      const doc = await request<Doc>('GET', `/api/v1/corpus/documents/${res.body.document_id}`, { token: owner.token, headers: headers(tenant.id) });
      expect(doc.status).toBe(200);
      expect(doc.body.title).toBe(c.name.replace(/\.\w+$/, ''));
      expect(doc.body.metadata).toMatchObject({ source: 'upload', file_id: res.body.id, file_name: c.name, mime: c.mime });
      for (const piece of c.expect) expect(doc.body.content).toContain(piece);
      if (c.mime === 'text/html') {
        expect(doc.body.content).not.toMatch(/alert|evil|color:red|https:\/\/x\.test|<p>/);
      }

      const got = await download(owner.token, tenant.id, res.body.id);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(bytes)).toBe(true);
      expect(got.headers.get('content-type')).toBe(c.mime.startsWith('text/') ? `${c.mime}; charset=utf-8` : c.mime);
      expect(got.headers.get('content-disposition')).toContain(`filename="${c.name}"`);
      expect(got.headers.get('content-security-policy')).toContain('sandbox');
    }
    expect((await files(owner.token, tenant.id)).total).toBe(4);
    expect((await storedKeys(tenant.id)).length).toBe(4);
  });

  it('decides by content: a PDF named .txt is read as a PDF; a PNG named .txt, a fake .pdf and binary text are 415', async () => {
    const { owner, tenant } = await activeTenant(request);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR then pixels')]);
    for (const [name, data, mime] of [
      ['photo.txt', png, 'text/plain'],
      ['photo.txt', png, 'application/octet-stream'],
      ['fake.pdf', Buffer.from('just words, no header'), 'application/pdf'],
      ['binary.txt', Buffer.from([0x61, 0x00, 0x62]), 'text/plain'],
      ['latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain'],
      ['tool.exe', Buffer.from('MZ but also words'), 'application/octet-stream'],
      ['words.txt', Buffer.from('honest text'), 'image/png'],
      ['broken.pdf', Buffer.from('%PDF-1.7\n this is not a pdf body at all'), 'application/pdf'],
      ['empty.txt', Buffer.alloc(0), 'text/plain'],
    ] as const) {
      const res = await upload(owner.token, tenant.id, name, data, mime);
      expect(res.status, `${name} (${mime}): ${JSON.stringify(res.body)}`).toBe(415);
      expect(res.body).toMatchObject({ statusCode: 415, error: expect.any(String), message: expect.any(String), code: 'unsupported_file_type' });
    }
    await expectNothingStored(owner.token, tenant.id);

    const pdf = await makePdf(['Disguised but genuine PDF about lemurs.']);
    const disguised = await upload(owner.token, tenant.id, 'disguised.txt', pdf, 'text/plain');
    expect(disguised.status, JSON.stringify(disguised.body)).toBe(201);
    expect(disguised.body.mime).toBe('application/pdf');
    const doc = await request<Doc>('GET', `/api/v1/corpus/documents/${disguised.body.document_id}`, { token: owner.token, headers: headers(tenant.id) });
    expect(doc.body.content).toContain('lemurs');
  });
});

describe('uploads: refusals leave nothing behind', () => {
  it('413 over MAX_UPLOAD_MB, announced by Content-Length or streamed chunked', async () => {
    const { owner, tenant } = await activeTenant(request);
    const big = Buffer.alloc(26 * MB, 'a'); // MAX_UPLOAD_MB defaults to 25
    const announced = await upload(owner.token, tenant.id, 'big.txt', big, 'text/plain');
    expect(announced.status).toBe(413);
    expect(announced.body).toMatchObject({ statusCode: 413, code: 'file_too_large' });

    // No Content-Length: the multipart stream itself is cut at the limit.
    const boundary = 'x-boundary-1234';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
        for (let i = 0; i < 26; i++) controller.enqueue(Buffer.alloc(MB, 'b'));
        controller.enqueue(tail);
        controller.close();
      },
    });
    const res = await fetch(`${stack.apiUrl}/api/v1/corpus/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'x-tenant-id': tenant.id, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'file_too_large' });
    await expectNothingStored(owner.token, tenant.id);

    // Exactly at the limit is fine (as text it is too long for one document: 413 of its own kind).
    const atLimit = await upload(owner.token, tenant.id, 'limit.txt', Buffer.alloc(25 * MB, 'c'), 'text/plain');
    expect(atLimit.status).toBe(413);
    expect(atLimit.body.code).toBe('extracted_text_too_large');
    await expectNothingStored(owner.token, tenant.id);
  });

  it('400 without a file or with the wrong field; 415 for a body that is not multipart', async () => {
    const { owner, tenant } = await activeTenant(request);
    const wrongField = await upload(owner.token, tenant.id, 'a.txt', 'hello', 'text/plain', 'document');
    expect(wrongField.status).toBe(400);
    const noFile = new FormData();
    noFile.append('note', 'no file here');
    const res = await fetch(`${stack.apiUrl}/api/v1/corpus/files`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'x-tenant-id': tenant.id }, body: noFile });
    expect(res.status).toBe(400);
    const json = await request('POST', '/api/v1/corpus/files', { token: owner.token, headers: headers(tenant.id), body: { file: 'aGVsbG8=' } });
    expect(json.status).toBe(415);
    const truncated = await request('POST', '/api/v1/corpus/files', {
      token: owner.token,
      headers: { ...headers(tenant.id), 'content-type': 'multipart/form-data; boundary=zzz' },
      rawBody: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunfinished',
    });
    expect(truncated.status).toBe(400);
    expect(truncated.body).toMatchObject({ code: 'validation_failed' });
    await expectNothingStored(owner.token, tenant.id);
  });

  it('max_documents and max_storage_mb refuse with 403 corpus_limit_reached and store nothing', async () => {
    const { owner, tenant } = await activeTenant(request);
    const patched = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { max_documents: 2, max_storage_mb: 1 } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const first = await upload(owner.token, tenant.id, 'one.txt', Buffer.alloc(600 * 1024, 'x'), 'text/plain');
    expect(first.status).toBe(201);
    const tooMuch = await upload(owner.token, tenant.id, 'two.txt', Buffer.alloc(600 * 1024, 'y'), 'text/plain');
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body).toMatchObject({ code: 'corpus_limit_reached', details: { limit: 'max_storage_mb', max: 1 } });
    const small = await upload(owner.token, tenant.id, 'three.txt', 'small', 'text/plain');
    expect(small.status).toBe(201);
    const overCount = await upload(owner.token, tenant.id, 'four.txt', 'small too', 'text/plain');
    expect(overCount.status).toBe(403);
    expect(overCount.body).toMatchObject({ code: 'corpus_limit_reached', details: { limit: 'max_documents', max: 2, used: 2 } });
    expect((await docs(owner.token, tenant.id)).total).toBe(2);
    expect((await files(owner.token, tenant.id)).files.map((f) => f.name).sort()).toEqual(['one.txt', 'three.txt']);
    expect((await storedKeys(tenant.id)).length).toBe(2);
  });

  it('concurrent uploads cannot both take the last room', async () => {
    const { owner, tenant } = await activeTenant(request);
    await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { max_documents: 3 } } });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => upload(owner.token, tenant.id, `c${i}.txt`, `content ${i}`, 'text/plain')));
    expect(results.filter((r) => r.status === 201).length).toBe(3);
    expect(results.filter((r) => r.status === 403).length).toBe(5);
    expect((await docs(owner.token, tenant.id)).total).toBe(3);
    expect((await storedKeys(tenant.id)).length).toBe(3);
  });
});

describe('uploads: isolation and access', () => {
  it("a tenant never lists, reads or guesses another tenant's files", async () => {
    const { owner, tenant } = await activeTenant(request);
    const stranger = await registerUser(request);
    const other = await createTenant(request, stranger.token);
    await waitForStatus(request, stranger.token, other.id);
    const mine = await upload(owner.token, tenant.id, 'secret.txt', 'the vault code is 1234', 'text/plain');
    expect(mine.status).toBe(201);
    // The stranger, in their own tenant, by id and by list.
    expect((await download(stranger.token, other.id, mine.body.id)).status).toBe(404);
    expect(await files(stranger.token, other.id)).toMatchObject({ files: [], total: 0 });
    // The stranger naming the owner's tenant: not a member.
    expect((await download(stranger.token, tenant.id, mine.body.id)).status).toBe(403);
    expect((await upload(stranger.token, tenant.id, 'x.txt', 'intrusion', 'text/plain')).status).toBe(403);
    // The same owner in a second tenant of theirs: the id does not cross over.
    const second = await createTenant(request, owner.token);
    await waitForStatus(request, owner.token, second.id);
    expect((await download(owner.token, second.id, mine.body.id)).status).toBe(404);
    expect((await download(owner.token, tenant.id, mine.body.id)).bytes.toString()).toBe('the vault code is 1234');
    expect(await storedKeys(other.id)).toEqual([]);
  });

  it('a viewer may download but not upload; an unknown id is 404 and a bad id 400', async () => {
    const { owner, tenant } = await activeTenant(request);
    const viewer = await registerUser(request);
    const added = await request('POST', `/api/tenants/${tenant.id}/members`, { token: owner.token, body: { email: viewer.email, role: 'viewer' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const file = await upload(owner.token, tenant.id, 'r.md', '# readable', 'text/markdown');
    expect((await download(viewer.token, tenant.id, file.body.id)).status).toBe(200);
    expect((await upload(viewer.token, tenant.id, 'v.txt', 'no', 'text/plain')).status).toBe(403);
    expect((await download(owner.token, tenant.id, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await download(owner.token, tenant.id, 'not-a-uuid')).status).toBe(400);
  });
});
