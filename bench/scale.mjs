// `npm run bench:scale` (issue 20): the 10,000-tenant figures in one run, in under 15 minutes on
// two cores: P3 at 10,000 tenants (created through the API; nothing pending; a column + index on
// every tenant at concurrency 4, against the same DDL by hand) and P4 at 10,000 tenants
// (throughput and backend memory against 10 tenants, DB_POOL_SIZE=4, with one pool and with
// tenant-affine connections, DB_POOL_AFFINITY=4). Any of these knobs set in the environment wins.
import { log } from './lib.mjs';

const DEFAULTS = { P3_TENANTS: '10000', P3_CONCURRENCIES: '4', P4_TENANTS: '10000', P4_POOL_SIZES: '4', P4_AFFINITY: '1,4' };

export async function runScale() {
  for (const [name, value] of Object.entries(DEFAULTS)) process.env[name] ??= value;
  const started = Date.now();
  // Imported only now: each benchmark reads its knobs when its module loads.
  const { runP3 } = await import('./p3-migrations.mjs');
  await runP3();
  const { runP4 } = await import('./p4-many-tenants.mjs');
  await runP4();
  const minutes = (Date.now() - started) / 60_000;
  log(`scale: P3 and P4 at ${process.env.P4_TENANTS} tenants in ${minutes.toFixed(1)} min (budget: 15)`);
}
