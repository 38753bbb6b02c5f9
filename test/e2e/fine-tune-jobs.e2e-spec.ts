// Fine-tune jobs (issue 16): queued -> preparing (a JSONL dataset built from the tenant's
// documents or conversations, validated, stored under its storage prefix) -> running (an
// OpenAI-compatible fine-tuning API, here a loopback fake; or `export`, which stops at the
// dataset) -> succeeded | failed | cancelled. Cancel works in every non-terminal state, and a
// worker SIGKILLed while the provider trains is replaced by one that resumes the same job.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppProcess, startApp } from '../../libs/devstack/src/index.js';
import { startFakeFineTuning } from '../support/fake-fine-tuning.js';
import { activeTenant, client, createTenant, registerUser, type Request, type TestUser, waitForStatus } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';
import { pgPool, waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');
const sharedRequest = client(shared.apiUrl);
const API_KEY = 'sk-fake-fine-tuning-key';
const QUEUE_TIMINGS = { QUEUE_LOCK_MS: '1000', QUEUE_STALLED_INTERVAL_MS: '300' };

let fake: Awaited<ReturnType<typeof startFakeFineTuning>>;
let stack: Stack;
let request: Request;
let db: pg.Pool;
let freshWorker: AppProcess | undefined;

beforeAll(async () => {
  fake = await startFakeFineTuning(API_KEY);
  // Its own API + worker (own queues) that know the fake provider and poll it every 200 ms.
  stack = await startStack({
    databaseUrl: shared.databaseUrl,
    serverUrl: shared.serverUrl,
    redisUrl: shared.redisUrl,
    dataDir: shared.dataDir,
    env: { FINE_TUNE_API_BASE: fake.baseUrl, FINE_TUNE_API_KEY: API_KEY, FINE_TUNE_POLL_MS: '200' },
    workerEnv: QUEUE_TIMINGS,
  });
  request = client(stack.info.apiUrl);
  db = pgPool(shared.databaseUrl);
});

afterAll(async () => {
  await Promise.all([stack?.stop(), freshWorker?.stop()]);
  await Promise.all([fake?.close(), db?.end()]);
});

interface Job {
  id: string;
  status: string;
  base_model: string;
  source: string;
  provider: string;
  hyperparameters: Record<string, number>;
  dataset: { rows: number; bytes: number } | null;
  provider_job_id: string | null;
  fine_tuned_model: string | null;
  error: string | null;
  cancel_requested: boolean;
  created_at: string;
  finished_at: string | null;
}

function api(owner: TestUser, tenantId: string, req: Request = request) {
  const headers = { 'x-tenant-id': tenantId };
  return {
    create: (body: unknown) => req<Job>('POST', '/api/v1/fine-tune-jobs', { token: owner.token, headers, body }),
    list: () => req<{ jobs: Job[]; total: number }>('GET', '/api/v1/fine-tune-jobs', { token: owner.token, headers }),
    get: (id: string) => req<Job>('GET', `/api/v1/fine-tune-jobs/${id}`, { token: owner.token, headers }),
    cancel: (id: string) => req<Job>('POST', `/api/v1/fine-tune-jobs/${id}/cancel`, { token: owner.token, headers }),
    dataset: async (id: string) => {
      const res = await fetch(`${stack.info.apiUrl}/api/v1/fine-tune-jobs/${id}/dataset`, { headers: { authorization: `Bearer ${owner.token}`, ...headers } });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    },
    doc: (title: string, content: string) => req('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title, content } }),
  };
}

async function waitForJob(calls: ReturnType<typeof api>, id: string, until: (j: Job) => boolean, what: string, timeoutMs = 20_000): Promise<Job> {
  return waitUntil(
    `job ${id} to be ${what}`,
    async () => {
      const res = await calls.get(id);
      return res.status === 200 && until(res.body) ? res.body : undefined;
    },
    timeoutMs,
    50,
  );
}

async function tenantWithDocs(count: number) {
  const { owner, tenant } = await activeTenant(request);
  const calls = api(owner, tenant.id);
  for (let i = 0; i < count; i++) expect((await calls.doc(`Doc ${i}`, `Content number ${i} about herons.`)).status).toBe(201);
  return { owner, tenant, calls };
}

describe('fine-tune jobs: export', () => {
  it('builds a JSONL dataset from the documents and stops there', async () => {
    const { calls } = await tenantWithDocs(3);
    const created = await calls.create({ base_model: 'gpt-4o-mini-2024-07-18', source: 'documents', hyperparameters: { n_epochs: 3 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', base_model: 'gpt-4o-mini-2024-07-18', source: 'documents', provider: 'export', hyperparameters: { n_epochs: 3 }, dataset: null });
    const done = await waitForJob(calls, created.body.id, (j) => j.status === 'succeeded', 'succeeded');
    expect(done.dataset).toMatchObject({ rows: 3 });
    expect(done.finished_at).not.toBeNull();
    const dataset = await calls.dataset(created.body.id);
    expect(dataset.status).toBe(200);
    expect(dataset.type).toContain('application/jsonl');
    const lines = dataset.text.trim().split('\n').map((l) => JSON.parse(l) as { messages: Array<{ role: string; content: string }> });
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.messages.at(-1)!.content).sort()).toEqual(['Content number 0 about herons.', 'Content number 1 about herons.', 'Content number 2 about herons.']);
    for (const l of lines) expect(l.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(Buffer.byteLength(dataset.text)).toBe(done.dataset!.bytes);
    expect((await calls.list()).body).toMatchObject({ total: 1, jobs: [{ id: created.body.id, status: 'succeeded' }] });
    expect(fake.calls).toEqual([]); // export never reaches the provider
  });

  it('builds from conversations: only sessions with a user turn and an assistant reply', async () => {
    const { owner, tenant } = await activeTenant(request);
    const calls = api(owner, tenant.id);
    const schema = tenant.schema_name as string;
    const client = await db.connect();
    try {
      await client.query(`SELECT set_config('search_path', $1, false)`, [`"${schema}"`]);
      const s1 = (await client.query<{ id: string }>(`INSERT INTO chat_sessions (title) VALUES ('answered') RETURNING id`)).rows[0]!.id;
      const s2 = (await client.query<{ id: string }>(`INSERT INTO chat_sessions (title) VALUES ('unanswered') RETURNING id`)).rows[0]!.id;
      await client.query(
        `INSERT INTO chat_messages (session_id, role, content, created_at) VALUES
           ($1, 'user', 'How tall is a heron?', now() - interval '3 s'), ($1, 'assistant', 'About one metre.', now() - interval '2 s'),
           ($1, 'user', 'And a crane?', now() - interval '1 s'),
           ($2, 'user', 'Anyone there?', now())`,
        [s1, s2],
      );
    } finally {
      await client.query(`SELECT set_config('search_path', 'public', false)`);
      client.release();
    }
    const created = await calls.create({ base_model: 'base', source: 'conversations' });
    expect(created.status).toBe(201);
    const done = await waitForJob(calls, created.body.id, (j) => j.status === 'succeeded', 'succeeded');
    expect(done.dataset?.rows).toBe(1);
    const lines = (await calls.dataset(created.body.id)).text.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([{ messages: [{ role: 'user', content: 'How tall is a heron?' }, { role: 'assistant', content: 'About one metre.' }] }]);
  });

  it('fails with the reason when there is nothing to train on', async () => {
    const { owner, tenant } = await activeTenant(request);
    const calls = api(owner, tenant.id);
    const created = await calls.create({ base_model: 'base', source: 'documents' });
    const failed = await waitForJob(calls, created.body.id, (j) => j.status === 'failed', 'failed');
    expect(failed.error).toMatch(/invalid dataset: the dataset has 0 example/);
    expect((await calls.dataset(created.body.id)).status).toBe(409);
  });
});

describe('fine-tune jobs: an OpenAI-compatible provider (loopback fake)', () => {
  it('uploads the dataset, creates the job once, polls it to success', async () => {
    const { calls } = await tenantWithDocs(10);
    const created = await calls.create({ base_model: 'gpt-4o-mini', source: 'documents', provider: 'openai', hyperparameters: { n_epochs: 2, learning_rate_multiplier: 0.5 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const running = await waitForJob(calls, created.body.id, (j) => j.status === 'running' && j.provider_job_id !== null, 'running at the provider');
    const remote = fake.jobs.get(running.provider_job_id!)!;
    expect(remote).toMatchObject({ model: 'gpt-4o-mini', hyperparameters: { n_epochs: 2, learning_rate_multiplier: 0.5 }, idempotencyKey: `tenantry-ft-${created.body.id}` });
    expect(fake.files.get(remote.training_file)).toBe((await calls.dataset(created.body.id)).text);
    remote.status = 'succeeded';
    remote.fine_tuned_model = 'ft:gpt-4o-mini:tenantry::abc123';
    const done = await waitForJob(calls, created.body.id, (j) => j.status === 'succeeded', 'succeeded');
    expect(done).toMatchObject({ fine_tuned_model: 'ft:gpt-4o-mini:tenantry::abc123', dataset: { rows: 10 }, error: null });
    expect([...fake.jobs.values()].filter((j) => j.training_file === remote.training_file)).toHaveLength(1);
  });

  it('reports the provider’s failure and its refusal', async () => {
    const { calls } = await tenantWithDocs(10);
    const refused = await calls.create({ base_model: 'rejected-model', source: 'documents', provider: 'openai' });
    const failedAtCreate = await waitForJob(calls, refused.body.id, (j) => j.status === 'failed', 'failed');
    expect(failedAtCreate.error).toContain('model rejected-model does not exist');

    const created = await calls.create({ base_model: 'gpt-4o-mini', source: 'documents', provider: 'openai' });
    const running = await waitForJob(calls, created.body.id, (j) => j.provider_job_id !== null, 'submitted');
    const remote = fake.jobs.get(running.provider_job_id!)!;
    remote.status = 'failed';
    remote.error = { message: 'training loss diverged' };
    const failed = await waitForJob(calls, created.body.id, (j) => j.status === 'failed', 'failed');
    expect(failed.error).toBe('provider: training loss diverged');
  });

  it('needs at least 10 examples for the provider', async () => {
    const { calls } = await tenantWithDocs(2);
    const created = await calls.create({ base_model: 'gpt-4o-mini', source: 'documents', provider: 'openai' });
    const failed = await waitForJob(calls, created.body.id, (j) => j.status === 'failed', 'failed');
    expect(failed.error).toMatch(/needs at least 10/);
    expect(failed.provider_job_id).toBeNull();
  });
});

describe('fine-tune jobs: cancel', () => {
  it('reaches a running provider job, then the job is cancelled; a finished job cannot be cancelled', async () => {
    const { calls } = await tenantWithDocs(10);
    const created = await calls.create({ base_model: 'gpt-4o-mini', source: 'documents', provider: 'openai' });
    const running = await waitForJob(calls, created.body.id, (j) => j.provider_job_id !== null, 'submitted');
    const cancel = await calls.cancel(created.body.id);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'running', cancel_requested: true });
    const cancelled = await waitForJob(calls, created.body.id, (j) => j.status === 'cancelled', 'cancelled');
    expect(cancelled.finished_at).not.toBeNull();
    expect(fake.jobs.get(running.provider_job_id!)).toMatchObject({ status: 'cancelled', cancels: 1 });
    const again = await calls.cancel(created.body.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'fine_tune_job_finished' });
  });

  it('cancels queued and preparing jobs at once, and the worker leaves them cancelled', async () => {
    const { owner, tenant, calls } = await tenantWithDocs(1);
    const ids: string[] = [];
    for (const status of ['queued', 'preparing']) {
      const row = await db.query<{ id: string }>(`INSERT INTO ${tenant.schema_name}.fine_tune_jobs (base_model, status) VALUES ('base', $1) RETURNING id`, [status]);
      ids.push(row.rows[0]!.id);
    }
    for (const id of ids) {
      const res = await calls.cancel(id);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', cancel_requested: true, finished_at: expect.any(String) });
    }
    // A real job cancelled while queued: the worker finds it cancelled and builds nothing.
    const created = await calls.create({ base_model: 'base', source: 'documents' });
    const res = await calls.cancel(created.body.id);
    // 200 if the cancel came first, 409 if the worker had already finished it: never both, never half.
    expect([200, 409]).toContain(res.status);
    await new Promise((r) => setTimeout(r, 500));
    expect((await calls.get(created.body.id)).body.status).toBe(res.status === 200 ? 'cancelled' : 'succeeded');
    const list = await api(owner, tenant.id).list();
    expect(list.body.jobs.filter((j) => ids.includes(j.id)).every((j) => j.status === 'cancelled')).toBe(true);
  });
});

describe('fine-tune jobs: worker restart', () => {
  it('a SIGKILLed worker is replaced and the job resumes without a second provider job', { timeout: 180_000 }, async () => {
    const { calls } = await tenantWithDocs(10);
    const created = await calls.create({ base_model: 'gpt-4o-mini', source: 'documents', provider: 'openai' });
    const running = await waitForJob(calls, created.body.id, (j) => j.provider_job_id !== null, 'submitted');
    const trainingFile = fake.jobs.get(running.provider_job_id!)!.training_file;
    stack.worker!.kill();
    await stack.worker!.exited;
    fake.jobs.get(running.provider_job_id!)!.status = 'succeeded';
    fake.jobs.get(running.provider_job_id!)!.fine_tuned_model = 'ft:resumed';
    // Nothing moves while no worker runs.
    await new Promise((r) => setTimeout(r, 600));
    expect((await calls.get(created.body.id)).body.status).toBe('running');
    freshWorker = await startApp('worker', { ...stack.info.env, ...QUEUE_TIMINGS }, { silent: !process.env.TEST_LOG_LEVEL });
    const done = await waitForJob(calls, created.body.id, (j) => j.status === 'succeeded', 'succeeded after the restart', 30_000);
    expect(done.fine_tuned_model).toBe('ft:resumed');
    expect([...fake.jobs.values()].filter((j) => j.training_file === trainingFile)).toHaveLength(1);
    expect([...fake.files.keys()].filter((f) => f === trainingFile)).toHaveLength(1);
  });
});

describe('fine-tune jobs: bad input and isolation', () => {
  it('refuses bad bodies with 400 and creates nothing', async () => {
    const { owner, tenant } = await activeTenant(sharedRequest);
    const calls = api(owner, tenant.id, sharedRequest);
    for (const body of [
      {},
      { base_model: 'gpt', source: 'emails' },
      { base_model: '', source: 'documents' },
      { base_model: 'has spaces', source: 'documents' },
      { base_model: 'x'.repeat(201), source: 'documents' },
      { base_model: 'gpt', source: 'documents', provider: 'anthropic' },
      { base_model: 'gpt', source: 'documents', hyperparameters: { n_epochs: 0 } },
      { base_model: 'gpt', source: 'documents', hyperparameters: { n_epochs: 1e12 } },
      { base_model: 'gpt', source: 'documents', hyperparameters: { learning_rate_multiplier: 'fast' } },
      { base_model: 'gpt', source: 'documents', hyperparameters: 'many' },
    ]) {
      const res = await calls.create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    // The shared stack has no FINE_TUNE_API_KEY: provider openai is refused up front.
    const noKey = await calls.create({ base_model: 'gpt', source: 'documents', provider: 'openai' });
    expect(noKey.status).toBe(400);
    expect(noKey.body).toMatchObject({ code: 'provider_not_configured' });
    expect((await calls.list()).body.total).toBe(0);
    expect((await calls.get('not-a-uuid')).status).toBe(400);
    expect((await calls.get('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it("keeps each tenant's jobs and datasets to itself", async () => {
    const { owner, tenant, calls } = await tenantWithDocs(1);
    const created = await calls.create({ base_model: 'base', source: 'documents' });
    await waitForJob(calls, created.body.id, (j) => j.status === 'succeeded', 'succeeded');
    const other = await createTenant(request, owner.token);
    await waitForStatus(request, owner.token, other.id);
    const otherCalls = api(owner, other.id);
    expect((await otherCalls.list()).body).toMatchObject({ jobs: [], total: 0 });
    expect((await otherCalls.get(created.body.id)).status).toBe(404);
    expect((await otherCalls.cancel(created.body.id)).status).toBe(404);
    expect((await otherCalls.dataset(created.body.id)).status).toBe(404);
    const stranger = await registerUser(request);
    const strangerCalls = api(stranger, tenant.id);
    expect((await strangerCalls.get(created.body.id)).status).toBe(403);
    expect((await strangerCalls.dataset(created.body.id)).status).toBe(403);
    expect((await strangerCalls.create({ base_model: 'base', source: 'documents' })).status).toBe(403);
  });
});
