import { createHash } from 'node:crypto';
import pg from 'pg';

/** The two login roles the embedded default (and the test harness) set up. */
export const OWNER_ROLE = 'tenantry_owner';
export const APP_ROLE = 'tenantry_app';

export interface DatabaseRoleUrls {
  /** The runtime role: not a superuser, owns nothing, no BYPASSRLS, NOINHERIT (DATABASE_URL). */
  appUrl: string;
  /** The owner role: owns the database and every table, creates tenant roles (DATABASE_OWNER_URL). */
  ownerUrl: string;
}

/**
 * A role's password, derived from the superuser's credentials and server (not the database:
 * roles are cluster-wide): stable across runs, so concurrent setups of several databases agree.
 */
function rolePassword(superuserUrl: string, role: string): string {
  const u = new URL(superuserUrl);
  return createHash('sha256').update(`${u.username}\0${u.password}\0${u.host}\0${role}`).digest('base64url');
}

function withCredentials(url: string, role: string, password: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = password;
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * With a superuser's URL to a database: creates (or updates) the owner and runtime roles,
 * makes the owner own the database and everything Tenantry made in it before the roles
 * existed, and returns both roles' URLs. Idempotent and safe to run concurrently (roles are
 * cluster-wide: their DDL is serialised by an advisory lock in the maintenance database).
 */
export async function ensureDatabaseRoles(superuserUrl: string): Promise<DatabaseRoleUrls> {
  const database = decodeURIComponent(new URL(superuserUrl).pathname.slice(1));
  const maintenance = new URL(superuserUrl);
  maintenance.pathname = '/postgres';
  const ownerPassword = rolePassword(superuserUrl, OWNER_ROLE);
  const appPassword = rolePassword(superuserUrl, APP_ROLE);
  await withClient(maintenance.toString(), async (client) => {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(7261002)');
    for (const role of [OWNER_ROLE, APP_ROLE]) {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${pg.escapeIdentifier(role)}`);
    }
    await client.query(
      `ALTER ROLE ${pg.escapeIdentifier(OWNER_ROLE)} WITH LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS NOCREATEDB PASSWORD ${pg.escapeLiteral(ownerPassword)}`,
    );
    await client.query(
      `ALTER ROLE ${pg.escapeIdentifier(APP_ROLE)} WITH LOGIN NOINHERIT NOCREATEROLE NOSUPERUSER NOBYPASSRLS NOCREATEDB PASSWORD ${pg.escapeLiteral(appPassword)}`,
    );
    await client.query('COMMIT');
  });
  await withClient(superuserUrl, async (client) => {
    const db = pg.escapeIdentifier(database);
    const owner = pg.escapeIdentifier(OWNER_ROLE);
    await client.query(`ALTER DATABASE ${db} OWNER TO ${owner}`);
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${pg.escapeIdentifier(APP_ROLE)}`);
    await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${owner}`);
    // A DATA_DIR from before the roles existed: hand what Tenantry made to the owner.
    await client.query(`DO $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT n.nspname FROM pg_namespace n
                  WHERE (n.nspname LIKE 'tenant\\_%' OR n.nspname LIKE 'tenantry\\_spare\\_%') AND n.nspowner <> '${OWNER_ROLE}'::regrole LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO ${OWNER_ROLE}', r.nspname);
        END LOOP;
        FOR r IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> '${OWNER_ROLE}'::regrole
                    AND (n.nspname = 'public' OR n.nspname LIKE 'tenant\\_%' OR n.nspname LIKE 'tenantry\\_spare\\_%') LOOP
          EXECUTE format('ALTER TABLE %I.%I OWNER TO ${OWNER_ROLE}', r.nspname, r.relname);
        END LOOP;
        FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'public' AND p.proname LIKE 'tenantry\\_%' AND p.proowner <> '${OWNER_ROLE}'::regrole LOOP
          EXECUTE format('ALTER FUNCTION %s OWNER TO ${OWNER_ROLE}', r.fn);
        END LOOP;
      END $$`);
  });
  return { appUrl: withCredentials(superuserUrl, APP_ROLE, appPassword), ownerUrl: withCredentials(superuserUrl, OWNER_ROLE, ownerPassword) };
}
