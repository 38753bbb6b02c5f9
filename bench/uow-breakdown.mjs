// Diagnostic for P1 (`node bench/run.mjs uow`, not part of the default set): where the
// unit of work's cost goes, without HTTP or Nest. In this process, against a fresh
// PostgreSQL (fsync on), the documents list query (the same query builder as
// DocumentsRepository.list) runs as:
//   plain        on a DataSource whose connections start with search_path = the tenant
//   tx-raw       the same, inside BEGIN+set_config / COMMIT sent by hand through runner.query
//   tenantdb     inside TenantDb.run() (opening armed and sent with the first query, COMMIT awaited)
//   tenantdb-ro  inside TenantDb.run(..., { readOnly: true }), as the API runs GET handlers
//                (BEGIN READ ONLY; its COMMIT rides in front of the connection's next query)
// and prints CPU per operation of this process and of PostgreSQL (CPU time, so the load
// others put on this shared machine matters less), alternating the variants.
import 'reflect-metadata';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../dist/libs/config/src/index.js';
import { CORPUS_ENTITIES, DocumentEntity } from '../dist/libs/corpus/src/index.js';
import { createDataSource, createTenantRoleSql, createTenantSchemaSql, TenantDb, tenantContextSql, tenantRoleName } from '../dist/libs/database/src/index.js';
import { cpuMeter, fmt, log, machine, table, withStack } from './lib.mjs';

const OPS = Number(process.env.UOW_OPS ?? 3000);
const CONCURRENCY = 8;
const SCHEMA = 'tenant_uow_bench';
const TENANT = { id: '00000000-0000-4000-8000-000000000001', schemaName: SCHEMA };

function list(manager) {
  return manager.getRepository(DocumentEntity).createQueryBuilder('d').orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC')
    .skip(0).take(20).getManyAndCount();
}

async function drive(fn) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < OPS) {
      const [rows, total] = await fn();
      if (rows.length !== 20 || total !== 20) throw new Error(`unexpected result ${rows.length}/${total}`);
    }
  }));
}

export async function runUow() {
  return withStack('uow', 115_000, async (stack) => {
    await stack.startServers();
    const url = await stack.createDatabase('tenantry_uow');
    const admin = await stack.client(url);
    await admin.query(`BEGIN; ${createTenantSchemaSql(SCHEMA)}; DO $$ BEGIN CREATE ROLE postgres_tenants NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$; ${createTenantRoleSql(tenantRoleName(TENANT.id), SCHEMA, { app: 'postgres', owner: 'postgres' })}; COMMIT`);
    await admin.query(`INSERT INTO ${SCHEMA}.documents (title, content) SELECT 'Document ' || g, repeat('Body. ', 30) FROM generate_series(1, 20) g`);
    const config = loadConfig({ DATABASE_URL: url, REDIS_URL: stack.redisUrl, JWT_SECRET: 'x'.repeat(32), DB_POOL_SIZE: '10' });
    const tenantDs = await createDataSource(config, 'tenantry-uow', [...CORPUS_ENTITIES]).initialize();
    stack.defer(() => tenantDs.destroy());
    const plainDs = createDataSource(config, 'tenantry-uow-plain', [...CORPUS_ENTITIES]);
    Object.assign(plainDs.options.extra, { options: `-c search_path=${SCHEMA} -c role=${tenantRoleName(TENANT.id)}` });
    await plainDs.initialize();
    stack.defer(() => plainDs.destroy());
    const tenantDb = new TenantDb(tenantDs);

    const variants = {
      plain: () => list(plainDs.manager),
      'tx-raw': async () => {
        // BEGIN+set_config and COMMIT as plain pg queries around the same TypeORM query builder.
        const runner = tenantDs.createQueryRunner();
        await runner.connect();
        try {
          await runner.query(`BEGIN; ${tenantContextSql(SCHEMA, TENANT.id)}`);
          const result = await list(runner.manager);
          await runner.query('COMMIT');
          return result;
        } finally {
          await runner.release();
        }
      },
      tenantdb: () => tenantDb.run(TENANT, (manager) => list(manager)),
      'tenantdb-ro': () => tenantDb.run(TENANT, (manager) => list(manager), { readOnly: true }),
    };
    for (const fn of Object.values(variants)) await drive(fn); // warm-up
    const order = ['plain', 'tx-raw', 'tenantdb', 'tenantdb-ro', 'tenantdb-ro', 'tenantdb', 'tx-raw', 'plain', 'plain', 'tx-raw', 'tenantdb', 'tenantdb-ro'];
    const acc = Object.fromEntries(Object.keys(variants).map((k) => [k, { ms: 0, nodeUs: 0, pgUs: 0, n: 0 }]));
    for (const name of order) {
      const stop = await cpuMeter(stack, process.pid);
      const t0 = performance.now();
      await drive(variants[name]);
      const wall = performance.now() - t0;
      const cpu = await stop();
      const a = acc[name];
      a.ms += wall;
      a.nodeUs += cpu.apiMs * 1000;
      a.pgUs += cpu.pgMs * 1000;
      a.n += OPS;
      log(`uow ${name}: ${fmt((OPS / wall) * 1000)} ops/s, node ${fmt((cpu.apiMs * 1000) / OPS, 0)} us/op, PostgreSQL ${fmt((cpu.pgMs * 1000) / OPS, 0)} us/op`);
    }
    console.log(`\nunit-of-work breakdown (${machine()}, ${cpus().length} cores, ${OPS} ops x 3 per variant, concurrency ${CONCURRENCY}, pool 10)\n`);
    console.log(table(['variant', 'ops/s', 'node CPU us/op', 'PostgreSQL CPU us/op', 'total CPU us/op'], Object.entries(acc).map(([name, a]) => [
      name, fmt((a.n / a.ms) * 1000), fmt(a.nodeUs / a.n, 0), fmt(a.pgUs / a.n, 0), fmt((a.nodeUs + a.pgUs) / a.n, 0),
    ])));
    console.log('');
    return acc;
  });
}
