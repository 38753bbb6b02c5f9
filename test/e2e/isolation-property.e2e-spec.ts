// Isolation as a property (fast-check): random batches of concurrent requests from the owners
// of several tenants, naming tenants by every resolution method (X-Tenant-ID, X-Tenant-Slug,
// subdomain, /api/v1/{slug}/ prefix), through an API whose pool has only 2 connections so that
// every connection serves many tenants in turn. Whatever the interleaving:
// - every document an answer carries belongs to the tenant the request named, and that tenant
//   is one the caller may act in;
// - every refusal is a 403 (not a member; an API key outside its tenant) or 404 (another tenant's document, unknown tenant).
// A failing run prints its seed and path: replay it with ISOLATION_SEED=<seed> ISOLATION_PATH=<path>.
// `npm run bench:isolation` runs the same property over >= 100,000 requests and prints p99.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_PERMISSIONS } from '../../libs/rbac/src/index.js';
import { activeTenant, type Doc, registerUser, type Request, type TestUser } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { type Stack, startStack } from '../support/stack.js';
import { documentsVia, STRATEGIES, type Strategy, type Target } from '../support/tenant-routes.js';

const shared = inject('stack');
/** Total requests this run makes (the bench raises it); batches of BATCH run concurrently. */
const REQUESTS = Number(process.env.ISOLATION_REQUESTS ?? 2_400);
const BATCH = 40;
const TENANTS = 6;
const DOCS_PER_TENANT = 4;

/** How a caller proves who it is: the owner's JWT, or an API key of the actor's tenant (with every read scope). */
interface AuthKind {
  name: string;
  headers(actor: Fixture): Record<string, string>;
  /** A key acts in its own tenant alone (another tenant of the same owner included): elsewhere 403 with this code. */
  keyedTo?: 'api_key_out_of_scope';
}
const AUTH_KINDS: AuthKind[] = [
  { name: 'bearer', headers: (actor) => ({ authorization: `Bearer ${actor.owner.token}` }) },
  { name: 'api-key', headers: (actor) => ({ 'x-api-key': actor.key }), keyedTo: 'api_key_out_of_scope' },
];
const READ_SCOPES = ALL_PERMISSIONS.filter((p) => p.endsWith(':read'));

interface Fixture {
  id: string;
  slug: string;
  owner: TestUser;
  docs: Doc[];
  /** A word only this tenant's documents contain (for search). */
  word: string;
  /** An API key of the owner's, scoped to this tenant, with every read scope. */
  key: string;
}

type Op =
  | { kind: 'list'; actor: number; named: number; strategy: Strategy; auth: number }
  | { kind: 'search'; actor: number; named: number; strategy: Strategy; auth: number; wordOf: number }
  | { kind: 'get'; actor: number; named: number; strategy: Strategy; auth: number; docOf: number; doc: number };

let stack: Stack | undefined;
let request: Request;
let tenants: Fixture[] = [];
const latencies: number[] = [];
/** What the run exercised: strategy, operation, and outcome (allowed, foreign document, not a member). */
const covered = new Map<string, number>();
const cover = (key: string) => covered.set(key, (covered.get(key) ?? 0) + 1);

beforeAll(async () => {
  // Its own API with a pool of two connections; the shared servers and worker.
  // 40 requests queue for two connections: a loaded machine must not turn the wait into 503s (the 3 s default).
  stack = await startStack({ ...shared, env: { DB_POOL_SIZE: '2', DB_CONNECT_TIMEOUT_MS: '60000' }, worker: false, redisPrefix: shared.env.REDIS_PREFIX });
  request = nodeClient(stack.info.apiUrl);
  const setup = nodeClient(shared.apiUrl);
  // Owners: tenants 0-3 have one owner each; tenants 4 and 5 share one owner (member of both).
  const sharedOwner = await registerUser(setup, 'Owner of two');
  tenants = await Promise.all(
    Array.from({ length: TENANTS }, async (_, i) => {
      const { owner, tenant } = await activeTenant(setup, {}, i >= 4 ? sharedOwner : undefined);
      const word = `w${tenant.id.replace(/-/g, '').slice(0, 12)}`;
      const docs: Doc[] = [];
      for (let d = 0; d < DOCS_PER_TENANT; d++) {
        const res = await setup<Doc>('POST', '/api/v1/corpus/documents', {
          token: owner.token,
          headers: { 'x-tenant-id': tenant.id },
          body: { title: `${tenant.slug} doc ${d}`, content: `${word} secret ${d}`, metadata: { tenant: tenant.id } },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        docs.push(res.body);
      }
      const key = await setup('POST', `/api/tenants/${tenant.id}/api-keys`, { token: owner.token, body: { name: 'isolation', scopes: READ_SCOPES } });
      expect(key.status, JSON.stringify(key.body)).toBe(201);
      return { id: tenant.id, slug: tenant.slug, owner, docs, word, key: key.body.key as string };
    }),
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const mayAct = (op: Op): boolean =>
  AUTH_KINDS[op.auth]!.keyedTo ? op.actor === op.named : tenants[op.actor]!.owner.id === tenants[op.named]!.owner.id;

function target(op: Op): Target {
  const named = tenants[op.named]!;
  switch (op.kind) {
    case 'list':
      return documentsVia(op.strategy, named, '?limit=100');
    case 'search':
      return documentsVia(op.strategy, named, `?limit=100&q=${tenants[op.wordOf]!.word}`);
    case 'get':
      return documentsVia(op.strategy, named, `/${tenants[op.docOf]!.docs[op.doc]!.id}`);
  }
}

/** Runs one request and checks the property; returns a description of the violation, if any. */
async function check(op: Op): Promise<string | undefined> {
  const { path, headers } = target(op);
  const actor = tenants[op.actor]!;
  const named = tenants[op.named]!;
  const started = performance.now();
  const res = await request<{ documents?: Doc[]; id?: string; metadata?: { tenant?: string }; code?: string }>('GET', path, {
    headers: { ...headers, ...AUTH_KINDS[op.auth]!.headers(actor) },
  });
  latencies.push(performance.now() - started);
  const what = `${JSON.stringify(op)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  cover(`strategy:${op.strategy}`);
  cover(`op:${op.kind}`);
  cover(`auth:${AUTH_KINDS[op.auth]!.name}`);
  cover(`outcome:${!mayAct(op) ? 'not-a-member' : op.kind === 'get' && op.docOf !== op.named ? 'foreign-document' : 'allowed'}`);
  if (op.actor !== op.named && mayAct(op)) cover('outcome:other-tenant-of-same-owner');
  const refusal = AUTH_KINDS[op.auth]!.keyedTo ?? 'not_a_member';
  if (!mayAct(op)) return res.status === 403 && res.body.code === refusal ? undefined : `${refusal}, expected 403: ${what}`;
  if (op.kind === 'get') {
    if (op.docOf !== op.named) return res.status === 404 ? undefined : `another tenant's document, expected 404: ${what}`;
    return res.status === 200 && res.body.id === named.docs[op.doc]!.id && res.body.metadata?.tenant === named.id ? undefined : `own document: ${what}`;
  }
  if (res.status !== 200 || !Array.isArray(res.body.documents)) return `expected 200: ${what}`;
  const foreign = res.body.documents.filter((d) => (d.metadata as { tenant?: string }).tenant !== named.id || !d.title.startsWith(`${named.slug} `));
  if (foreign.length > 0) return `rows of another tenant: ${what}`;
  const expected = op.kind === 'list' || op.wordOf === op.named ? DOCS_PER_TENANT : 0;
  // Other tests never write into these tenants, so the counts are exact.
  return res.body.documents.length === expected ? undefined : `expected ${expected} rows: ${what}`;
}

const index = (n: number) => fc.integer({ min: 0, max: n - 1 });
const common = { actor: index(TENANTS), named: index(TENANTS), strategy: fc.constantFrom(...STRATEGIES), auth: index(AUTH_KINDS.length) };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('list' as const), ...common }),
  fc.record({ kind: fc.constant('search' as const), ...common, wordOf: index(TENANTS) }),
  // "get own" and "get another tenant's by id": docOf is the named tenant or any other.
  fc.record({ kind: fc.constant('get' as const), ...common, docOf: index(TENANTS), doc: index(DOCS_PER_TENANT) }),
);

describe('isolation property', () => {
  it(`random concurrent batches through every resolution method (${REQUESTS} requests): every row is the named tenant's, every refusal 403/404`, async () => {
    const runs = Math.max(1, Math.round(REQUESTS / BATCH));
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: BATCH, maxLength: BATCH }), async (ops) => {
        sent += ops.length;
        const violations = (await Promise.all(ops.map(check))).filter((v): v is string => v !== undefined);
        if (violations.length > 0) throw new Error(`${violations.length} violation(s):\n${violations.slice(0, 5).join('\n')}`);
      }),
      {
        numRuns: runs,
        ...(process.env.ISOLATION_SEED ? { seed: Number(process.env.ISOLATION_SEED), path: process.env.ISOLATION_PATH } : {}),
      },
    );
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor((q / 100) * latencies.length))]!.toFixed(1);
    console.log(`isolation property: ${sent} requests in ${runs} batches of ${BATCH}, ${TENANTS} tenants, auth kinds ${AUTH_KINDS.map((a) => a.name).join(', ')}; latency p50 ${p(50)} ms, p99 ${p(99)} ms`);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS - BATCH);
    // Every resolution method, operation and outcome was exercised (a generator that drifted would show here).
    for (const key of [...STRATEGIES.map((s) => `strategy:${s}`), ...AUTH_KINDS.map((a) => `auth:${a.name}`), 'op:list', 'op:search', 'op:get', 'outcome:allowed', 'outcome:foreign-document', 'outcome:not-a-member', 'outcome:other-tenant-of-same-owner']) {
      expect(covered.get(key) ?? 0, key).toBeGreaterThan(0);
    }
  }, Number(process.env.ISOLATION_TIMEOUT_MS ?? 240_000));
});
