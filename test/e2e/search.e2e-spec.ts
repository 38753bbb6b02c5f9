// Search and RAG retrieval (issue 16): the stored tsvector and its GIN index behind `?q=`,
// passages and `POST /api/v1/corpus/query` (ranking, highlights), the per-tenant text search
// configuration (re-indexed by the worker when it changes), dense retrieval against a loopback
// OpenAI-compatible embeddings server fused by reciprocal rank fusion (re-embedded when the
// model changes), isolation between tenants and bad input.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, type Doc, type TestUser } from '../support/http.js';
import { waitUntil } from '../support/tenant-schema.js';

const stack = inject('stack');
const request = client(stack.apiUrl);

interface Passage {
  document_id: string;
  text: string;
  score: number;
  highlight: string;
}

let db: pg.Pool;
beforeAll(() => {
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.end();
});

/** Corpus calls in one tenant, through the X-Tenant-ID header. */
function corpusOf(owner: TestUser, tenant: { id: string; schema_name: string }) {
  const headers = { 'x-tenant-id': tenant.id };
  return {
    tenant,
    create: async (title: string, content: string): Promise<Doc> => {
      const res = await request<Doc>('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title, content } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    },
    patch: (id: string, body: unknown) => request<Doc>('PATCH', `/api/v1/corpus/documents/${id}`, { token: owner.token, headers, body }),
    remove: (id: string) => request('DELETE', `/api/v1/corpus/documents/${id}`, { token: owner.token, headers }),
    get: (id: string) => request<Doc>('GET', `/api/v1/corpus/documents/${id}`, { token: owner.token, headers }),
    list: (q: string) => request<{ documents: Doc[]; total: number }>('GET', `/api/v1/corpus/documents?q=${encodeURIComponent(q)}`, { token: owner.token, headers }),
    rawQuery: (body: unknown) => request<{ passages: Passage[] }>('POST', '/api/v1/corpus/query', { token: owner.token, headers, body }),
    query: async (query: string, topK = 5): Promise<Passage[]> => {
      const res = await request<{ passages: Passage[] }>('POST', '/api/v1/corpus/query', { token: owner.token, headers, body: { query, top_k: topK } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.passages;
    },
    settings: (settings: Record<string, unknown>) => request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings } }),
    /** The schema's own index state (what the worker applied). */
    indexState: async () =>
      (await db.query<{ ts_config: string; embedding_model: string | null }>(`SELECT ts_config::text, embedding_model FROM ${pg.escapeIdentifier(tenant.schema_name)}.corpus_settings`)).rows[0]!,
    passageRows: async () =>
      (
        await db.query<{ document_id: string; ordinal: number; text: string; embedded: boolean; embedding_model: string | null; ts_config: string }>(
          `SELECT document_id, ordinal, text, embedding IS NOT NULL AS embedded, embedding_model, ts_config::text FROM ${pg.escapeIdentifier(tenant.schema_name)}.passages ORDER BY document_id, ordinal`,
        )
      ).rows,
  };
}
type Corpus = ReturnType<typeof corpusOf>;

async function newCorpus(settings?: Record<string, unknown>): Promise<Corpus & { owner: TestUser }> {
  const { owner, tenant } = await activeTenant(request);
  const corpus = corpusOf(owner, tenant);
  if (settings) {
    const res = await corpus.settings(settings);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  return { ...corpus, owner };
}

// A fixed small corpus and a dozen natural-language questions, each with its right document.
const FAQ: Array<{ title: string; content: string; question: string }> = [
  { title: 'Refund policy', content: 'Customers can return any item within 30 days of delivery for a full refund. Refunds are issued to the original payment method within five business days after we receive the returned goods.', question: 'Can I get a refund if I return an item?' },
  { title: 'Resetting your password', content: "If you forgot your password, click 'Forgot password' on the sign-in page. We email a reset link that expires after one hour. Choose a new password of at least twelve characters.", question: 'I forgot my password, how do I reset it?' },
  { title: 'Shipping times', content: 'Orders ship from our warehouse in Rotterdam. Standard delivery takes three to five business days within Europe; express shipping arrives the next day.', question: 'How many days does delivery to Europe take?' },
  { title: 'Two-factor authentication', content: 'Protect your account with two-factor authentication. Scan the QR code with an authenticator app and enter the six-digit code each time you log in.', question: 'How do I set up two-factor authentication with an authenticator app?' },
  { title: 'Pricing plans', content: 'The starter plan costs 9 euros per month, growth costs 49, and enterprise pricing is negotiated. Annual billing saves two months.', question: 'How much does the growth plan cost per month?' },
  { title: 'API rate limits', content: 'Each API key may send 600 requests per minute. Exceeding the limit returns HTTP 429 with a Retry-After header telling the client when to try again.', question: 'What happens when I exceed the API rate limit?' },
  { title: 'Exporting data', content: 'Owners can export all workspace data as a tar archive of NDJSON files from the settings page. Exports are kept for seven days.', question: 'How can I export my workspace data?' },
  { title: 'Deleting an account', content: 'To close your account permanently, contact support. Deletion erases your documents and conversations after a thirty-day grace period.', question: 'How do I permanently delete my account?' },
  { title: 'Keyboard shortcuts', content: 'Press Ctrl+K to open the command palette, Ctrl+/ to toggle the sidebar, and Esc to close any dialog.', question: 'Which keyboard shortcut opens the command palette?' },
  { title: 'Office dog policy', content: 'Employees may bring well-behaved dogs to the office on Fridays. Dogs must stay on a leash in shared spaces and away from the kitchen.', question: 'Can I bring my dog to the office?' },
  { title: 'Invoices and VAT', content: 'Invoices are emailed on the first day of each month. Business customers in the EU can add a VAT number so invoices show reverse charge.', question: 'Where do I add our VAT number to invoices?' },
  { title: 'Single sign-on', content: 'Enterprise workspaces can configure SAML or OpenID Connect single sign-on with Okta, Azure AD or Google Workspace. Users are provisioned on first login.', question: 'Does single sign-on work with Okta?' },
];

async function loadFaq(corpus: Corpus): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const d of FAQ) ids.set(d.title, (await corpus.create(d.title, d.content)).id);
  return ids;
}

async function firstHits(corpus: Corpus, ids: Map<string, string>): Promise<string[]> {
  const wrong: string[] = [];
  for (const d of FAQ) {
    const [best] = await corpus.query(d.question, 3);
    if (best?.document_id !== ids.get(d.title)) wrong.push(`${d.question} -> ${best ? FAQ.find((f) => ids.get(f.title) === best.document_id)?.title : 'nothing'}`);
  }
  return wrong;
}

describe('search: relevance on a fixed corpus', { timeout: 120_000 }, () => {
  it('answers each of a dozen questions with the right document first (english configuration)', async () => {
    const corpus = await newCorpus({ search_language: 'english' });
    await waitUntil('english configuration applied', async () => (await corpus.indexState()).ts_config === 'english', 15_000);
    const ids = await loadFaq(corpus);
    expect(await firstHits(corpus, ids)).toEqual([]);
  });

  it('does so with the default `simple` configuration too', async () => {
    const corpus = await newCorpus();
    expect(await corpus.indexState()).toEqual({ ts_config: 'simple', embedding_model: null });
    const ids = await loadFaq(corpus);
    expect(await firstHits(corpus, ids)).toEqual([]);
  });
});

const filler = (n: number): string =>
  Array.from({ length: n }, (_, i) => `Sentence number ${i} talks about ordinary warehouse logistics and pallets ${i % 7}.`).join(' ');

describe('search: passages, highlights, ?q= on the index', { timeout: 120_000 }, () => {
  let corpus: Corpus & { owner: TestUser };
  let long: Doc;

  beforeAll(async () => {
    corpus = await newCorpus();
    // ~1900 words: several passages; the answer sits in one of them, far from the start.
    long = await corpus.create('Operations handbook', `${filler(120)}\n\nThe zanzibar lighthouse keeper checks the lamp every evening at dusk.\n\n${filler(60)}`);
  });

  it('splits a document into overlapping passages and answers the one that holds the answer, highlighted', async () => {
    const rows = (await corpus.passageRows()).filter((p) => p.document_id === long.id);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.map((r) => r.ordinal)).toEqual(rows.map((_, i) => i));
    for (const r of rows) expect(r.text.split(/\s+/).length).toBeLessThanOrEqual(400);
    const passages = await corpus.query('who checks the lighthouse lamp in zanzibar?', 3);
    expect(passages[0]).toMatchObject({ document_id: long.id, score: expect.any(Number) });
    expect(passages[0]!.text).toContain('zanzibar lighthouse keeper');
    expect(passages[0]!.text.length).toBeLessThan(long.content.length / 3);
    expect(passages[0]!.highlight).toContain('<mark>zanzibar</mark>');
    expect(passages[0]!.highlight).toContain('<mark>lighthouse</mark>');
    // Best first.
    const scores = passages.map((p) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('escapes HTML in highlights: only <mark> is markup', async () => {
    const doc = await corpus.create('Hostile', '<script>alert("x")</script> quokka <img src=x onerror=alert(1)> quokka');
    const [hit] = await corpus.query('quokka', 1);
    expect(hit!.document_id).toBe(doc.id);
    expect(hit!.text).toContain('<script>'); // the text is the text
    expect(hit!.highlight).not.toMatch(/<(?!\/?mark>)/);
    expect(hit!.highlight).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(hit!.highlight).toContain('<mark>quokka</mark>');
  });

  it('rebuilds passages on update and drops them with the document', async () => {
    const doc = await corpus.create('Temporary', 'The narwhal migrates north in spring.');
    expect((await corpus.query('narwhal'))[0]!.document_id).toBe(doc.id);
    const patched = await corpus.patch(doc.id, { content: 'The axolotl regrows its limbs.' });
    expect(patched.status).toBe(200);
    expect(await corpus.query('narwhal')).toEqual([]);
    expect((await corpus.query('axolotl'))[0]!.document_id).toBe(doc.id);
    // Title-only change: the title is part of every passage's index.
    expect((await corpus.patch(doc.id, { title: 'Pangolin facts' })).status).toBe(200);
    expect((await corpus.query('pangolin'))[0]!.document_id).toBe(doc.id);
    expect((await corpus.remove(doc.id)).status).toBe(204);
    expect(await corpus.query('axolotl')).toEqual([]);
    expect((await corpus.passageRows()).filter((p) => p.document_id === doc.id)).toEqual([]);
  });

  it('?q= uses websearch syntax, ranks, and runs on the GIN index (its scan counter moves)', async () => {
    const schema = pg.escapeIdentifier(corpus.tenant.schema_name);
    // Enough rows that a sequential scan would be the planner's choice without the index.
    await db.query(`INSERT INTO ${schema}.documents (title, content) SELECT 'filler ' || g, 'ordinary pallets ' || g FROM generate_series(1, 3000) g`);
    await db.query(`INSERT INTO ${schema}.passages (document_id, ordinal, text) SELECT id, 0, content FROM ${schema}.documents WHERE title LIKE 'filler %'`);
    await db.query(`ANALYZE ${schema}.documents; ANALYZE ${schema}.passages`);
    const scans = async (index: string): Promise<number> => {
      const { rows } = await db.query<{ n: string }>(`SELECT idx_scan AS n FROM pg_stat_all_indexes WHERE schemaname = $1 AND indexrelname = $2`, [corpus.tenant.schema_name, index]);
      return rows[0] ? Number(rows[0].n) : NaN;
    };
    const docsBefore = await scans('documents_tsv_idx');
    const passagesBefore = await scans('passages_tsv_idx');
    expect(docsBefore).not.toBeNaN();

    const found = await corpus.list('"zanzibar lighthouse" -pallets');
    expect(found.status).toBe(200);
    expect(found.body.total).toBe(0); // the handbook mentions pallets too
    const hit = await corpus.list('"zanzibar lighthouse"');
    expect(hit.body.documents.map((d) => d.id)).toEqual([long.id]);
    const ranked = await corpus.list('ordinary or quokka');
    expect(ranked.body.total).toBeGreaterThan(3000);
    expect((await corpus.query('zanzibar'))[0]!.document_id).toBe(long.id);

    // The plan of the list's statement (as DocumentsRepository.list writes it) is a scan of the GIN index.
    const plan = await db.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) SELECT d.id FROM ${schema}.documents d, (SELECT websearch_to_tsquery(ts_config, $1) AS q FROM ${schema}.corpus_settings) s
        WHERE d.tsv @@ s.q ORDER BY ts_rank_cd(d.tsv, s.q) DESC LIMIT 20`,
      ['zanzibar lighthouse'],
    );
    expect(JSON.stringify(plan.rows[0]!['QUERY PLAN'])).toContain('"Index Name":"documents_tsv_idx"');
    // And the API's own statements did use the indexes: their scan counters moved. A backend
    // reports its statistics when idle for 10 s at most (PGSTAT_IDLE_INTERVAL).
    await waitUntil('documents_tsv_idx used', async () => (await scans('documents_tsv_idx')) > docsBefore, 30_000, 200);
    await waitUntil('passages_tsv_idx used', async () => (await scans('passages_tsv_idx')) > passagesBefore, 30_000, 200);
  });
});

describe('search: the text search configuration per tenant', { timeout: 120_000 }, () => {
  it('re-indexes in the worker when settings.search_language changes; an unknown one is a 400', async () => {
    const corpus = await newCorpus();
    const doc = await corpus.create('Morning habit', 'She runs every morning along the river.');
    // `simple` does not stem: "running" does not find "runs".
    expect(await corpus.query('running')).toEqual([]);
    expect((await corpus.list('running')).body.total).toBe(0);

    const bad = await corpus.settings({ search_language: 'klingon' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'settings.search_language' })]);
    expect((await corpus.settings({ search_language: 'pg_catalog.english' })).status).toBe(400);
    expect((await corpus.settings({ search_language: 42 })).status).toBe(400);
    const tenant = await request('GET', `/api/tenants/${corpus.tenant.id}`, { token: corpus.owner.token });
    expect(tenant.body.settings.search_language).toBeUndefined();

    expect((await corpus.settings({ search_language: 'english' })).status).toBe(200);
    await waitUntil('english applied', async () => (await corpus.indexState()).ts_config === 'english', 15_000);
    expect((await corpus.passageRows()).every((p) => p.ts_config === 'english')).toBe(true);
    expect((await corpus.query('running'))[0]!.document_id).toBe(doc.id);
    expect((await corpus.list('running')).body.documents.map((d) => d.id)).toEqual([doc.id]);
    // New writes are indexed with it.
    const second = await corpus.create('Lake', 'He swims there daily.');
    expect((await corpus.query('swimming'))[0]!.document_id).toBe(second.id);

    // Back to the default.
    expect((await corpus.settings({ search_language: null })).status).toBe(200);
    await waitUntil('simple applied', async () => (await corpus.indexState()).ts_config === 'simple', 15_000);
    expect(await corpus.query('running')).toEqual([]);
  });
});

/**
 * A loopback OpenAI-compatible embeddings server. Vectors are concept counts, so texts that share
 * no word but a concept are close: "automobile" is near "sedan engine".
 */
const CONCEPTS: string[][] = [
  ['car', 'cars', 'automobile', 'automobiles', 'sedan', 'engine', 'vehicle', 'motor'],
  ['cat', 'cats', 'kitten', 'feline', 'purr', 'whiskers'],
  ['rain', 'umbrella', 'storm', 'forecast', 'weather', 'drizzle'],
  ['bread', 'flour', 'yeast', 'oven', 'baking', 'loaf'],
];
function conceptVector(text: string): number[] {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return [...CONCEPTS.map((c) => words.filter((w) => c.includes(w)).length), 0.05];
}

interface FakeEmbeddings {
  url: string;
  calls: Array<{ model: string; auth: string | undefined; inputs: number }>;
  close(): Promise<void>;
}
async function fakeEmbeddings(): Promise<FakeEmbeddings> {
  const calls: FakeEmbeddings['calls'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      calls.push({ model: parsed.model, auth: req.headers.authorization, inputs: parsed.input.length });
      if (req.url !== '/v1/embeddings' || parsed.input.some((t) => t.includes('explode'))) {
        res.writeHead(500).end('{"error":"boom"}');
        return;
      }
      // Answered in reverse order, with their index, as the API allows.
      const data = parsed.input.map((t, index) => ({ object: 'embedding', index, embedding: conceptVector(t) })).reverse();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: parsed.model }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const FUSION_DOCS = [
  { title: 'Sedan maintenance', content: 'Change the oil of the sedan engine every ten thousand kilometres.' },
  { title: 'Kitten care', content: 'A kitten needs fresh water, a warm basket and someone to purr at.' },
  { title: 'Storm season', content: 'Keep an umbrella by the door when the forecast says storm.' },
  { title: 'Sourdough', content: 'Feed the starter with flour, let the loaf rise, then bake it in a hot oven.' },
];

describe('search: dense retrieval fused with full text', { timeout: 120_000 }, () => {
  let fake: FakeEmbeddings;
  const apiKey = 'sk-embeddings-test-0123456789';
  beforeAll(async () => {
    fake = await fakeEmbeddings();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('finds a document sharing no word with the query, which full text alone cannot; re-embeds when the model changes', async () => {
    const plain = await newCorpus();
    const dense = await newCorpus({ embeddings: { base_url: fake.url, api_key: apiKey, model: 'concepts-v1' } });
    await waitUntil('embeddings provider applied', async () => (await dense.indexState()).embedding_model?.endsWith('#concepts-v1'), 15_000);
    const ids: Record<string, string> = {};
    for (const d of FUSION_DOCS) {
      await plain.create(d.title, d.content);
      ids[d.title] = (await dense.create(d.title, d.content)).id;
    }
    await waitUntil('passages embedded', async () => {
      const rows = await dense.passageRows();
      return rows.length === FUSION_DOCS.length && rows.every((r) => r.embedded);
    }, 20_000, 100);

    // "automobile" shares no word with "Sedan maintenance".
    expect(await plain.query('automobile')).toEqual([]);
    const fused = await dense.query('automobile', 3);
    expect(fused[0]).toMatchObject({ document_id: ids['Sedan maintenance'] });
    expect(fused[0]!.score).toBeCloseTo(1 / 61, 6); // rank 1 by vector, absent from full text
    // Both rankings agree: full text and vectors put it first, and the fused score adds them up.
    const both = await dense.query('kitten purr', 2);
    expect(both[0]).toMatchObject({ document_id: ids['Kitten care'] });
    expect(both[0]!.score).toBeCloseTo(2 / 61, 6);
    expect(both[0]!.highlight).toContain('<mark>kitten</mark>');
    // The key is the tenant's, decrypted in the worker and the API only to call the provider.
    expect(new Set(fake.calls.map((c) => c.auth))).toEqual(new Set([`Bearer ${apiKey}`]));
    const shown = await request('GET', `/api/tenants/${dense.tenant.id}`, { token: dense.owner.token });
    expect(shown.body.settings.embeddings).toEqual({ base_url: fake.url, api_key: { set: true }, model: 'concepts-v1' });

    // The provider failing on a query degrades it to full text, never to an error.
    const degraded = await dense.query('explode sedan', 3);
    expect(degraded[0]).toMatchObject({ document_id: ids['Sedan maintenance'] });

    // A new model: the worker drops the old vectors and embeds everything again.
    const before = fake.calls.length;
    expect((await dense.settings({ embeddings: { model: 'concepts-v2' } })).status).toBe(200);
    await waitUntil('re-embedded with concepts-v2', async () => {
      const rows = await dense.passageRows();
      return rows.length === FUSION_DOCS.length && rows.every((r) => r.embedded && r.embedding_model?.endsWith('#concepts-v2'));
    }, 20_000, 100);
    expect(fake.calls.slice(before).some((c) => c.model === 'concepts-v2')).toBe(true);
    expect((await dense.query('automobile', 1))[0]).toMatchObject({ document_id: ids['Sedan maintenance'] });

    // Dense retrieval off again: full text only, the vectors are dropped.
    expect((await dense.settings({ embeddings: null })).status).toBe(200);
    await waitUntil('embeddings dropped', async () => (await dense.passageRows()).every((r) => !r.embedded), 15_000);
    expect(await dense.query('automobile')).toEqual([]);
  });

  it('refuses an embeddings provider that is not an http(s) URL with a model', async () => {
    const corpus = await newCorpus();
    for (const embeddings of [{ base_url: 'file:///etc/passwd', model: 'm', api_key: 'k' }, { base_url: fake.url, api_key: 'k' }, { base_url: fake.url, model: '', api_key: 'k' }, 'x']) {
      const res = await corpus.settings({ embeddings });
      expect(res.status, JSON.stringify(embeddings)).toBe(400);
    }
    expect(await corpus.indexState()).toEqual({ ts_config: 'simple', embedding_model: null });
  });
});

describe('search: isolation and bad input', { timeout: 120_000 }, () => {
  let a: Corpus & { owner: TestUser };
  let b: Corpus & { owner: TestUser };
  let aDoc: Doc;

  beforeAll(async () => {
    [a, b] = await Promise.all([newCorpus(), newCorpus()]);
    aDoc = await a.create('Alpha secret', 'The wombat password is stored in vault seven.');
    await b.create('Beta notes', 'Nothing about marsupials here.');
  });

  it("tenant B never sees A's passages: by query, by list, by id", async () => {
    expect((await a.query('wombat vault'))[0]!.document_id).toBe(aDoc.id);
    expect(await b.query('wombat vault seven password', 50)).toEqual([]);
    expect((await b.list('wombat')).body).toMatchObject({ total: 0, documents: [] });
    expect((await b.get(aDoc.id)).status).toBe(404);
    // B's owner naming A: refused before any search.
    const cross = await request('POST', '/api/v1/corpus/query', { token: b.owner.token, headers: { 'x-tenant-id': a.tenant.id }, body: { query: 'wombat' } });
    expect(cross.status).toBe(403);
  });

  it('refuses bad top_k and query with a 400 naming the field; odd but valid queries answer 200', async () => {
    const cases: unknown[] = [
      { query: 'wombat', top_k: 0 },
      { query: 'wombat', top_k: 51 },
      { query: 'wombat', top_k: 'x' },
      { query: 'wombat', top_k: '5' },
      { query: 'wombat', top_k: 1.5 },
      { query: 'wombat', top_k: 1e21 },
      { query: '' },
      { query: '   ' },
      { top_k: 5 },
      { query: 42 },
      { query: ['wombat'] },
      { query: 'x'.repeat(2001) },
      { query: 'wombat', extra: true },
    ];
    for (const body of cases) {
      const res = await a.rawQuery(body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: expect.any(String), message: expect.any(String) });
    }
    const nul = await request('POST', '/api/v1/corpus/query', {
      token: a.owner.token,
      headers: { 'x-tenant-id': a.tenant.id, 'content-type': 'application/json' },
      rawBody: '{"query":"wom\\u0000bat"}',
    });
    expect(nul.status).toBe(400);
    for (const query of ['!!!', '"unclosed', '-', 'or or or', '<->', "'", ':*', '&|!', 'x'.repeat(2000), Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ')]) {
      const res = await a.rawQuery({ query, top_k: 50 });
      expect(res.status, query.slice(0, 40)).toBe(200);
      expect(Array.isArray(res.body.passages)).toBe(true);
    }
    // Pathological documents are indexed, not refused: 600,000 characters without a space, a huge word.
    const dense = Array.from({ length: 100_000 }, (_, i) => `t${i}`).join(',');
    const blob = await a.create('Blob', `${dense} ${'q'.repeat(50_000)} okapi`);
    expect((await a.query('t99999', 1))[0]!.document_id).toBe(blob.id);
    expect((await a.query('okapi', 1))[0]!.document_id).toBe(blob.id);
    expect((await a.list('t123')).body.documents.map((d) => d.id)).toEqual([blob.id]);
    // top_k is optional (5) and bounds the answer.
    const many = await a.create('Many', Array.from({ length: 40 }, (_, i) => `Paragraph ${i} mentions the wombat again.`).join('\n\n'));
    expect(many.id).toBeTruthy();
    expect((await a.rawQuery({ query: 'wombat' })).body.passages.length).toBeLessThanOrEqual(5);
    expect((await a.rawQuery({ query: 'wombat', top_k: 1 })).body.passages).toHaveLength(1);
  });
});
