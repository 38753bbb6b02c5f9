// P1: what the tenant unit of work costs on a read.
// Throughput of the tenant-scoped GET /api/v1/corpus/documents (JWT + tenant resolution +
// membership + permission + BEGIN/set_config/COMMIT on one pooled connection, nestjs-cls)
// against the same handler on GET /bench/plain/documents (JWT only; the same service and
// repository code on a second pool whose connections start with search_path set to the
// tenant's schema: no transaction, no set_config, no tenant lookup), and against
// GET /bench/request-scoped/documents (tenant-scoped, unit of work carried by Nest
// Scope.REQUEST providers instead of nestjs-cls). One API process serves all three; runs
// alternate T P R R P T T P R so that drift of this shared machine cancels out.
import autocannon from 'autocannon';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alternatingRuns, cpuProfileArgs, createTenant, fmt, http, log, machine, register, DATA, table, tenantEvents, withStack } from './lib.mjs';

const CONNECTIONS = Number(process.env.P1_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.P1_DURATION_S ?? 7);
const WARMUP_S = Number(process.env.P1_WARMUP_S ?? 3);
const DOCS = 20;
const SLUG = 'p1-bench';
const POOL_SIZE = Number(process.env.P1_DB_POOL_SIZE ?? 10);
const ORDER = ['tenant', 'plain', 'request-scoped', 'request-scoped', 'plain', 'tenant', 'tenant', 'plain', 'request-scoped'];

function cannon(url, headers, duration) {
  return autocannon({ url, connections: CONNECTIONS, duration, headers });
}

export async function runP1() {
  return withStack('p1', 115_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_p1');
    // NODE_ENV=test: production refuses BENCH_ROUTES (the request path is the same code).
    const env = stack.appEnv(databaseUrl, { NODE_ENV: 'test', BENCH_ROUTES: 'true', BENCH_PLAIN_SLUG: SLUG, WARM_POOL_SIZE: '1', DB_POOL_SIZE: String(POOL_SIZE) });
    const api = await stack.startApp('api', env, { execArgv: cpuProfileArgs('p1') }); // P1_CPU_PROF=1
    await stack.startApp('worker', env);
    const request = http(api.url);
    const events = await tenantEvents(stack, env.REDIS_PREFIX);

    const token = await register(request);
    const tenant = await createTenant(request, token, SLUG, 'P1 bench');
    await events.wait(tenant.id);
    const headers = { authorization: `Bearer ${token}`, 'x-tenant-id': tenant.id };
    for (let i = 0; i < DOCS; i++) {
      const res = await request('POST', '/api/v1/corpus/documents', {
        headers,
        body: { title: `Document ${i}`, content: `Body of document ${i}. `.repeat(10), metadata: { n: i } },
      });
      if (res.status !== 201) throw new Error(`create document: ${res.status} ${JSON.stringify(res.body)}`);
    }

    const variants = {
      tenant: `${api.url}/api/v1/corpus/documents`,
      plain: `${api.url}/bench/plain/documents`,
      'request-scoped': `${api.url}/bench/request-scoped/documents`,
    };
    // Same request bytes for every variant (the plain route ignores X-Tenant-ID), and the
    // same answer: the tenant's 20 documents, in the same order.
    let expected;
    for (const [name, url] of Object.entries(variants)) {
      const res = await request('GET', new URL(url).pathname, { headers });
      if (res.status !== 200 || res.body.total !== DOCS || res.body.documents.length !== DOCS) {
        throw new Error(`${name}: unexpected answer ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      const ids = res.body.documents.map((d) => d.id).join(',');
      expected ??= ids;
      if (ids !== expected) throw new Error(`${name}: answers other documents than the tenant route`);
    }
    log(`p1: tenant ${SLUG} with ${DOCS} documents; all three routes answer the same ${DOCS} documents`);

    for (const [name, url] of Object.entries(variants)) {
      log(`p1: warm-up ${name} ${WARMUP_S} s`);
      await cannon(url, headers, WARMUP_S);
    }

    const { runs, summary } = await alternatingRuns('p1', { stack, apiPid: api.child.pid, order: ORDER, target: (name) => ({ url: variants[name], headers }), connections: CONNECTIONS, durationS: DURATION_S });
    const ratio = {
      tenantVsPlain: summary.tenant.rps / summary.plain.rps,
      requestScopedVsPlain: summary['request-scoped'].rps / summary.plain.rps,
      requestScopedVsTenant: summary['request-scoped'].rps / summary.tenant.rps,
      // Throughput the CPU cost per request predicts (API + PostgreSQL CPU share the 2 cores).
      cpuTenantVsPlain: (summary.plain.apiUs + summary.plain.pgUs) / (summary.tenant.apiUs + summary.tenant.pgUs),
      cpuRequestScopedVsPlain: (summary.plain.apiUs + summary.plain.pgUs) / (summary['request-scoped'].apiUs + summary['request-scoped'].pgUs),
    };

    console.log(`\nP1 throughput (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ` +
      `${CONNECTIONS} connections, ${DURATION_S} s runs (each after an untimed 1 s burst) after ${WARMUP_S} s warm-up per variant, API DB_POOL_SIZE=${POOL_SIZE} (plain pool the same), LOG_LEVEL=warn)\n`);
    console.log(table(['run', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'API CPU us/req', 'PG CPU us/req'],
      runs.map((r) => [r.run, r.variant, fmt(r.rps), r.p50, r.p99, fmt(r.apiUs, 0), fmt(r.pgUs, 0)])));
    console.log('');
    console.log(table(['variant (mean of 3 runs)', 'req/s', 'p50 ms', 'p99 ms', 'API CPU us/req', 'PG CPU us/req', 'req/s ratio vs plain'],
      Object.entries(summary).map(([name, s]) => [
        name, fmt(s.rps), fmt(s.p50), fmt(s.p99), fmt(s.apiUs, 0), fmt(s.pgUs, 0), fmt(s.rps / summary.plain.rps, 3),
      ])));
    console.log(`\ntenant/plain = ${fmt(ratio.tenantVsPlain, 3)} (goal >= 0.90: ${ratio.tenantVsPlain >= 0.9 ? 'MET' : 'NOT MET'}); ` +
      `request-scoped/plain = ${fmt(ratio.requestScopedVsPlain, 3)}; request-scoped/tenant(cls) = ${fmt(ratio.requestScopedVsTenant, 3)}`);
    console.log(`CPU-per-request view (less sensitive to the machine's other load): plain/tenant = ${fmt(ratio.cpuTenantVsPlain, 3)}, ` +
      `plain/request-scoped = ${fmt(ratio.cpuRequestScopedVsPlain, 3)}\n`);
    const result = { bench: 'p1', machine: machine(), pg: stack.pgInfo, connections: CONNECTIONS, durationS: DURATION_S, runs, summary, ratio };
    await writeFile(join(DATA, 'p1-result.json'), JSON.stringify(result, null, 2));
    return result;
  });
}
