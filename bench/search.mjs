// SEARCH: latency of full-text search (GET /api/v1/corpus/documents?q=) and RAG retrieval
// (POST /api/v1/corpus/query) on 10,000 documents in one tenant while 100 other tenants exist,
// against the same queries without tenancy (GET /bench/plain/documents?q=,
// POST /bench/plain/corpus/query: the same service, repository and SQL on a pool whose
// connections start in the tenant's schema as its role; no transaction, no SET LOCAL, no tenant
// lookup). Every document goes through POST /api/v1/corpus/documents, so its passages are cut
// and indexed by the product's own code. One API process serves both; runs alternate
// T P P T so that drift of this shared machine cancels out.
import autocannon from 'autocannon';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTenant, DATA, fmt, http, log, machine, mapLimit, now, register, table, tenantEvents, withStack } from './lib.mjs';

const DOCS = Number(process.env.SEARCH_DOCS ?? 10_000);
const OTHER_TENANTS = Number(process.env.SEARCH_OTHER_TENANTS ?? 100);
const OTHER_DOCS = 10;
const CONNECTIONS = Number(process.env.SEARCH_CONNECTIONS ?? 4);
const DURATION_S = Number(process.env.SEARCH_DURATION_S ?? 10);
const WARMUP_S = 3;
const SLUG = 'search-bench';
const ORDER = ['tenant', 'plain', 'plain', 'tenant'];

// A deterministic corpus: words drawn from a 4,000-word vocabulary with a Zipf-like
// distribution (a few very common words, a long tail), plus English function words.
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dor', 'fen', 'gal', 'hup', 'jor', 'bex', 'cyn', 'wam', 'yul'];
const VOCAB = Array.from({ length: 4000 }, (_, i) => {
  let w = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / SYLLABLES.length)) w += SYLLABLES[n % SYLLABLES.length];
  return w;
});
const FUNCTION_WORDS = ['the', 'of', 'and', 'to', 'in', 'is', 'for', 'on', 'with', 'as', 'by', 'at', 'from', 'this', 'that'];
const zipfWord = () => VOCAB[Math.min(VOCAB.length - 1, Math.floor(VOCAB.length ** random()) - 1)];
function sentence() {
  const n = 8 + Math.floor(random() * 14);
  const words = Array.from({ length: n }, () => (random() < 0.3 ? FUNCTION_WORDS[Math.floor(random() * FUNCTION_WORDS.length)] : zipfWord()));
  return `${words[0][0].toUpperCase()}${words.join(' ').slice(1)}.`;
}
function documentBody() {
  const paragraphs = 1 + Math.floor(random() * 4);
  return Array.from({ length: paragraphs }, () => Array.from({ length: 3 + Math.floor(random() * 6) }, sentence).join(' ')).join('\n\n');
}
// Queries: questions of 3-6 mid-frequency words (the kind RAG gets), and for the list, 2 words.
const midWord = () => VOCAB[50 + Math.floor(random() * 1500)];
const RAG_QUERIES = Array.from({ length: 40 }, () => `how does ${Array.from({ length: 3 + Math.floor(random() * 4) }, midWord).join(' ')} work?`);
const LIST_QUERIES = Array.from({ length: 40 }, () => `${midWord()} ${midWord()}`);

function rotating(list, make) {
  let i = 0;
  return (req) => ({ ...req, ...make(list[i++ % list.length]) });
}

function cannon(url, headers, kind, duration) {
  const listPath = new URL(url).pathname;
  const request = kind === 'search'
    ? { method: 'GET', setupRequest: rotating(LIST_QUERIES, (q) => ({ path: `${listPath}?q=${encodeURIComponent(q)}&limit=10` })) }
    : { method: 'POST', setupRequest: rotating(RAG_QUERIES, (q) => ({ body: JSON.stringify({ query: q, top_k: 5 }) })) };
  return autocannon({ url, connections: CONNECTIONS, duration, headers: { ...headers, 'content-type': 'application/json' }, requests: [request] });
}

export async function runSearch() {
  return withStack('search', 45 * 60_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_search');
    // NODE_ENV=test: production refuses BENCH_ROUTES (the request path is the same code).
    const env = stack.appEnv(databaseUrl, { NODE_ENV: 'test', BENCH_ROUTES: 'true', BENCH_PLAIN_SLUG: SLUG, WARM_POOL_SIZE: '4' });
    const api = await stack.startApp('api', env);
    await stack.startApp('worker', env);
    const request = http(api.url);
    const events = await tenantEvents(stack, env.REDIS_PREFIX);
    const token = await register(request);

    let t0 = now();
    const slugs = [SLUG, ...Array.from({ length: OTHER_TENANTS }, (_, i) => `search-other-${String(i).padStart(3, '0')}`)];
    const tenants = await mapLimit(slugs, 8, async (slug) => {
      // The searched tenant holds DOCS documents: past the starter plan's max_documents (1,000), within enterprise's.
      const tenant = await createTenant(request, token, slug, slug, slug === SLUG ? 'enterprise' : 'starter');
      const done = await events.wait(tenant.id, 180_000);
      if (done.status !== 'active') throw new Error(`tenant ${slug} ended ${done.status}`);
      return tenant;
    });
    log(`search: ${slugs.length} tenants active in ${fmt((now() - t0) / 1000)} s`);

    const create = async (tenantId, title, content) => {
      const res = await request('POST', '/api/v1/corpus/documents', { token, headers: { 'x-tenant-id': tenantId }, body: { title, content } });
      if (res.status !== 201) throw new Error(`create document: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    };
    t0 = now();
    const others = tenants.slice(1).flatMap((t) => Array.from({ length: OTHER_DOCS }, (_, i) => [t.id, i]));
    await mapLimit(others, 16, ([id, i]) => create(id, `Other ${i} ${zipfWord()}`, documentBody()));
    log(`search: ${others.length} documents in the other tenants in ${fmt((now() - t0) / 1000)} s`);
    const big = tenants[0];
    const bodies = Array.from({ length: DOCS }, (_, i) => [`Document ${i} ${zipfWord()} ${zipfWord()}`, documentBody()]);
    t0 = now();
    await mapLimit(bodies, 16, ([title, content]) => create(big.id, title, content));
    const loadS = (now() - t0) / 1000;
    const db = await stack.client(databaseUrl);
    const stats = (await db.query(`SELECT (SELECT count(*) FROM tenant_search_bench.documents)::int AS documents, (SELECT count(*) FROM tenant_search_bench.passages)::int AS passages`)).rows[0];
    if (stats.documents !== DOCS) throw new Error(`expected ${DOCS} documents, found ${stats.documents}`);
    log(`search: ${DOCS} documents (${stats.passages} passages) through the API in ${fmt(loadS)} s (${fmt(DOCS / loadS)} docs/s)`);

    const headers = { authorization: `Bearer ${token}`, 'x-tenant-id': big.id };
    const variants = {
      search: { tenant: `${api.url}/api/v1/corpus/documents`, plain: `${api.url}/bench/plain/documents` },
      rag: { tenant: `${api.url}/api/v1/corpus/query`, plain: `${api.url}/bench/plain/corpus/query` },
    };
    // Both variants answer the same for the same query.
    for (const q of LIST_QUERIES.slice(0, 5)) {
      const [a, b] = await Promise.all(['tenant', 'plain'].map((v) => request('GET', `${new URL(variants.search[v]).pathname}?q=${encodeURIComponent(q)}&limit=10`, { headers })));
      if (a.status !== 200 || JSON.stringify(a.body) !== JSON.stringify(b.body)) throw new Error(`search variants disagree on ${q}: ${a.status} ${b.status}`);
    }
    let hits = 0;
    for (const q of RAG_QUERIES.slice(0, 5)) {
      const [a, b] = await Promise.all(['tenant', 'plain'].map((v) => request('POST', new URL(variants.rag[v]).pathname, { headers, body: { query: q, top_k: 5 } })));
      if (a.status !== 200 || JSON.stringify(a.body) !== JSON.stringify(b.body)) throw new Error(`rag variants disagree on ${q}: ${a.status} ${b.status} ${JSON.stringify(a.body).slice(0, 200)}`);
      hits += a.body.passages.length;
    }
    if (hits === 0) throw new Error('the RAG queries find nothing: the corpus or the queries are wrong');

    const runs = [];
    for (const kind of ['search', 'rag']) {
      for (const v of ['tenant', 'plain']) await cannon(variants[kind][v], headers, kind, WARMUP_S);
      for (const [i, v] of ORDER.entries()) {
        await cannon(variants[kind][v], headers, kind, 1); // reconnects a pool that sat idle
        const r = await cannon(variants[kind][v], headers, kind, DURATION_S);
        const bad = r.non2xx + r.errors + r.timeouts;
        if (bad > 0) throw new Error(`search ${kind} ${v}: ${bad} requests failed or answered non-2xx`);
        const run = { kind, variant: v, run: i + 1, rps: r['2xx'] / r.duration, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'] };
        runs.push(run);
        log(`search: ${kind} run ${i + 1}/${ORDER.length} ${v}: ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms`);
      }
    }
    const summary = {};
    for (const kind of ['search', 'rag']) {
      summary[kind] = {};
      for (const v of ['tenant', 'plain']) {
        const mine = runs.filter((r) => r.kind === kind && r.variant === v);
        const avg = (k) => mine.reduce((s, r) => s + r[k], 0) / mine.length;
        summary[kind][v] = { rps: avg('rps'), p50: avg('p50'), p99: avg('p99') };
      }
    }
    console.log(`\nSEARCH latency (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ${DOCS} documents / ${stats.passages} passages ` +
      `in one tenant, ${OTHER_TENANTS} other tenants with ${OTHER_DOCS} documents each, ${CONNECTIONS} connections, ${DURATION_S} s runs, ` +
      `${LIST_QUERIES.length} list queries / ${RAG_QUERIES.length} RAG questions rotating)\n`);
    console.log(table(['what', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'p50 ratio tenant/plain', 'p99 ratio tenant/plain'],
      ['search', 'rag'].flatMap((kind) => ['tenant', 'plain'].map((v) => {
        const s = summary[kind][v];
        const p = summary[kind].plain;
        return [kind === 'search' ? 'GET ?q= (limit 10)' : 'POST /corpus/query (top_k 5)', v, fmt(s.rps), fmt(s.p50), fmt(s.p99), v === 'tenant' ? fmt(s.p50 / p.p50, 2) : '', v === 'tenant' ? fmt(s.p99 / p.p99, 2) : ''];
      }))));
    console.log(`\nloading: ${fmt(DOCS / loadS)} documents/s through POST /api/v1/corpus/documents (16 in flight)\n`);
    const result = { bench: 'search', machine: machine(), pg: stack.pgInfo, docs: DOCS, passages: stats.passages, otherTenants: OTHER_TENANTS, connections: CONNECTIONS, durationS: DURATION_S, loadDocsPerS: DOCS / loadS, runs, summary };
    await writeFile(join(DATA, 'search-result.json'), JSON.stringify(result, null, 2));
    return result;
  });
}
