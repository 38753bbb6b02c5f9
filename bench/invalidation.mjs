// Tenant cache invalidation across API processes (issue 20): how long after one process answered
// a change to a tenant do the other processes serve the new state? N API processes (2 and 4) on
// one database and one Redis; a tenant is suspended (DELETE /api/tenants/{id}) and reactivated
// (POST .../reactivate) through the first, INVAL_TRIALS times each; meanwhile every other process
// is asked for the tenant's documents back to back, and the time from the change's answer to
// the first answer of each process that shows it (403 when suspended, 200 when active) is its
// latency. That includes one request's round trip, so it is an upper bound; the baseline, in the
// same run, is that round trip itself (the median answer time of the same request, no change).
// The bar: < 100 ms for every process.
import { http, log, machine, median, percentile, registerUser, table, withStack, fmt, now, sleep, tenantEvents, createTenant } from './lib.mjs';

const PROCESSES = (process.env.INVAL_PROCESSES ?? '2,4').split(',').map(Number);
const TRIALS = Number(process.env.INVAL_TRIALS ?? 20);
const BAR_MS = 100;

export async function runInvalidation() {
  return withStack('invalidation', 10 * 60_000, async (stack) => {
    await stack.startServers();
    const db = await stack.createDatabase('inval');
    const env = stack.appEnv(db); // one REDIS_PREFIX for all: the processes of one deployment
    await stack.startApp('worker', env);
    const most = Math.max(...PROCESSES);
    const apis = [];
    for (let i = 0; i < most; i++) apis.push(await stack.startApp('api', env));
    log(`invalidation: ${most} API processes and a worker up`);
    const requests = apis.map((a) => http(a.url));
    const owner = await registerUser(requests[0]);
    const events = await tenantEvents(stack, env.REDIS_PREFIX);
    const tenant = await createTenant(requests[0], owner.token, `inval-${Date.now().toString(36)}`);
    await events.wait(tenant.id);
    const read = (request) => request('GET', '/api/v1/corpus/documents?limit=1', { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
    // Every process has the tenant cached (active) before the first change.
    for (const r of requests) {
      const res = await read(r);
      if (res.status !== 200) throw new Error(`warm-up read: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const baseline = [];
    for (let i = 0; i < 50; i++) {
      for (const r of requests.slice(1)) {
        const t = now();
        await read(r);
        baseline.push(now() - t);
      }
    }
    const rows = [];
    for (const n of PROCESSES) {
      const observers = requests.slice(1, n);
      const latencies = [];
      for (let trial = 0; trial < TRIALS * 2; trial++) {
        const suspend = trial % 2 === 0;
        const res = suspend
          ? await requests[0]('DELETE', `/api/tenants/${tenant.id}`, { token: owner.token })
          : await requests[0]('POST', `/api/tenants/${tenant.id}/reactivate`, { token: owner.token });
        if (res.status !== 200) throw new Error(`${suspend ? 'suspend' : 'reactivate'}: ${res.status} ${JSON.stringify(res.body)}`);
        const t0 = now();
        const expected = suspend ? 403 : 200;
        await Promise.all(
          observers.map(async (r) => {
            for (;;) {
              const seen = await read(r);
              if (seen.status === expected) return latencies.push(now() - t0);
              if (now() - t0 > 10_000) throw new Error(`a process still answered ${seen.status} 10 s after the change`);
            }
          }),
        );
        await sleep(20);
      }
      rows.push({ n, latencies });
      log(`invalidation: ${n} processes: median ${fmt(median(latencies))} ms, max ${fmt(Math.max(...latencies))} ms`);
    }
    const rtt = median(baseline);
    console.log(`\nTenant cache invalidation across API processes (${machine()}, PostgreSQL ${stack.pgInfo.version}, ${TRIALS} suspensions and ${TRIALS} reactivations each)`);
    console.log(`baseline: the observing request's own answer time, no change: median ${fmt(rtt, 2)} ms, p95 ${fmt(percentile(baseline, 95), 2)} ms\n`);
    console.log(
      table(
        ['API processes', 'observations', 'median ms', 'p95 ms', 'max ms', 'median / baseline', 'bar'],
        rows.map(({ n, latencies }) => {
          const max = Math.max(...latencies);
          return [String(n), String(latencies.length), fmt(median(latencies), 2), fmt(percentile(latencies, 95), 2), fmt(max, 2), fmt(median(latencies) / rtt, 2), `< ${BAR_MS} ms: ${max < BAR_MS ? 'MET' : 'NOT MET'}`];
        }),
      ),
    );
  });
}
