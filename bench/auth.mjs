// Authorization cost (issue 15): throughput of the tenant-scoped GET /api/v1/corpus/documents
// with a JWT (`Authorization: Bearer`, X-Tenant-ID) and with an API key of the tenant (X-API-Key
// with corpus:read, X-Tenant-ID), against the same route without any auth check
// (GET /bench/no-auth/documents: the same tenant resolution, metering, unit of work and
// DocumentsService.list, but no JWT/key verification, membership lookup or CASL check) and
// against P1's baseline (GET /bench/plain/documents: JWT only, no tenancy). One API process
// serves all four; runs alternate J K N P, P N K J, P N K J, J K N P (AUTH_ROUNDS=4 rounds) so
// that drift of this shared machine cancels out.
import autocannon from 'autocannon';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alternatingRuns, cpuProfileArgs, createTenant, fmt, http, log, machine, register, DATA, table, tenantEvents, withStack } from './lib.mjs';

const CONNECTIONS = Number(process.env.AUTH_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.AUTH_DURATION_S ?? 7);
const WARMUP_S = Number(process.env.AUTH_WARMUP_S ?? 3);
const POOL_SIZE = Number(process.env.AUTH_DB_POOL_SIZE ?? 10);
const DOCS = 20;
const SLUG = 'auth-bench';
const ROUNDS = Number(process.env.AUTH_ROUNDS ?? 4);
// ABCD DCBA DCBA ABCD ...: after every 4 rounds each variant's mean position is the same, so a
// steady drift of the machine's load favours none of them.
const ABCD = ['jwt', 'key', 'no-auth', 'plain'];
const ORDER = Array.from({ length: ROUNDS }, (_, i) => ([0, 3].includes(i % 4) ? ABCD : [...ABCD].reverse())).flat();

function cannon(url, headers, duration) {
  return autocannon({ url, connections: CONNECTIONS, duration, headers });
}

export async function runAuth() {
  return withStack('auth', 180_000 + ROUNDS * 4 * 15_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_auth');
    // NODE_ENV=test: production refuses BENCH_ROUTES (the request path is the same code).
    const env = stack.appEnv(databaseUrl, { NODE_ENV: 'test', BENCH_ROUTES: 'true', BENCH_PLAIN_SLUG: SLUG, WARM_POOL_SIZE: '1', DB_POOL_SIZE: String(POOL_SIZE) });
    const api = await stack.startApp('api', env, { execArgv: cpuProfileArgs('auth') }); // AUTH_CPU_PROF=1
    await stack.startApp('worker', env);
    const request = http(api.url);
    const events = await tenantEvents(stack, env.REDIS_PREFIX);

    const token = await register(request);
    const tenant = await createTenant(request, token, SLUG, 'Auth bench');
    await events.wait(tenant.id);
    const jwtHeaders = { authorization: `Bearer ${token}`, 'x-tenant-id': tenant.id };
    for (let i = 0; i < DOCS; i++) {
      const res = await request('POST', '/api/v1/corpus/documents', {
        headers: jwtHeaders,
        body: { title: `Document ${i}`, content: `Body of document ${i}. `.repeat(10), metadata: { n: i } },
      });
      if (res.status !== 201) throw new Error(`create document: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const made = await request('POST', `/api/tenants/${tenant.id}/api-keys`, { token, body: { name: 'auth bench', scopes: ['corpus:read'] } });
    if (made.status !== 201) throw new Error(`create API key: ${made.status} ${JSON.stringify(made.body)}`);
    const keyHeaders = { 'x-api-key': made.body.key, 'x-tenant-id': tenant.id };

    // The no-auth and plain routes get the JWT variant's very headers (they ignore what they do not check).
    const variants = {
      jwt: { url: `${api.url}/api/v1/corpus/documents`, headers: jwtHeaders, label: 'tenant + JWT' },
      key: { url: `${api.url}/api/v1/corpus/documents`, headers: keyHeaders, label: 'tenant + API key' },
      'no-auth': { url: `${api.url}/bench/no-auth/documents`, headers: jwtHeaders, label: 'tenant, no auth checks' },
      plain: { url: `${api.url}/bench/plain/documents`, headers: jwtHeaders, label: 'P1 plain (JWT, no tenancy)' },
    };
    // Every variant answers the tenant's 20 documents, in the same order; without credentials
    // the real route refuses (so the JWT and key variants do run their checks) and the no-auth one does not.
    let expected;
    for (const [name, { url, headers }] of Object.entries(variants)) {
      const res = await request('GET', new URL(url).pathname, { headers });
      if (res.status !== 200 || res.body.total !== DOCS || res.body.documents.length !== DOCS) {
        throw new Error(`${name}: unexpected answer ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      const ids = res.body.documents.map((d) => d.id).join(',');
      expected ??= ids;
      if (ids !== expected) throw new Error(`${name}: answers other documents than the tenant route`);
    }
    const anonymous = { 'x-tenant-id': tenant.id };
    if ((await request('GET', '/api/v1/corpus/documents', { headers: anonymous })).status !== 401) throw new Error('the tenant route answered a request without credentials');
    if ((await request('GET', '/bench/no-auth/documents', { headers: anonymous })).status !== 200) throw new Error('the no-auth route refused a request without credentials');
    log(`auth: tenant ${SLUG} with ${DOCS} documents and a corpus:read API key; all four variants answer the same ${DOCS} documents`);

    for (const [name, { url, headers }] of Object.entries(variants)) {
      log(`auth: warm-up ${name} ${WARMUP_S} s`);
      await cannon(url, headers, WARMUP_S);
    }

    const { runs, summary } = await alternatingRuns('auth', { stack, apiPid: api.child.pid, order: ORDER, target: (name) => variants[name], connections: CONNECTIONS, durationS: DURATION_S });
    const cpu = (name) => summary[name].apiUs + summary[name].pgUs;
    const ratio = {
      jwtVsNoAuth: summary.jwt.rps / summary['no-auth'].rps,
      keyVsNoAuth: summary.key.rps / summary['no-auth'].rps,
      jwtVsPlain: summary.jwt.rps / summary.plain.rps,
      keyVsPlain: summary.key.rps / summary.plain.rps,
      // Throughput the CPU cost per request predicts (API + PostgreSQL CPU share the 2 cores).
      cpuJwtVsNoAuth: cpu('no-auth') / cpu('jwt'),
      cpuKeyVsNoAuth: cpu('no-auth') / cpu('key'),
      cpuJwtVsPlain: cpu('plain') / cpu('jwt'),
      cpuKeyVsPlain: cpu('plain') / cpu('key'),
    };

    const per = ORDER.filter((n) => n === 'jwt').length;
    console.log(`\nAuthorization cost (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ` +
      `${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s runs (each after an untimed 1 s burst) after ${WARMUP_S} s warm-up per variant, API DB_POOL_SIZE=${POOL_SIZE} (plain pool the same), LOG_LEVEL=warn)\n`);
    console.log(table(['run', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'API CPU us/req', 'PG CPU us/req'],
      runs.map((r) => [r.run, r.variant, fmt(r.rps), r.p50, r.p99, fmt(r.apiUs, 0), fmt(r.pgUs, 0)])));
    console.log('');
    console.log(table([`variant (mean of ${per} runs)`, 'req/s', 'p50 ms', 'p99 ms', 'API CPU us/req', 'PG CPU us/req', 'req/s vs no-auth', 'req/s vs plain'],
      Object.entries(summary).map(([name, s]) => [
        variants[name].label, fmt(s.rps), fmt(s.p50), fmt(s.p99), fmt(s.apiUs, 0), fmt(s.pgUs, 0), fmt(s.rps / summary['no-auth'].rps, 3), fmt(s.rps / summary.plain.rps, 3),
      ])));
    const goal = (r) => (r >= 0.9 ? 'MET' : 'NOT MET');
    console.log(`\ntenant+JWT / no-auth = ${fmt(ratio.jwtVsNoAuth, 3)} (goal >= 0.90: ${goal(ratio.jwtVsNoAuth)}); ` +
      `tenant+key / no-auth = ${fmt(ratio.keyVsNoAuth, 3)} (goal >= 0.90: ${goal(ratio.keyVsNoAuth)})`);
    console.log(`tenant+JWT / P1 plain = ${fmt(ratio.jwtVsPlain, 3)}; tenant+key / P1 plain = ${fmt(ratio.keyVsPlain, 3)}`);
    console.log(`CPU-per-request view (API + PostgreSQL; less sensitive to the machine's other load): no-auth/JWT = ${fmt(ratio.cpuJwtVsNoAuth, 3)}, ` +
      `no-auth/key = ${fmt(ratio.cpuKeyVsNoAuth, 3)}, plain/JWT = ${fmt(ratio.cpuJwtVsPlain, 3)}, plain/key = ${fmt(ratio.cpuKeyVsPlain, 3)}\n`);
    const result = { bench: 'auth', machine: machine(), pg: stack.pgInfo, connections: CONNECTIONS, durationS: DURATION_S, runs, summary, ratio };
    await writeFile(join(DATA, 'auth-result.json'), JSON.stringify(result, null, 2));
    return result;
  });
}
