// P3: tenant migrations at scale. 1,000 tenants are created through the API (P3_API_TENANTS of
// them at most: the rest straight into the database, createTenantsThroughSql); then the
// product's TenantSchemaUpgrader (what the worker runs at start and `tenants migrate` runs)
// is timed (1) with nothing pending and (2) for a new tenant migration that adds a column and
// an index. The new migration exists only in a private copy of dist/ made for this benchmark.
// Baseline in the same run: PostgreSQL applying the same DDL to every schema from one
// connection, one transaction per schema, no ledger and no locks.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTenantsThroughSql, fmt, http, log, machine, mapLimit, now, registerUser, sleep, table, withStack } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TENANTS = Number(process.env.P3_TENANTS ?? 1000);
/** How many of them are created through the API (default all). */
const API_TENANTS = Math.min(TENANTS, Number(process.env.P3_API_TENANTS ?? TENANTS));
/** The fan-out's concurrency for each column + index run: the first is the headline figure, the others one more migration each. */
const CONCURRENCIES = (process.env.P3_CONCURRENCIES ?? process.env.P3_CONCURRENCY ?? '4,1,2,8').split(',').map(Number);
const CONCURRENCY = CONCURRENCIES[0];
const ddl = (column) => `ALTER TABLE documents ADD COLUMN ${column} boolean; CREATE INDEX documents_${column}_idx ON documents (${column})`;
const DDL = ddl('bench_flag');
/** The bar for a column + index on every tenant: 10 s at 1,000 tenants (as before), 20 s at 10,000 (issue 20). */
const BAR_MS = TENANTS >= 10_000 ? 20_000 : 10_000;

/** A copy of dist/ whose tenant-migration list has `extra` more migrations (a column + an index each). */
async function distWithExtraMigrations(extra) {
  const dist = join(here, '..', 'dist');
  const copy = join(here, '..', `dist-p3-${process.pid}-${extra}`);
  await cp(dist, copy, { recursive: true });
  const index = join(copy, 'libs', 'database', 'src', 'tenant-migrations', 'index.js');
  const source = await readFile(index, 'utf8');
  const anchor = 'export const LATEST_TENANT_VERSION';
  if (!source.includes(anchor)) throw new Error(`no ${anchor} in the built tenant-migrations/index.js`);
  const pushes = Array.from({ length: extra }, (_, i) => {
    const column = i === 0 ? 'bench_flag' : `bench_flag_${i + 1}`;
    return `TENANT_MIGRATIONS.push({ version: TENANT_MIGRATIONS.length + 1, name: 'bench_column_index_${i + 1}', up: ${JSON.stringify(ddl(column))} });\n`;
  }).join('');
  await writeFile(index, source.replace(anchor, pushes + anchor));
  return copy;
}

/** The product's upgrader on its own pool, loaded from a dist directory. */
async function upgraderFrom(distDir, roles, redisUrl, concurrency = CONCURRENCY) {
  const load = (p) => import(pathToFileURL(join(distDir, p)).href);
  await import('reflect-metadata');
  const { loadConfig } = await load('libs/config/src/index.js');
  const db = await load('libs/database/src/index.js');
  const { TenantSchemaUpgrader, TenantSchemasRepository, MigrationRunsRepository } = await load('libs/tenancy/src/index.js');
  const config = loadConfig({
    DATABASE_URL: roles.appUrl,
    DATABASE_OWNER_URL: roles.ownerUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: 'x'.repeat(40),
    DB_POOL_SIZE: String(concurrency + 1),
  });
  const dataSource = await db.createDataSource(config, 'tenantry-bench-p3', [], 1).initialize();
  const owner = new db.OwnerDb(dataSource, config, { applicationName: 'tenantry-bench-p3', tenantEntities: [] });
  const close = async () => {
    await owner.onApplicationShutdown();
    await dataSource.destroy();
  };
  return { upgrader: new TenantSchemaUpgrader(new TenantSchemasRepository(owner), config, new MigrationRunsRepository(owner)), dataSource: { destroy: close }, latest: db.LATEST_TENANT_VERSION };
}

export async function runP3() {
  await withStack('p3', 10 * 60_000, async (stack) => {
    await stack.startServers();
    const dbUrl = await stack.createDatabase('p3');
    const env = stack.appEnv(dbUrl, { WARM_POOL_SIZE: '0', PROVISION_CONCURRENCY: '8' });
    const worker = await stack.startApp('worker', env);
    const api = await stack.startApp('api', env);
    const request = http(api.url);
    const { token, id: ownerId } = await registerUser(request);
    const started = now();
    await mapLimit(
      Array.from({ length: API_TENANTS }, (_, i) => i),
      16,
      async (i) => {
        const res = await request('POST', '/api/tenants', { token, body: { name: `p3 ${i}`, slug: `p3-${i}`, plan: 'starter' } });
        if (res.status !== 201) throw new Error(`create p3-${i}: ${res.status} ${JSON.stringify(res.body)}`);
      },
    );
    const db = await stack.client(dbUrl);
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM public.tenants WHERE status = 'active'`);
      if (rows[0].n >= API_TENANTS) break;
      await sleep(100);
    }
    const apiSeconds = (now() - started) / 1000;
    log(`p3: ${API_TENANTS} tenants active via the API in ${fmt(apiSeconds)} s`);
    if (API_TENANTS < TENANTS) {
      const t = now();
      await createTenantsThroughSql(dbUrl, ownerId, Array.from({ length: TENANTS - API_TENANTS }, (_, i) => `p3-${API_TENANTS + i}`));
      log(`p3: the other ${TENANTS - API_TENANTS} tenants through SQL in ${fmt((now() - t) / 1000)} s`);
    }
    await api.stop();
    await worker.stop();

    await p3On(stack, dbUrl, `${API_TENANTS} created via the API in ${fmt(apiSeconds)} s${API_TENANTS < TENANTS ? `, ${TENANTS - API_TENANTS} via SQL` : ''}`);
  });
}

/** P3's measurements on a stack's database of P3_TENANTS active tenants (`created` says where they came from). */
export async function p3On(stack, dbUrl, created) {
  const db = await stack.client(dbUrl);
  const { rows: schemas } = await db.query(`SELECT schema_name FROM public.tenants ORDER BY created_at`);
  const copy = await distWithExtraMigrations(1);
  stack.defer(() => import('node:fs/promises').then(({ rm }) => rm(copy, { recursive: true, force: true })));
  const current = await upgraderFrom(join(here, '..', 'dist'), stack.rolesOf(dbUrl), stack.redisUrl);
  stack.defer(() => current.dataSource.destroy());
  const next = await upgraderFrom(copy, stack.rolesOf(dbUrl), stack.redisUrl);
  stack.defer(() => next.dataSource.destroy());

  // (1) nothing pending, 3 times.
  const noop = [];
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    const report = await current.upgrader.upgrade({ concurrency: CONCURRENCY });
    noop.push(now() - t0);
    if (report.pending !== 0) throw new Error(`expected nothing pending, got ${report.pending}`);
  }
  // Baseline for (1): the one query any "what is behind" check needs.
  const probe = [];
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    await db.query(`SELECT id FROM public.tenants WHERE schema_version < $1`, [current.latest]);
    probe.push(now() - t0);
  }

  // (2) column + index on every tenant through the upgrader...
  const t1 = now();
  const report = await next.upgrader.upgrade({ concurrency: CONCURRENCY });
  const upgradeMs = now() - t1;
  if (report.migrated !== TENANTS || report.failed !== 0) throw new Error(`upgrade: ${JSON.stringify({ ...report, results: report.results.slice(0, 3) })}`);
  const { rows: done } = await db.query(`SELECT count(*)::int AS n FROM public.tenants WHERE schema_version = $1`, [next.latest]);
  // ...then the baseline: the same DDL (renamed) applied by hand, one transaction per schema.
  const t2 = now();
  for (const { schema_name } of schemas) {
    await db.query(`BEGIN; SET LOCAL search_path TO "${schema_name}"; ${DDL.replaceAll('bench_flag', 'raw_flag')}; COMMIT`);
  }
  const rawMs = now() - t2;
  // And the rerun: nothing pending again at the new version.
  const t3 = now();
  const rerun = await next.upgrader.upgrade({ concurrency: CONCURRENCY });
  const rerunMs = now() - t3;

  // The same kind of migration at the other concurrencies (one more migration each), against the same floor.
  const more = [];
  for (const [i, concurrency] of CONCURRENCIES.entries()) {
    if (i === 0) continue;
    const dist = await distWithExtraMigrations(i + 1);
    stack.defer(() => import('node:fs/promises').then(({ rm }) => rm(dist, { recursive: true, force: true })));
    const later = await upgraderFrom(dist, stack.rolesOf(dbUrl), stack.redisUrl, concurrency);
    stack.defer(() => later.dataSource.destroy());
    const t = now();
    const r = await later.upgrader.upgrade({ concurrency });
    const ms = now() - t;
    if (r.migrated !== TENANTS || r.failed !== 0) throw new Error(`upgrade at concurrency ${concurrency}: migrated ${r.migrated}, failed ${r.failed}`);
    more.push([`column + index, concurrency ${concurrency}`, fmt(ms), fmt((TENANTS * 1000) / ms), 'same DDL by hand, 1 conn', fmt(rawMs), fmt(ms / rawMs, 2), `< ${BAR_MS} ms: ${ms < BAR_MS ? 'MET' : 'NOT MET'}`]);
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(
    `\nP3 tenant migrations (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ${TENANTS} tenants, concurrency ${CONCURRENCY})\n` +
      `tenants: ${created}\n\n` +
      table(
        ['step', 'ms', 'tenants/s', 'baseline', 'baseline ms', 'ratio (ours / baseline)', 'bar'],
        [
          ['nothing pending (median of 3)', fmt(median(noop)), '-', 'the one "behind?" query', fmt(median(probe), 2), fmt(median(noop) / median(probe), 1), `< 1000 ms: ${median(noop) < 1000 ? 'MET' : 'NOT MET'}`],
          [`column + index on every tenant, concurrency ${CONCURRENCY}`, fmt(upgradeMs), fmt((TENANTS * 1000) / upgradeMs), 'same DDL by hand, 1 conn', fmt(rawMs), fmt(upgradeMs / rawMs, 2), `< ${BAR_MS} ms: ${upgradeMs < BAR_MS ? 'MET' : 'NOT MET'}`],
          ['rerun at the new version', fmt(rerunMs), '-', '', '', '', `pending ${rerun.pending}`],
          ...more,
        ],
      ) +
      `\nmigrated ${report.migrated}, failed ${report.failed}; tenants at version ${next.latest}: ${done[0].n}/${TENANTS}\n`,
  );
}
