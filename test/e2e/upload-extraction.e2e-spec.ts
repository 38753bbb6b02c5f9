// Upload text extraction off the event loop (issue 16): PDF and HTML text is extracted on a
// pool of worker threads with a time budget (UPLOAD_EXTRACT_TIMEOUT_MS) and a bounded number of
// extractions at once (UPLOAD_EXTRACT_CONCURRENCY) and waiting (UPLOAD_EXTRACT_QUEUE). The
// upload contract stays synchronous: 201 {id, document_id, ...} once the text is a document.
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, type Doc } from '../support/http.js';
import { makePdf, makeSlowPdf } from '../support/pdf.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const BUDGET_MS = 4000;

interface UploadAnswer {
  status: number;
  body: { id: string; document_id: string; code?: string; details?: unknown; message?: string };
  headers: Headers;
}

async function upload(apiUrl: string, token: string, tenantId: string, name: string, data: Buffer, type = 'application/pdf'): Promise<UploadAnswer> {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  const res = await fetch(`${apiUrl}/api/v1/corpus/files`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenantId }, body: form });
  return { status: res.status, body: (await res.json()) as UploadAnswer['body'], headers: res.headers };
}

const storedKeys = async (tenantId: string): Promise<string[]> => {
  try {
    return (await readdir(join(shared.dataDir, 'storage', tenantId), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

const TICK_MS = 10; // USER_HZ is 100 on Linux
/** CPU time (ms) of a thread or process from its /proc stat line: utime + stime. */
function cpuMs(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}
/** The API process's CPU time: all its threads, and its main thread (the event loop) alone. */
const cpuOf = (pid: number) => ({ all: cpuMs(`/proc/${pid}/stat`), main: cpuMs(`/proc/${pid}/task/${pid}/stat`) });

describe('uploads: a PDF becomes a searchable document (default budget, shared API)', () => {
  it('a real PDF made here is found by ?q= and by the passage query once the upload answers', async () => {
    const request = client(shared.apiUrl);
    const { owner, tenant } = await activeTenant(request);
    const pdf = await makePdf(['Our marmalade policy covers every quince jar.', 'Second page: the aardvark warranty lasts nine years.']);
    const res = await upload(shared.apiUrl, owner.token, tenant.id, 'policies.pdf', pdf);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const headers = { 'x-tenant-id': tenant.id };
    const found = await request<{ documents: Doc[]; total: number }>('GET', '/api/v1/corpus/documents?q=aardvark%20warranty', { token: owner.token, headers });
    expect(found.status).toBe(200);
    expect(found.body.documents.map((d) => d.id)).toEqual([res.body.document_id]);
    const passages = await request<{ passages: Array<{ document_id: string; text: string }> }>('POST', '/api/v1/corpus/query', { token: owner.token, headers, body: { query: 'quince marmalade', top_k: 3 } });
    expect(passages.status).toBe(200);
    expect(passages.body.passages[0]).toMatchObject({ document_id: res.body.document_id, text: expect.stringContaining('quince') });
  });
});

describe('uploads: extraction runs off the event loop, within its budget', () => {
  // An API (and worker) of its own: a budget of BUDGET_MS, one extraction thread, one upload waiting at most.
  let stack: Stack;
  let pid: number;
  let apiUrl: string;
  let owner: { token: string };
  let tenantId: string;

  beforeAll(async () => {
    stack = await startStack({
      databaseUrl: shared.databaseUrl,
      serverUrl: shared.serverUrl,
      redisUrl: shared.redisUrl,
      dataDir: shared.dataDir,
      env: { UPLOAD_EXTRACT_TIMEOUT_MS: String(BUDGET_MS), UPLOAD_EXTRACT_CONCURRENCY: '1', UPLOAD_EXTRACT_QUEUE: '1' },
    });
    apiUrl = stack.info.apiUrl;
    pid = stack.api!.child.pid!;
    const t = await activeTenant(client(apiUrl));
    owner = t.owner;
    tenantId = t.tenant.id as string;
    // A first small PDF: the pool exists and its thread has pdf.js loaded.
    const warm = await upload(apiUrl, owner.token, tenantId, 'warm.pdf', await makePdf(['Warming up the extraction thread.']));
    expect(warm.status, JSON.stringify(warm.body)).toBe(201);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('while a slow PDF extracts, the API answers other requests at once; past the budget it is 422 extraction_timeout, nothing stored, its thread stopped', async () => {
    const request = client(apiUrl);
    const slow = makeSlowPdf(300); // tens of seconds of pdf.js work, far past the budget
    const t0 = performance.now();
    let settledAt: number | undefined;
    const pending = upload(apiUrl, owner.token, tenantId, 'slow.pdf', slow).finally(() => {
      settledAt = performance.now();
    });
    await sleep(300); // the body is in and the extraction has started

    const before = cpuOf(pid);
    const latencies: number[] = [];
    while (performance.now() - t0 < 2300) {
      const s = performance.now();
      const health = await request('GET', '/health');
      latencies.push(performance.now() - s);
      expect(health.status).toBe(200);
      const list = await request<{ total: number }>('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenantId } });
      expect(list.status).toBe(200);
      await sleep(100);
    }
    const after = cpuOf(pid);
    // The window really overlapped the extraction...
    expect(settledAt, 'the slow upload answered before the window closed').toBeUndefined();
    // ...which ran on another thread: the process spent CPU outside its main thread, more than on it.
    const offLoop = after.all - after.main - (before.all - before.main);
    const onLoop = after.main - before.main;
    expect(offLoop, `off the main thread ${offLoop} ms, on it ${onLoop} ms`).toBeGreaterThanOrEqual(100);
    expect(offLoop).toBeGreaterThan(onLoop);
    // ...and every request was answered promptly meanwhile (in-process pdf.js held the loop for the whole file).
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies), `health latencies ${latencies.map((l) => Math.round(l)).join(', ')} ms`).toBeLessThan(1000);

    const res = await pending;
    const elapsed = settledAt! - t0;
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, code: 'extraction_timeout', details: { budget_ms: BUDGET_MS } });
    expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS);
    expect(elapsed).toBeLessThan(BUDGET_MS + 10_000);
    const docs = await request<{ documents: Doc[]; total: number }>('GET', '/api/v1/corpus/documents?limit=100', { token: owner.token, headers: { 'x-tenant-id': tenantId } });
    expect(docs.body.documents.map((d) => d.title)).toEqual(['warm']);
    const files = await request<{ total: number }>('GET', '/api/v1/corpus/files', { token: owner.token, headers: { 'x-tenant-id': tenantId } });
    expect(files.body.total).toBe(1);
    expect((await storedKeys(tenantId)).length).toBe(1);

    // The only extraction thread was terminated, not left parsing: with one thread, the next PDF
    // could otherwise not start before the slow one ended, and would run out of budget itself.
    const next = await upload(apiUrl, owner.token, tenantId, 'next.pdf', await makePdf(['After the timeout, the pangolin ledger.']));
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    const found = await request<{ documents: Doc[] }>('GET', '/api/v1/corpus/documents?q=pangolin', { token: owner.token, headers: { 'x-tenant-id': tenantId } });
    expect(found.body.documents.map((d) => d.id)).toEqual([next.body.document_id]);
  });

  it('one thread busy and one upload waiting: the next is 503 extraction_busy with Retry-After; the waiting one gets its turn', async () => {
    const busy = upload(apiUrl, owner.token, tenantId, 'busy.pdf', makeSlowPdf(300));
    await sleep(500);
    const waiting = upload(apiUrl, owner.token, tenantId, 'waiting.pdf', await makePdf(['The waiting upload about narwhals.']));
    await sleep(500);
    const refused = await upload(apiUrl, owner.token, tenantId, 'refused.pdf', await makePdf(['Refused upload about okapis.']));
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(refused.body).toMatchObject({ statusCode: 503, code: 'extraction_busy' });
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await busy).body).toMatchObject({ code: 'extraction_timeout' });
    const waited = await waiting;
    expect(waited.status, JSON.stringify(waited.body)).toBe(201);
    const request = client(apiUrl);
    const docs = await request<{ documents: Doc[] }>('GET', '/api/v1/corpus/documents?limit=100', { token: owner.token, headers: { 'x-tenant-id': tenantId } });
    expect(docs.body.documents.map((d) => d.title).sort()).toEqual(['next', 'waiting', 'warm']);
  });
});
