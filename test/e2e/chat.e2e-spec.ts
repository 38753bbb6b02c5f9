// Chat (issue 16): sessions and messages over HTTP against the real API and worker, with the
// built-in extractive provider and an OpenAI-compatible one (a loopback fake the real `openai` SDK
// talks to): streaming, provider failures, settings honoured, guardrails, isolation, bad input.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countTokens } from '../../libs/assistant/src/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { activeTenant, client, registerUser, type TestUser } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
  await db.end();
});

interface Tenant {
  id: string;
  slug: string;
  schema_name: string;
}

function expectError(res: { status: number; body: unknown }, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  if (code) expect((res.body as { code?: string }).code).toBe(code);
}

/** Chat calls of one caller in one tenant (X-Tenant-ID). */
function chatOf(user: TestUser, tenant: Tenant) {
  const headers = { 'x-tenant-id': tenant.id };
  const token = user.token;
  return {
    createSession: (body: unknown = {}) => request('POST', '/api/v1/chat/sessions', { token, headers, body }),
    listSessions: () => request('GET', '/api/v1/chat/sessions', { token, headers }),
    getSession: (id: string) => request('GET', `/api/v1/chat/sessions/${id}`, { token, headers }),
    deleteSession: (id: string) => request('DELETE', `/api/v1/chat/sessions/${id}`, { token, headers }),
    post: (id: string, body: unknown) => request('POST', `/api/v1/chat/sessions/${id}/messages`, { token, headers, body }),
    messages: (id: string) => request('GET', `/api/v1/chat/sessions/${id}/messages?limit=100`, { token, headers }),
    doc: async (title: string, content: string): Promise<string> => {
      const res = await request('POST', '/api/v1/corpus/documents', { token, headers, body: { title, content } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    },
    settings: (settings: unknown) => request('PATCH', `/api/tenants/${tenant.id}`, { token, body: { settings } }),
    stream: (id: string, body: unknown) => openEventStream(`/api/v1/chat/sessions/${id}/messages`, { authorization: `Bearer ${token}`, ...headers }, body),
  };
}

async function newChat(settings?: Record<string, unknown>) {
  const { owner, tenant } = await activeTenant(request);
  const chat = chatOf(owner, tenant as Tenant);
  if (settings) {
    const res = await chat.settings(settings);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  return { owner, tenant: tenant as Tenant, chat };
}

/** The tenant's stored messages, straight from its schema. */
async function storedMessages(tenant: Tenant): Promise<Array<{ role: string; content: string; total_tokens: number | null; metadata: Record<string, unknown> }>> {
  const { rows } = await db.query(`SELECT role, content, total_tokens, metadata FROM ${pg.escapeIdentifier(tenant.schema_name)}.chat_messages ORDER BY created_at, id`);
  return rows;
}

interface SseEvent {
  event: string;
  data: unknown;
}

/** A POST answered as Server-Sent Events, read event by event as it arrives. */
async function openEventStream(path: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { ...headers, accept: 'text/event-stream', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    async text(): Promise<string> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return buffer;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          return { event, data: data === undefined ? undefined : JSON.parse(data) };
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
  };
}

const openAiSettings = (extra: Record<string, unknown> = {}) => ({
  allowed_providers: ['openai', 'extractive'],
  default_model: 'fake-model-1',
  providers: { openai: { base_url: fake.baseUrl, api_key: 'sk-test-secret-123', timeout_ms: 1500 } },
  ...extra,
});

const CORPUS = {
  returns: ['Returns', 'Returns are accepted within 30 days of delivery. Refunds reach your card within five business days.'],
  shipping: ['Shipping', 'Orders ship from Lyon. Standard shipping takes three to five days; express shipping takes one day.'],
  warranty: ['Warranty', 'Every kettle carries a two year warranty covering the heating element.'],
} as const;

describe('chat with the extractive provider', () => {
  it('answers from the corpus with citations and token counts, stores both messages, and is deterministic', async () => {
    const { tenant, chat } = await newChat();
    const ids = { returns: await chat.doc(...CORPUS.returns), shipping: await chat.doc(...CORPUS.shipping), warranty: await chat.doc(...CORPUS.warranty) };
    const session = await chat.createSession({ title: '  Support  ' });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    expect(session.body).toMatchObject({ id: expect.any(String), title: 'Support', provider: 'extractive', model: 'extractive-1', metadata: {} });

    const res = await chat.post(session.body.id, { content: 'returns accepted within 30 days?' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { user_message, assistant_message, usage } = res.body;
    expect(user_message).toMatchObject({ role: 'user', content: 'returns accepted within 30 days?', session_id: session.body.id });
    expect(assistant_message.role).toBe('assistant');
    expect(assistant_message.content).toContain('Returns are accepted within 30 days of delivery. [1]');
    expect(assistant_message.citations[0]).toEqual({ document_id: ids.returns });
    expect(assistant_message.citations.map((c: { document_id: string }) => c.document_id)).not.toContain(ids.warranty);
    expect(usage.prompt_tokens).toBeGreaterThan(10);
    expect(usage.completion_tokens).toBe(countTokens(assistant_message.content));
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(assistant_message).toMatchObject({ ...usage, provider: 'extractive', model: 'extractive-1' });

    const again = await chat.post(session.body.id, { content: 'returns accepted within 30 days?' });
    expect(again.body.assistant_message.content).toBe(assistant_message.content);

    const listed = await chat.messages(session.body.id);
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(4);
    expect(listed.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(listed.body.messages[1]).toEqual(assistant_message);
    const stored = await storedMessages(tenant);
    expect(stored).toHaveLength(4);
    expect(stored[1]!.total_tokens).toBe(usage.total_tokens);

    const nothing = await chat.post(session.body.id, { content: 'zeppelin astronomy' });
    expect(nothing.body.assistant_message.citations).toEqual([]);

    const sessions = await chat.listSessions();
    expect(sessions.body).toMatchObject({ total: 1, skip: 0, limit: 20 });
    expect(sessions.body.sessions[0].id).toBe(session.body.id);
    expect((await chat.deleteSession(session.body.id)).status).toBe(204);
    expectError(await chat.getSession(session.body.id), 404);
    expect(await storedMessages(tenant)).toEqual([]);
  });
});

describe('chat budgets (metering Quotas)', () => {
  it('messages_per_month: the message past the budget is 402 with the limit and resets_at, and nothing of it is stored', async () => {
    const { tenant, chat } = await newChat({ messages_per_month: 2 });
    await chat.doc(...CORPUS.returns);
    const session = await chat.createSession({});
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    for (let i = 0; i < 2; i++) {
      const ok = await chat.post(session.body.id, { content: 'returns accepted within 30 days?' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    }
    const refused = await chat.post(session.body.id, { content: 'returns accepted within 30 days?' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(402);
    expect(refused.body.message).toBeTruthy();
    const details = JSON.stringify(refused.body.details);
    expect(details).toContain('messages_per_month');
    expect(details).toContain('resets_at');
    expect(await storedMessages(tenant)).toHaveLength(4);
  });

  it('token_budget_monthly: a prompt that no longer fits in the budget is 402 and nothing is stored', async () => {
    const { tenant, chat } = await newChat({ token_budget_monthly: 5 });
    await chat.doc(...CORPUS.returns);
    const session = await chat.createSession({});
    const refused = await chat.post(session.body.id, { content: 'returns accepted within 30 days?' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(402);
    expect(JSON.stringify(refused.body.details)).toContain('token_budget_monthly');
    expect(await storedMessages(tenant)).toEqual([]);
  });
});

describe('chat with an OpenAI-compatible provider (loopback fake)', () => {
  it('passes the model, max_tokens_per_request, system prompt, passages and key; takes its usage', async () => {
    const { owner, tenant, chat } = await newChat(openAiSettings({ max_tokens_per_request: 123, custom_system_prompt: 'You are Acme bot.' }));
    const docId = await chat.doc(...CORPUS.shipping);
    const session = await chat.createSession({ provider: 'openai' });
    expect(session.body).toMatchObject({ provider: 'openai', model: 'fake-model-1' });
    const before = fake.requests.length;
    fake.script.push({ kind: 'stream', pieces: ['Express ', 'shipping takes ', 'one day [1].'], usage: { prompt_tokens: 41, completion_tokens: 9 }, model: 'fake-model-1-0613' });
    const res = await chat.post(session.body.id, { content: 'express shipping?' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(fake.requests.length).toBe(before + 1);
    const seen = fake.requests.at(-1)!;
    expect(seen.body).toMatchObject({ model: 'fake-model-1', max_tokens: 123, stream: true });
    expect(seen.headers.authorization).toBe('Bearer sk-test-secret-123');
    expect(seen.body.messages[0]!.role).toBe('system');
    expect(seen.body.messages[0]!.content).toMatch(/^You are Acme bot\./);
    expect(seen.body.messages[0]!.content).toContain('[1] Orders ship from Lyon.');
    expect(seen.body.messages.at(-1)).toEqual({ role: 'user', content: 'express shipping?' });
    expect(res.body.assistant_message).toMatchObject({ content: 'Express shipping takes one day [1].', citations: [{ document_id: docId }], provider: 'openai', model: 'fake-model-1-0613' });
    expect(res.body.usage).toEqual({ prompt_tokens: 41, completion_tokens: 9, total_tokens: 50 });
    // The key is stored sealed and never answered.
    const shown = await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
    expect(shown.body.settings.providers.openai.api_key).toEqual({ set: true });
    expect(JSON.stringify(shown.body)).not.toContain('sk-test-secret-123');

    // History goes with the next message; a provider that reports no usage is counted with the tokenizer.
    fake.script.push({ kind: 'stream', pieces: ['Lyon.'] });
    const next = await chat.post(session.body.id, { content: 'From where?' });
    expect(next.status).toBe(201);
    expect(fake.requests.at(-1)!.body.messages.slice(1).map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(next.body.usage.completion_tokens).toBe(countTokens('Lyon.'));
    expect(next.body.usage.prompt_tokens).toBeGreaterThan(countTokens('From where?'));
  });

  it('streams SSE deltas as they arrive, then one done event with the stored exchange', async () => {
    const { tenant, chat } = await newChat(openAiSettings());
    const session = await chat.createSession({ provider: 'openai' });
    let release!: () => void;
    fake.script.push({ kind: 'stream', pieces: ['Hello ', 'there, ', 'friend.'], usage: { prompt_tokens: 5, completion_tokens: 3 }, holdAfterFirst: new Promise<void>((r) => (release = r)) });
    const stream = await chat.stream(session.body.id, { content: 'Say hello' });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const first = await stream.next();
    expect(first).toEqual({ event: 'delta', data: { content: 'Hello ' } });
    // The provider has not finished: nothing is stored yet.
    expect(await storedMessages(tenant)).toEqual([]);
    release();
    const events: SseEvent[] = [first!];
    for (let e = await stream.next(); e; e = await stream.next()) events.push(e);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const exchange = done.data as { assistant_message: { content: string; id: string }; usage: unknown; user_message: { content: string } };
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { content: string }).content);
    expect(deltas.join('')).toBe('Hello there, friend.');
    expect(exchange.assistant_message.content).toBe('Hello there, friend.');
    expect(exchange.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    const listed = await chat.messages(session.body.id);
    expect(listed.body.messages[1].id).toBe(exchange.assistant_message.id);
    expect((await storedMessages(tenant)).map((m) => m.content)).toEqual(['Say hello', 'Hello there, friend.']);
  });

  it('a provider error, a timeout or a stream cut mid-way is a 502 (or an SSE error event) and stores nothing', async () => {
    const { tenant, chat } = await newChat(openAiSettings());
    const session = await chat.createSession({ provider: 'openai' });
    fake.script.push({ kind: 'status', status: 500 });
    const failed = await chat.post(session.body.id, { content: 'first' });
    expectError(failed, 502, 'provider_error');
    expect(failed.body.message).toContain('answered 500');

    fake.script.push({ kind: 'stall' });
    const t0 = Date.now();
    const timedOut = await chat.post(session.body.id, { content: 'second' });
    expectError(timedOut, 502, 'provider_error');
    expect(timedOut.body.message).toContain('timed out');
    expect(Date.now() - t0).toBeLessThan(15_000);

    fake.script.push({ kind: 'status', status: 503 });
    const streamFailed = await chat.stream(session.body.id, { content: 'third' });
    expect(streamFailed.status).toBe(502); // before any delta: the ordinary error answer
    expect(JSON.parse(await streamFailed.text())).toMatchObject({ statusCode: 502, code: 'provider_error' });

    fake.script.push({ kind: 'stream', pieces: ['Partial ', 'never seen'], failAfterFirst: true });
    const cut = await chat.stream(session.body.id, { content: 'fourth' });
    expect(cut.status).toBe(200);
    const events: SseEvent[] = [];
    for (let e = await cut.next(); e; e = await cut.next()) events.push(e);
    expect(events[0]).toEqual({ event: 'delta', data: { content: 'Partial ' } });
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { statusCode: 502, code: 'provider_error' } });

    expect(await storedMessages(tenant)).toEqual([]);
    expect((await chat.messages(session.body.id)).body.total).toBe(0);
    // The tenant still chats afterwards.
    expect((await chat.post(session.body.id, { content: 'fifth' })).status).toBe(201);
  });

  it('refuses a provider the tenant does not allow, unknown or unconfigured providers, and never calls them', async () => {
    const { tenant, chat } = await newChat(openAiSettings());
    const session = await chat.createSession({ provider: 'openai' });
    expect(session.status).toBe(201);
    expect((await chat.settings({ allowed_providers: ['extractive'] })).status).toBe(200);
    expectError(await chat.createSession({ provider: 'openai' }), 403, 'provider_not_allowed');
    const before = fake.requests.length;
    expectError(await chat.post(session.body.id, { content: 'hello' }), 403, 'provider_not_allowed');
    expect(fake.requests.length).toBe(before);
    expect(await storedMessages(tenant)).toEqual([]);
    expectError(await chat.createSession({ provider: 'nope' }), 400, 'unknown_provider');
    expectError(await chat.createSession({ provider: 'NOT A NAME' }), 400);
    // Allowed, but no base URL (and the test server sets no OPENAI_BASE_URL).
    const other = await newChat({ allowed_providers: ['openai'] });
    const s2 = await other.chat.createSession();
    expect(s2.body.provider).toBe('openai');
    expectError(await other.chat.post(s2.body.id, { content: 'hello' }), 422, 'provider_not_configured');
    expect(await storedMessages(other.tenant)).toEqual([]);
  });

  it('max_concurrent_sessions bounds the chat requests in flight per tenant (429 with Retry-After)', async () => {
    const { chat } = await newChat(openAiSettings({ max_concurrent_sessions: 1 }));
    const session = await chat.createSession({ provider: 'openai' });
    let release!: () => void;
    fake.script.push({ kind: 'stream', pieces: ['slow ', 'answer'], holdAfterFirst: new Promise<void>((r) => (release = r)) });
    const slow = await chat.stream(session.body.id, { content: 'one' });
    expect((await slow.next())?.event).toBe('delta');
    const refused = await chat.post(session.body.id, { content: 'two' });
    expectError(refused, 429, 'max_concurrent_sessions');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.details).toEqual({ limit: 1 });
    release();
    await slow.text();
    expect((await chat.post(session.body.id, { content: 'three' })).status).toBe(201);
  });
});

describe('guardrails', () => {
  it('refuses a blocked topic with 422 naming the rule, stores nothing, sends nothing, and counts it', async () => {
    const { tenant, chat } = await newChat(openAiSettings({ guardrails: { blocked: ['crypto wallet', 'weapon*'], redact_pii: false } }));
    const session = await chat.createSession({ provider: 'openai' });
    const before = fake.requests.length;
    const refused = await chat.post(session.body.id, { content: 'Where can I buy WEAPONS cheaply?' });
    expectError(refused, 422, 'guardrail_blocked');
    expect(refused.body.message).toContain("'weapon*'");
    expect(refused.body.details).toEqual({ rule: 'weapon*' });
    expectError(await chat.post(session.body.id, { content: 'open a crypto\n wallet' }), 422, 'guardrail_blocked');
    expect(fake.requests.length).toBe(before);
    expect(await storedMessages(tenant)).toEqual([]);
    expect((await chat.getSession(session.body.id)).body.metadata).toEqual({ guardrails: { refusals: 2, redactions: 0 } });
    // Within a word is not the topic.
    expect((await chat.post(session.body.id, { content: 'my cryptowallet app' })).status).toBe(201);
  });

  it('redacts emails, phones and Luhn-valid cards before the provider sees them, and in the reply (JSON and SSE)', async () => {
    const { tenant, chat } = await newChat(openAiSettings({ guardrails: { blocked: [], redact_pii: true } }));
    await chat.doc('Contacts', 'Escalations go to boss@acme.example or 415-555-0199.');
    const session = await chat.createSession({ provider: 'openai' });
    fake.script.push({ kind: 'stream', pieces: ['Write to bob', '@example.org or call 415-555-', '0142 today.'] });
    const res = await chat.post(session.body.id, { content: 'escalations: I am ada@example.com, phone +1 415 555 0100, card 4111 1111 1111 1111, order 4111 1111 1111 1112' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const seen = fake.requests.at(-1)!.raw;
    for (const pii of ['ada@example.com', '555 0100', '4111 1111 1111 1111', 'boss@acme.example', '415-555-0199']) expect(seen).not.toContain(pii);
    expect(seen).toContain('[REDACTED_EMAIL]');
    expect(seen).toContain('4111 1111 1111 1112'); // fails Luhn: not a card
    expect(res.body.user_message.content).toBe('escalations: I am [REDACTED_EMAIL], phone [REDACTED_PHONE], card [REDACTED_CARD], order 4111 1111 1111 1112');
    expect(res.body.user_message.metadata).toEqual({ guardrails: { redactions: { email: 1, phone: 1, card: 1 } } });
    expect(res.body.assistant_message.content).toBe('Write to [REDACTED_EMAIL] or call [REDACTED_PHONE] today.');
    expect(res.body.assistant_message.metadata.guardrails.redactions).toEqual({ email: 1, phone: 1, card: 0 });

    fake.script.push({ kind: 'stream', pieces: ['Mail ', 'carol@exam', 'ple.net now.'] });
    const stream = await chat.stream(session.body.id, { content: 'again' });
    const text = await stream.text();
    expect(text).not.toContain('carol');
    expect(text).toContain('[REDACTED_EMAIL]');
    const stored = await storedMessages(tenant);
    expect(JSON.stringify(stored)).not.toMatch(/ada@|bob@|carol@|4111 1111 1111 1111|555 0100/);
    expect((await chat.getSession(session.body.id)).body.metadata).toEqual({ guardrails: { refusals: 0, redactions: 6 } });
  });

  it('validates guardrail and provider settings on PATCH (no regular expressions)', async () => {
    const { chat } = await newChat();
    for (const [settings, field] of [
      [{ guardrails: { blocked: ['(a+)+$'] } }, 'settings.guardrails.blocked[0]'],
      [{ guardrails: { blocked: ['x'.repeat(201)] } }, 'settings.guardrails.blocked[0]'],
      [{ guardrails: { blocked: 'weapons' } }, 'settings.guardrails.blocked'],
      [{ guardrails: { redact_pii: 'yes' } }, 'settings.guardrails.redact_pii'],
      [{ guardrails: ['weapons'] }, 'settings.guardrails'],
      [{ providers: { openai: { base_url: 'file:///etc/passwd' } } }, 'settings.providers.openai.base_url'],
      [{ providers: { openai: { timeout_ms: 10 } } }, 'settings.providers.openai.timeout_ms'],
      [{ allowed_providers: ['Open AI'] }, 'settings.allowed_providers'],
      [{ max_tokens_per_request: 0 }, 'settings.max_tokens_per_request'],
    ] as const) {
      const res = await chat.settings(settings);
      expectError(res, 400, 'validation_failed');
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
  });
});

describe('chat isolation and bad input', () => {
  it("tenant B can neither list, read, post to nor delete A's sessions", async () => {
    const a = await newChat();
    const b = await newChat();
    const session = await a.chat.createSession({ title: 'secret' });
    expect((await a.chat.post(session.body.id, { content: 'hello' })).status).toBe(201);
    expect((await b.chat.listSessions()).body.total).toBe(0);
    expectError(await b.chat.getSession(session.body.id), 404);
    expectError(await b.chat.messages(session.body.id), 404);
    expectError(await b.chat.post(session.body.id, { content: 'intrude' }), 404);
    expectError(await b.chat.deleteSession(session.body.id), 404);
    // B's owner naming A's tenant is no member there.
    const bInA = chatOf(b.owner, a.tenant);
    expectError(await bInA.getSession(session.body.id), 403, 'not_a_member');
    expectError(await bInA.post(session.body.id, { content: 'intrude' }), 403, 'not_a_member');
    expect((await a.chat.messages(session.body.id)).body.total).toBe(2);
    expect(await storedMessages(b.tenant)).toEqual([]);
    // A viewer may read but not write.
    const viewer = await registerUser(request);
    expect((await request('POST', `/api/tenants/${a.tenant.id}/members`, { token: a.owner.token, body: { email: viewer.email, role: 'viewer' } })).status).toBe(201);
    const asViewer = chatOf(viewer, a.tenant);
    expect((await asViewer.messages(session.body.id)).status).toBe(200);
    expectError(await asViewer.post(session.body.id, { content: 'hi' }), 403);
  });

  it('refuses empty, blank, huge, NUL and mistyped content and bad ids with a 4xx, storing nothing', async () => {
    const { tenant, chat } = await newChat();
    const session = await chat.createSession();
    for (const body of [{}, { content: '' }, { content: '   \n ' }, { content: 'x'.repeat(16_001) }, { content: 'a\u0000b' }, { content: 42 }, { content: ['hi'] }, { content: { $gt: '' } }]) {
      const res = await chat.post(session.body.id, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    expectError(await chat.post('not-a-uuid', { content: 'hi' }), 400);
    expectError(await chat.post('00000000-0000-4000-8000-000000000000', { content: 'hi' }), 404);
    expectError(await chat.createSession({ title: 'x'.repeat(201) }), 400);
    expectError(await chat.createSession({ provider: 42 }), 400);
    expect(await storedMessages(tenant)).toEqual([]);
    expect((await chat.post(session.body.id, { content: 'x'.repeat(16_000) })).status).toBe(201);
  });
});
