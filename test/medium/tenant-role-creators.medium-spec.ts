// Medium tier: tenant roles are made through the owner's creator roles (TENANT_ROLE_CREATORS), so
// that the owner holds no membership per tenant: since PostgreSQL 16 every GRANT by a non-superuser
// walks all of its memberships to find ADMIN OPTION, and made by the owner, each new tenant would
// have made the next tenant's role slower. Renaming (a claimed spare) and dropping (a purge) find
// the role's admin, so they work for roles made through a creator and for roles made by the owner
// before creators existed.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  affinityClass,
  createTenantRoleSql,
  creatorRoleName,
  dropTenantRoleSql,
  quoteIdent,
  renameTenantRoleSql,
  TENANT_ROLE_CREATORS,
  tenantGroupName,
} from '../../libs/database/src/index.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
let medium: MediumDatabase;
let owner: pg.Client;
const made: string[] = [];
const name = (label: string): string => {
  const role = `tnt_creators_${label}_${randomBytes(4).toString('hex')}`;
  made.push(role);
  return role;
};

/** Who holds what on a role: [member, admin_option] pairs, and the roles it is a member of. */
async function grantsOn(role: string): Promise<{ members: Array<[string, boolean]>; memberOf: string[] }> {
  const members = await medium.db.query<{ member: string; admin: boolean }>(
    `SELECT m.rolname AS member, am.admin_option AS admin FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member JOIN pg_roles r ON r.oid = am.roleid
      WHERE r.rolname = $1 ORDER BY 1, 2`,
    [role],
  );
  const memberOf = await medium.db.query<{ role: string }>(
    `SELECT r.rolname AS role FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member JOIN pg_roles r ON r.oid = am.roleid WHERE m.rolname = $1 ORDER BY 1`,
    [role],
  );
  return {
    members: members.rows.map((r) => [r.member, r.admin]),
    memberOf: memberOf.rows.map((r) => r.role),
  };
}

const roleExists = async (role: string): Promise<boolean> => (await medium.db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])).rowCount === 1;

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'creators');
  owner = new pg.Client({ connectionString: medium.config.databaseOwnerUrl });
  await owner.connect();
  await owner.query(`CREATE SCHEMA creators_test; CREATE TABLE creators_test._migrations (version int)`);
});

afterAll(async () => {
  await owner?.end();
  for (const role of made) {
    if (await roleExists(role)) await medium.db.query(`DROP OWNED BY ${quoteIdent(role)}; DROP ROLE ${quoteIdent(role)}`);
  }
  await medium?.drop();
});

describe('tenant roles made through creator roles', () => {
  it('the owner holds ADMIN on none of them: the creator chosen by the hash of the name does, and the role is in the group and granted to the runtime role', async () => {
    const { owner: ownerRole, app } = medium.config.roleNames;
    const role = name('new');
    await owner.query(`BEGIN; ${createTenantRoleSql(role, 'creators_test', medium.config.roleNames)}; COMMIT`);
    const creator = creatorRoleName(ownerRole, affinityClass(role, TENANT_ROLE_CREATORS));
    const grants = await grantsOn(role);
    const version = Number((await medium.db.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    // PostgreSQL 15 grants its creator nothing (and needs no ADMIN OPTION to grant): no creators there.
    expect(grants.members).toEqual(
      version >= 160000
        ? [
            [app, false],
            [creator, true],
          ]
        : [[app, false]],
    );
    // Its group is the one of the same hash: one of 64, so no GRANT reads every tenant's membership.
    expect(grants.memberOf).toEqual([tenantGroupName(ownerRole, affinityClass(role, TENANT_ROLE_CREATORS))]);
    // The runtime role can take it.
    const asApp = new pg.Client({
      connectionString: medium.config.databaseUrl,
    });
    await asApp.connect();
    try {
      await asApp.query('BEGIN');
      await asApp.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
      expect((await asApp.query<{ u: string }>(`SELECT current_user AS u`)).rows[0]?.u).toBe(role);
      await asApp.query('COMMIT');
    } finally {
      await asApp.end();
    }
    // The statements leave the owner acting as itself for the rest of its transaction (the schema's grants are its).
    await owner.query('BEGIN');
    await owner.query(createTenantRoleSql(name('again'), 'creators_test', medium.config.roleNames));
    expect((await owner.query<{ u: string }>(`SELECT current_user AS u`)).rows[0]?.u).toBe(ownerRole);
    await owner.query('COMMIT');
  });

  it('rename then drop: a role made through a creator, and a role the owner made itself (before creators), both', async () => {
    const { owner: ownerRole, app } = medium.config.roleNames;
    const viaCreator = name('spare');
    const renamed = name('claimed');
    await owner.query(`BEGIN; ${createTenantRoleSql(viaCreator, 'creators_test', medium.config.roleNames)}; COMMIT`);
    await owner.query(`BEGIN; ${renameTenantRoleSql(viaCreator, renamed, ownerRole)}; COMMIT`);
    expect([await roleExists(viaCreator), await roleExists(renamed)]).toEqual([false, true]);
    // As a purge does: the schema first (with it the role's grants there), then the role.
    await owner.query(`BEGIN; REVOKE ALL ON ALL TABLES IN SCHEMA creators_test FROM ${quoteIdent(renamed)}; REVOKE ALL ON SCHEMA creators_test FROM ${quoteIdent(renamed)};
      ALTER DEFAULT PRIVILEGES IN SCHEMA creators_test REVOKE ALL ON TABLES FROM ${quoteIdent(renamed)}; ALTER DEFAULT PRIVILEGES IN SCHEMA creators_test REVOKE ALL ON SEQUENCES FROM ${quoteIdent(renamed)};
      ${dropTenantRoleSql(renamed, ownerRole)}; COMMIT`);
    expect(await roleExists(renamed)).toBe(false);

    const legacy = name('legacy');
    const legacyRenamed = name('legacy_claimed');
    await owner.query(`CREATE ROLE ${quoteIdent(legacy)} NOLOGIN; GRANT ${quoteIdent(legacy)} TO ${quoteIdent(app)}`);
    expect((await grantsOn(legacy)).members).toContainEqual([ownerRole, true]);
    await owner.query(`BEGIN; ${renameTenantRoleSql(legacy, legacyRenamed, ownerRole)}; COMMIT`);
    await owner.query(`BEGIN; ${dropTenantRoleSql(legacyRenamed, ownerRole)}; COMMIT`);
    expect([await roleExists(legacy), await roleExists(legacyRenamed)]).toEqual([false, false]);
    // Dropping a role that is already gone is a no-op.
    await owner.query(`BEGIN; ${dropTenantRoleSql(legacyRenamed, ownerRole)}; COMMIT`);
  });
});
