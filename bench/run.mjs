// `npm run bench` or `node bench/run.mjs [p1|p2|p4 ...]`: builds dist/ from the checkout,
// then runs the named benchmarks (p1, p2, p3, p4, p5 by default), one after another, each on its
// own fresh servers, so a figure always belongs to the code as it is.
// `uow` (a diagnostic breakdown of P1's unit-of-work cost), `p6` (60 s of mixed load over
// 500 tenants, about 2 minutes with its set-up), `search` (search and RAG latency on 10,000
// documents among 101 tenants, about 5 minutes) and `upload` (a 5 MB PDF, upload to searchable)
// run only when named, as does `auth` (issue 15: what authorization costs, JWT and API key against
// the same route without auth checks and P1's plain baseline, about 3 minutes), and `scale`
// (issue 20: P4 and P3 at 10,000 tenants, with and without tenant-affine connections; about
// 27 minutes on the 2-core machine, 20 of them creating the tenants; `npm run bench:scale`), and
// `invalidation` (issue 20: how soon a tenant change answered by one API process shows on the
// others, with 2 and 4 processes; about a minute), and `roles` (issue 20: the time to make a
// tenant's role with up to 10,000 existing, through the creator roles against by the owner).
//
// The benchmarks run from a private snapshot of dist/ and bench/ (in the OS temp dir, so no
// linter or test runner of the checkout sees it), so a concurrent `npm test` or
// `npm run build`, which deletes and rewrites dist/, cannot pull the code out from under a
// running benchmark or an API process it forks. Servers and results go to .bench-data/.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '.bench-data');

const BENCHES = {
  p1: ['p1-throughput.mjs', 'runP1'],
  p2: ['p2-provisioning.mjs', 'runP2'],
  p3: ['p3-migrations.mjs', 'runP3'],
  p4: ['p4-many-tenants.mjs', 'runP4'],
  p5: ['p5-metering.mjs', 'runP5'],
};
/** Diagnostics, run only when named. */
const EXTRA = { uow: ['uow-breakdown.mjs', 'runUow'], p6: ['p6-load.mjs', 'runP6'], ingest: ['p5-metering.mjs', 'runIngest'], rollup: ['p5-metering.mjs', 'runRollup'], search: ['search.mjs', 'runSearch'], upload: ['upload.mjs', 'runUpload'], auth: ['auth.mjs', 'runAuth'], scale: ['scale.mjs', 'runScale'], invalidation: ['invalidation.mjs', 'runInvalidation'], roles: ['role-grants.mjs', 'runRoleGrants'] };

const names = process.argv.slice(2).map((n) => n.toLowerCase());
const unknown = names.filter((n) => !BENCHES[n] && !EXTRA[n]);
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')} (known: ${[...Object.keys(BENCHES), ...Object.keys(EXTRA)].join(', ')})\n`);
  process.exit(2);
}

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
const snapshot = join(tmpdir(), `tenantry-bench-${process.pid}-${Date.now().toString(36)}`);
process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
await mkdir(snapshot, { recursive: true });
await symlink(join(root, 'node_modules'), join(snapshot, 'node_modules'), 'dir');
await cp(join(root, 'package.json'), join(snapshot, 'package.json')); // "type": "module", and where devstack finds dist/
await cp(join(root, 'dist'), join(snapshot, 'dist'), { recursive: true });
await cp(join(root, 'bench'), join(snapshot, 'bench'), { recursive: true });
process.env.TENANTRY_BENCH_DATA = data;

const { log } = await import(pathToFileURL(join(snapshot, 'bench', 'lib.mjs')).href);
let failed = false;
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
  const [file, fn] = BENCHES[name] ?? EXTRA[name];
  const started = Date.now();
  log(`${name}: start`);
  try {
    const mod = await import(pathToFileURL(join(snapshot, 'bench', file)).href);
    await mod[fn]();
    log(`${name}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (error) {
    failed = true;
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
process.exit(failed ? 1 : 0);
