// SIGTERM to an API process drains it: a request in flight (a chat message whose provider, a
// loopback OpenAI-compatible fake, holds its answer) completes with its normal answer and its
// usage reaches the meter; a new request is refused (connection refused, or 503 on a kept-alive
// connection); the process exits 0 within SHUTDOWN_TIMEOUT_MS and leaves no process behind.
// The API under test is its own process on the shared database and Redis prefix (the shared
// worker provisions the tenant and ingests the usage the draining API flushes).
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { activeTenant, client } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');
const request = client(shared.apiUrl);
let fake: FakeOpenAi;
const started: Stack[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await Promise.all(started.map((stack) => stack.stop())); // a no-op for a process the test saw exit
  await fake.close();
});

/** The pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A request that must not be served: refused (a network error), or a 503. */
async function refusedOrUnavailable(url: string, token: string): Promise<'refused' | 503 | number> {
  try {
    const res = await fetch(`${url}/api/tenants`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'refused';
  }
}

/** A tenant whose chat uses the loopback fake provider, and an API process of its own (on the shared database and Redis prefix). */
async function chatTenantWithOwnApi(shutdownTimeoutMs: string) {
  const { owner, tenant } = await activeTenant(request);
  const settings = {
    allowed_providers: ['openai', 'extractive'],
    default_model: 'fake-model-1',
    providers: { openai: { base_url: fake.baseUrl, api_key: 'sk-test-secret-123', timeout_ms: 30_000 } },
  };
  expect((await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings } })).status).toBe(200);

  const own = await startStack({
    databaseUrl: shared.databaseUrl,
    serverUrl: shared.serverUrl,
    redisUrl: shared.redisUrl,
    dataDir: shared.dataDir,
    redisPrefix: shared.env.REDIS_PREFIX,
    worker: false,
    env: { MASTER_KEY: shared.env.MASTER_KEY!, SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs },
  });
  started.push(own);
  return { owner, tenant, own };
}

describe('graceful shutdown of the API', () => {
  it('SIGTERM: the request in flight gets its normal answer (and its usage is metered), new requests are refused, exit 0, no child left', { timeout: 120_000 }, async () => {
    const { owner, tenant, own } = await chatTenantWithOwnApi('20000');
    const api = own.api!;
    const url = own.info.apiUrl;
    const ownRequest = client(url);
    const inTenant = { token: owner.token, headers: { 'x-tenant-id': tenant.id } };
    const session = await ownRequest('POST', '/api/v1/chat/sessions', { ...inTenant, body: { provider: 'openai' } });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    expect((await ownRequest('GET', '/health')).status).toBe(200);
    const children = childrenOf(api.child.pid!);

    // The provider answers its first piece, then holds the rest until we let it go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const asked = fake.requests.length;
    fake.script.push({ kind: 'stream', pieces: ['Drained ', 'in time.'], usage: { prompt_tokens: 7, completion_tokens: 2 }, holdAfterFirst: held });
    let settled = false;
    const inFlight = ownRequest('POST', `/api/v1/chat/sessions/${session.body.id}/messages`, { ...inTenant, body: { content: 'are you still there?' } }).finally(() => (settled = true));
    await waitUntil('the provider to be asked', async () => fake.requests.length > asked, 20_000, 20);

    const exitedAt = (async () => {
      const code = await api.exited;
      return { code, at: Date.now() };
    })();
    const sentAt = Date.now();
    api.child.kill('SIGTERM');

    // New requests are refused while the one in flight is still running.
    let refusal: 'refused' | 503 | number = 200;
    await waitUntil('a new request to be refused', async () => (refusal = await refusedOrUnavailable(url, owner.token)) !== 200, 10_000, 20);
    expect(['refused', 503]).toContain(refusal);
    expect(settled, 'the request in flight is still running').toBe(false);
    expect(alive(api.child.pid!), 'the API waits for it').toBe(true);

    release();
    const answered = await inFlight;
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    expect(answered.body.assistant_message).toMatchObject({ content: 'Drained in time.', provider: 'openai' });
    expect(answered.body.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });

    const { code, at } = await exitedAt;
    expect(code).toBe(0);
    expect(at - sentAt).toBeLessThan(20_000);
    for (const pid of children) expect(alive(pid), `child ${pid} of the API`).toBe(false);
    expect(childrenOf(api.child.pid!)).toEqual([]);

    // The exchange was stored, and its usage was flushed after the drain (the shared worker ingests it).
    const messages = await request('GET', `/api/v1/chat/sessions/${session.body.id}/messages`, inTenant);
    expect(messages.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    await waitUntil(
      'the drained request’s tokens to be metered',
      async () => (await request('GET', `/api/tenants/${tenant.id}/usage?period=7d`, { token: owner.token })).body.totals?.llm_token === 9,
      20_000,
      200,
    );
  });

  it('a request still running after SHUTDOWN_TIMEOUT_MS is cut off: exit 1 soon after the deadline, nothing half-stored', { timeout: 120_000 }, async () => {
    const { owner, tenant, own } = await chatTenantWithOwnApi('1500');
    const api = own.api!;
    const ownRequest = client(own.info.apiUrl);
    const inTenant = { token: owner.token, headers: { 'x-tenant-id': tenant.id } };
    const session = await ownRequest('POST', '/api/v1/chat/sessions', { ...inTenant, body: { provider: 'openai' } });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const asked = fake.requests.length;
    fake.script.push({ kind: 'stream', pieces: ['Never ', 'finished.'], holdAfterFirst: held });
    const inFlight = ownRequest('POST', `/api/v1/chat/sessions/${session.body.id}/messages`, { ...inTenant, body: { content: 'too slow?' } }).then(
      (res) => res.status,
      () => 'cut off' as const,
    );
    await waitUntil('the provider to be asked', async () => fake.requests.length > asked, 20_000, 20);
    const sentAt = Date.now();
    api.child.kill('SIGTERM');
    const code = await api.exited;
    const took = Date.now() - sentAt;
    release();
    expect(code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(10_000);
    expect(await inFlight).toBe('cut off');
    const messages = await request('GET', `/api/v1/chat/sessions/${session.body.id}/messages`, inTenant);
    expect(messages.body.total).toBe(0);
  });
});
