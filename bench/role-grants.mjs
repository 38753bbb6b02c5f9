// Issue 20: what it costs to make a tenant's role when thousands exist (PostgreSQL 16+). A GRANT
// run by a non-superuser walks all of the granter's memberships to find its ADMIN OPTION (a role
// holds an ADMIN membership in every role it created), and a GRANT of a role reads all of that
// role's members. Baseline, in the same run: the role made by the owner itself and put in the
// one tenant group (as before the creator roles and the 64 groups), with N existing tenant roles
// the owner administers, all in that group. Ours: the role made by createTenantRoleSql (through
// one of the 64 creators, into one of the 64 groups), with N existing roles spread over them as
// provisioning spreads them. Both are timed
// making ROLES_SAMPLES new roles at each N (median), in one transaction each, as the owner.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTenantRoleSql, quoteIdent, TENANT_ROLE_CREATORS } from '../dist/libs/database/src/index.js';
import { fmt, log, machine, median, table, withStack } from './lib.mjs';

const COUNTS = (process.env.ROLES_COUNTS ?? '0,2500,5000,10000').split(',').map(Number);
const SAMPLES = Number(process.env.ROLES_SAMPLES ?? 15);

export async function runRoleGrants() {
  return withStack('roles', 20 * 60_000, async (stack) => {
    await stack.startServers();
    const db = await stack.createDatabase('roles');
    // The API's boot runs the public migrations, which make the tenant group and the creators.
    const api = await stack.startApp('api', stack.appEnv(db));
    await api.stop();
    const { ownerUrl } = stack.rolesOf(db);
    const ownerRole = new URL(ownerUrl).username;
    const appRole = new URL(stack.rolesOf(db).appUrl).username;
    const group = `${ownerRole}_tenants`;
    const su = await stack.client(db);
    const owner = await stack.client(ownerUrl);
    const run = randomBytes(3).toString('hex');
    let made = 0;
    /** N roles as tenants' are: in `group(i)`, granted to the runtime role, administered by `admin(i)`; made by the superuser (fast). */
    const fill = async (prefix, from, to, admin, inGroup) => {
      if (to <= from) return;
      await su.query(`DO $$ BEGIN FOR i IN ${from + 1}..${to} LOOP
        EXECUTE format('CREATE ROLE %I NOLOGIN; GRANT %1$I TO %2$I WITH ADMIN OPTION, INHERIT FALSE, SET FALSE; GRANT %1$I TO ${quoteIdent(appRole)}; GRANT %3$I TO %1$I', '${prefix}' || i, ${admin}, ${inGroup});
      END LOOP; END $$`);
    };
    await owner.query(`CREATE SCHEMA bench_roles; CREATE TABLE bench_roles._migrations (version int)`);
    const time = async (sqlFor) => {
      const ms = [];
      for (let j = 0; j < SAMPLES; j++) {
        const role = `tnt_bench_${run}_${made++}`;
        const t = performance.now();
        await owner.query(`BEGIN; ${sqlFor(role)}; COMMIT`);
        ms.push(performance.now() - t);
      }
      return median(ms);
    };
    const byOwner = (role) => `CREATE ROLE ${quoteIdent(role)} NOLOGIN; GRANT ${quoteIdent(group)} TO ${quoteIdent(role)}; GRANT ${quoteIdent(role)} TO ${quoteIdent(appRole)}`;
    const ours = (role) => createTenantRoleSql(role, 'bench_roles', { app: appRole, owner: ownerRole });
    const rows = [];
    let have = 0;
    for (const n of COUNTS) {
      // The same N existing tenant roles twice over would be 2N roles: each configuration gets its own N.
      await fill(`o${run}_`, have, n, `'${ownerRole}'`, `'${group}'`);
      await fill(`c${run}_`, have, n, `'${ownerRole}_creator_' || (i % ${TENANT_ROLE_CREATORS})`, `'${group}_' || (i % ${TENANT_ROLE_CREATORS})`);
      have = n;
      const baseline = await time(byOwner);
      const ourMs = await time(ours);
      rows.push([String(n), fmt(baseline, 2), fmt(ourMs, 2), fmt(ourMs / baseline, 2)]);
      log(`roles: ${n} existing: by the owner ${fmt(baseline, 2)} ms, through a creator ${fmt(ourMs, 2)} ms`);
    }
    console.log(`\nMaking a tenant role with N existing (${machine()}, PostgreSQL ${stack.pgInfo.version}, median of ${SAMPLES})`);
    console.log(
      'Both columns share the cluster, so each N holds N roles administered by the owner and N by the creators: the walk of one never covers the other.\n',
    );
    console.log(table(['existing tenant roles (N)', 'by the owner (baseline) ms', 'through a creator (ours) ms', 'ours / baseline'], rows));
  });
}
