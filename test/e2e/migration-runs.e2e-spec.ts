// Tenant migration runs at scale (issue 18), in a database of their own: 200 tenants made at
// version 0 (an empty schema, as if created before every tenant migration), then brought to the
// latest version by `tenantry tenants migrate` and by the worker's deploy job.
// - one tenant has a table in the way: the other 199 succeed, its failure is reported (exit 1)
//   and recorded in public.tenant_migration_runs; `--status` shows the run; a rerun after the
//   fix migrates only it, and the next rerun skips everything (pending 0, exit 0, no run row);
// - SIGKILL mid-run (a failpoint holds each tenant's transaction): `--status` says interrupted;
//   `--resume <run-id>` finishes without redoing a finished tenant, and a tenant that fell behind
//   during the resumed run ends at the latest version too;
// - two workers start at once: one fan-out job runs (origin worker), every tenant ends migrated.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LATEST_TENANT_VERSION, TENANT_MIGRATIONS, tenantSchemaName } from '../../libs/database/src/index.js';
import { EXIT } from '../../apps/cli/src/cli-exit-codes.js';
import { type CliResult, cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { insertUser } from '../support/factories.js';
import { createDatabase, startStack, type StackInfo } from '../support/stack.js';
import { waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');
const BIN = fileURLToPath(new URL('../../bin/tenantry.js', import.meta.url));
const TENANTS = 200;

interface MigrateJson {
  pending: number;
  migrated: number;
  failed: number;
  run_id: string | null;
  results: Array<{ slug: string; from_version: number; to_version: number; status: string; error?: string }>;
}
interface StatusJson {
  latest_version: number;
  behind: number;
  last_run: null | { id: string; origin: string; state: string; ok: number; failed: number; finished_at: string | null; failures: Array<{ slug: string; error: string }> };
}

let databaseUrl: string;
let info: StackInfo;
let db: pg.Client;
let owner: pg.Client;
let ownerId: string;
const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, cliEnv(info.env, extra), 120_000);

/** n tenants at version 0: active rows, empty schemas made by the owner role (as provisioning would own them). */
async function tenantsAtVersionZero(prefix: string, n: number): Promise<Array<{ id: string; slug: string; schema_name: string }>> {
  const slugs = Array.from({ length: n }, (_, i) => `${prefix}-${i.toString().padStart(3, '0')}`);
  const { rows } = await db.query<{ id: string; slug: string; schema_name: string }>(
    `INSERT INTO public.tenants (slug, name, schema_name, plan, owner_id, status, schema_version)
     SELECT s, s, n, 'starter', $3, 'active', 0 FROM unnest($1::text[], $2::text[]) AS x(s, n)
     RETURNING id, slug, schema_name`,
    [slugs, slugs.map(tenantSchemaName), ownerId],
  );
  await owner.query(rows.map((r) => `CREATE SCHEMA ${pg.escapeIdentifier(r.schema_name)}`).join(';\n'));
  return rows;
}

const versions = async (prefix: string): Promise<Record<number, number>> => {
  const { rows } = await db.query<{ v: number; n: number }>(`SELECT schema_version AS v, count(*)::int AS n FROM public.tenants WHERE slug LIKE $1 GROUP BY 1`, [`${prefix}-%`]);
  return Object.fromEntries(rows.map((r) => [r.v, r.n]));
};

beforeAll(async () => {
  databaseUrl = await createDatabase(shared.serverUrl, `tenantry_runs_${randomBytes(4).toString('hex')}`);
  // An API alone runs the public migrations and makes the roles; then it goes (no worker: nothing migrates behind our back).
  const boot = await startStack({ databaseUrl, serverUrl: shared.serverUrl, redisUrl: shared.redisUrl, dataDir: shared.dataDir, worker: false });
  info = boot.info;
  await boot.stop();
  db = new pg.Client({ connectionString: databaseUrl });
  owner = new pg.Client({ connectionString: info.ownerDatabaseUrl });
  await Promise.all([db.connect(), owner.connect()]);
  ownerId = (await insertUser(db)).id;
}, 120_000);

afterAll(async () => {
  await db?.end();
  await owner?.end();
  const admin = new pg.Client({ connectionString: shared.serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(new URL(databaseUrl).pathname.slice(1))} WITH (FORCE)`).finally(() => admin.end());
});

describe('tenant migration runs', { timeout: 300_000 }, () => {
  it('200 tenants, one failing: 199 migrated, the failure reported and recorded; a fixed rerun takes only it; the next skips everything', async () => {
    const tenants = await tenantsAtVersionZero('fan', TENANTS);
    const broken = tenants[137]!;
    await owner.query(`CREATE TABLE ${pg.escapeIdentifier(broken.schema_name)}.documents (in_the_way integer)`);

    const run = await cli(['tenants', 'migrate', '--json', '--concurrency', '4']);
    expect(run.code, run.stderr).toBe(EXIT.failure);
    // The last stderr line is the command's error (the log lines before it name the failing tenant).
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`error: 1 of ${TENANTS} tenant migrations failed`);
    expect(run.stderr).toContain(broken.slug);
    const report = parseJsonOutput<MigrateJson>(run);
    expect(report).toMatchObject({ pending: TENANTS, migrated: TENANTS - 1, failed: 1, run_id: expect.any(String) });
    expect(report.results.filter((r) => r.status === 'failed')).toEqual([
      expect.objectContaining({ slug: broken.slug, from_version: 0, to_version: 0, error: expect.stringMatching(/already exists/) }),
    ]);
    expect(await versions('fan')).toEqual({ 0: 1, [LATEST_TENANT_VERSION]: TENANTS - 1 });

    // Recorded per tenant under the run id, in the same transaction as each migration.
    const { rows: recorded } = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM public.tenant_migration_runs WHERE run_id = $1 GROUP BY 1 ORDER BY 1`,
      [report.run_id],
    );
    expect(recorded).toEqual([{ status: 'failed', n: 1 }, { status: 'ok', n: TENANTS - 1 }]);
    const { rows: failedRow } = await db.query(`SELECT slug, from_version, to_version, error, ms FROM public.tenant_migration_runs WHERE run_id = $1 AND status = 'failed'`, [report.run_id]);
    expect(failedRow).toEqual([{ slug: broken.slug, from_version: 0, to_version: 0, error: expect.stringMatching(/already exists/), ms: expect.any(Number) }]);

    const status = await cli(['tenants', 'migrate', '--status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(parseJsonOutput<StatusJson>(status)).toMatchObject({
      latest_version: LATEST_TENANT_VERSION,
      behind: 1,
      last_run: { id: report.run_id, origin: 'cli', state: 'finished', ok: TENANTS - 1, failed: 1, failures: [{ slug: broken.slug }] },
    });
    const human = await cli(['tenants', 'migrate', '--status']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`last run ${report.run_id}`);
    expect(human.stdout).toContain(broken.slug);

    await owner.query(`DROP TABLE ${pg.escapeIdentifier(broken.schema_name)}.documents`);
    const fixed = parseJsonOutput<MigrateJson>(await cli(['tenants', 'migrate', '--json']));
    expect(fixed).toMatchObject({ pending: 1, migrated: 1, failed: 0, results: [{ slug: broken.slug, status: 'ok' }] });

    const runsBefore = (await db.query(`SELECT count(*)::int AS n FROM public.migration_runs`)).rows[0].n;
    const again = await cli(['tenants', 'migrate', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJsonOutput<MigrateJson>(again)).toMatchObject({ pending: 0, migrated: 0, failed: 0, run_id: null, results: [] });
    expect((await db.query(`SELECT count(*)::int AS n FROM public.migration_runs`)).rows[0].n).toBe(runsBefore);
    expect(await versions('fan')).toEqual({ [LATEST_TENANT_VERSION]: TENANTS });
  });

  it('a tenant whose row says an older version than its ledger: the one-trip migration refuses it, and the tenant is migrated from what its ledger says, nothing applied twice', async () => {
    // Two tenants at version 0 by their rows; the first one's schema already has migration 1 and its ledger row.
    const [lagging, plain] = await tenantsAtVersionZero('lag', 2);
    const first = TENANT_MIGRATIONS[0]!;
    const s = pg.escapeIdentifier(lagging!.schema_name);
    await owner.query(`BEGIN; SET LOCAL search_path TO ${s}; CREATE TABLE _migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
      ${first.up}; INSERT INTO _migrations (version, name) VALUES (${first.version}, ${pg.escapeLiteral(first.name)}); COMMIT`);
    const run = await cli(['tenants', 'migrate', '--tenant', lagging!.slug, '--json']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const report = parseJsonOutput<MigrateJson>(run);
    expect(report).toMatchObject({ pending: 1, migrated: 1, failed: 0 });
    expect(report.results[0]).toMatchObject({ slug: lagging!.slug, from_version: first.version, to_version: LATEST_TENANT_VERSION, status: 'ok' });
    const ledger = await db.query<{ version: number }>(`SELECT version FROM ${s}._migrations ORDER BY version`);
    expect(ledger.rows.map((r) => r.version)).toEqual(TENANT_MIGRATIONS.map((m) => m.version));
    // The other, at the version its row says, in one trip: from 0.
    const other = parseJsonOutput<MigrateJson>(await cli(['tenants', 'migrate', '--tenant', plain!.slug, '--json']));
    expect(other.results[0]).toMatchObject({ from_version: 0, to_version: LATEST_TENANT_VERSION, status: 'ok' });
    expect(await versions('lag')).toEqual({ [LATEST_TENANT_VERSION]: 2 });
    const recorded = await db.query<{ from_version: number; status: string }>(
      `SELECT from_version, status FROM public.tenant_migration_runs WHERE tenant_id = ANY($1::uuid[]) ORDER BY from_version`,
      [[lagging!.id, plain!.id]],
    );
    expect(recorded.rows).toEqual([{ from_version: 0, status: 'ok' }, { from_version: first.version, status: 'ok' }]);
  });

  it('bad input: --resume with a non-uuid (exit 2) or an unknown run (exit 3), one line each, nothing run', async () => {
    const [bad, unknown] = await Promise.all([
      cli(['tenants', 'migrate', '--resume', 'yesterday']),
      cli(['tenants', 'migrate', '--resume', '00000000-0000-4000-8000-000000000000', '--json']),
    ]);
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: --resume takes a run id/)]);
    // Nothing is behind, yet an explicit resume of an unknown run is still an error.
    expect(unknown.code, unknown.stderr).toBe(EXIT.notFound);
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: Migration run '00000000-0000-4000-8000-000000000000' not found/)]);
    expect(unknown.stdout).toBe('');
  });

  it('SIGKILL mid-run, then --resume: finished tenants are not redone; a tenant that fell behind during the run ends at the latest version', async () => {
    const tenants = await tenantsAtVersionZero('kill', TENANTS);
    const child = spawn(process.execPath, [BIN, 'tenants', 'migrate', '--concurrency', '2'], {
      env: cliEnv(info.env, { FAILPOINTS: 'migrate.sleep_ms=40' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const runId = await waitUntil(
      'some tenants migrated',
      async () => {
        const { rows } = await db.query<{ run_id: string; n: number }>(
          `SELECT run_id, count(*)::int AS n FROM public.tenant_migration_runs WHERE slug LIKE 'kill-%' GROUP BY 1`,
        );
        return rows[0] && rows[0].n >= 20 ? rows[0].run_id : null;
      },
      60_000,
      20,
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const finished = (await db.query<{ slug: string }>(`SELECT slug FROM public.tenant_migration_runs WHERE run_id = $1 AND status = 'ok'`, [runId])).rows.map((r) => r.slug);
    const doneBefore = finished.length;
    expect(doneBefore).toBeGreaterThanOrEqual(20);
    expect(doneBefore).toBeLessThan(TENANTS);
    // What the ledger says is exactly what was recorded: a migrated tenant always has its row.
    expect((await versions('kill'))[LATEST_TENANT_VERSION]).toBe(doneBefore);

    const status = parseJsonOutput<StatusJson>(await cli(['tenants', 'migrate', '--status', '--json']));
    expect(status.last_run).toMatchObject({ id: runId, state: 'interrupted', finished_at: null, ok: doneBefore });
    expect(status.behind).toBe(TENANTS - doneBefore);

    // The resumed run holds each tenant a little, and meanwhile a tenant appears at version 0
    // (as a process of the previous release would make it): the run takes it as well.
    const resumed = runCli(['tenants', 'migrate', '--resume', runId, '--json', '--concurrency', '2'], cliEnv(info.env, { FAILPOINTS: 'migrate.sleep_ms=5' }), 120_000);
    await waitUntil('the resumed run to start', async () => (await db.query(`SELECT 1 FROM public.migration_runs WHERE id = $1 AND resumed_at IS NOT NULL`, [runId])).rowCount, 60_000, 20);
    const [late] = await tenantsAtVersionZero(`late${randomBytes(2).toString('hex')}`, 1);
    const result = await resumed;
    expect(result.code, result.stderr).toBe(0);
    const report = parseJsonOutput<MigrateJson>(result);
    expect(report.run_id).toBe(runId);
    expect(report.failed).toBe(0);
    const slugs = report.results.map((r) => r.slug);
    expect(slugs).toContain(late!.slug);
    expect(report.pending).toBe(TENANTS - doneBefore + 1);
    expect(new Set(slugs).size).toBe(slugs.length);
    // None of the tenants finished before the kill was migrated again.
    expect(slugs.filter((slug) => finished.includes(slug))).toEqual([]);
    expect(await versions('kill')).toEqual({ [LATEST_TENANT_VERSION]: TENANTS });
    const lateRow = (await db.query(`SELECT schema_version FROM public.tenants WHERE id = $1`, [late!.id])).rows[0];
    expect(lateRow.schema_version).toBe(LATEST_TENANT_VERSION);
    const final = parseJsonOutput<StatusJson>(await cli(['tenants', 'migrate', '--status', '--json']));
    expect(final.last_run).toMatchObject({ id: runId, state: 'finished', ok: TENANTS + 1, failed: 0 });
    expect(tenants).toHaveLength(TENANTS);
  });

  it('a second fan-out while one runs is refused (exit 4, one line); the deploy job of two workers runs once and migrates everyone', async () => {
    // 20 tenants held 1 s each, one at a time: the run lasts longer than a CLI takes to boot on a loaded machine.
    await tenantsAtVersionZero('dep', 20);
    const slow = runCli(['tenants', 'migrate', '--concurrency', '1'], cliEnv(info.env, { FAILPOINTS: 'migrate.sleep_ms=1000' }), 120_000);
    await waitUntil('the slow run to start', async () => (await db.query(`SELECT 1 FROM public.tenant_migration_runs WHERE slug LIKE 'dep-%'`)).rowCount, 60_000, 20);
    const second = await cli(['tenants', 'migrate', '--json']);
    expect(second.code, second.stderr + second.stdout).toBe(EXIT.conflict);
    expect(second.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: Another tenant migration run is in progress/)]);
    const slowResult = await slow;
    expect(slowResult.code, slowResult.stderr).toBe(0);

    await tenantsAtVersionZero('wrk', 60);
    const workerRunsBefore = (await db.query(`SELECT count(*)::int AS n FROM public.migration_runs WHERE origin = 'worker'`)).rows[0].n;
    const stacks = await Promise.all(
      [0, 1].map(() =>
        startStack({
          databaseUrl,
          serverUrl: shared.serverUrl,
          redisUrl: shared.redisUrl,
          dataDir: shared.dataDir,
          api: false,
          redisPrefix: info.env.REDIS_PREFIX,
          env: { WARM_POOL_SIZE: '0' },
        }),
      ),
    );
    try {
      await waitUntil('the workers to migrate every tenant', async () => ((await versions('wrk'))[LATEST_TENANT_VERSION] ?? 0) === 60, 60_000, 100);
      await waitUntil(
        'the worker run to finish',
        async () => (await db.query(`SELECT 1 FROM public.migration_runs WHERE origin = 'worker' AND finished_at IS NOT NULL`)).rowCount,
        30_000,
      );
    } finally {
      await Promise.all(stacks.map((s) => s.stop()));
    }
    const { rows } = await db.query<{ id: string; n: number }>(
      `SELECT r.id, (SELECT count(*)::int FROM public.tenant_migration_runs t WHERE t.run_id = r.id) AS n FROM public.migration_runs r WHERE origin = 'worker'`,
    );
    expect(rows.length - workerRunsBefore).toBe(1);
    expect(rows.at(-1)!.n).toBe(60);
  });
});
