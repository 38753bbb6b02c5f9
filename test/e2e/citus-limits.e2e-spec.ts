// Citus schema-based sharding (README "Scale-out past one node"): a tenant schema can be moved
// to a worker node with citus_schema_distribute only if it stands alone. Checked two ways:
// - every tenant migration's SQL: no schema-qualified name (a FK or a default that reaches
//   public or another schema), no CREATE SCHEMA / search_path / extension / temporary table;
// - the catalogue of a freshly provisioned tenant schema (every table, at the latest version):
//   foreign keys only within the schema, no inheritance or partition across schemas, defaults
//   and sequences only from the schema itself or pg_catalog, no view or function outside.
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LATEST_TENANT_VERSION, TENANT_MIGRATIONS } from '../../libs/database/src/index.js';
import { activeTenant, client } from '../support/http.js';

const stack = inject('stack');
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

/** What a tenant migration may not say, with why (Citus schema-based sharding limits). */
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\bREFERENCES\s+("?[a-z_][\w$]*"?)\s*\.\s*"?[a-z_]/i, 'a foreign key to a table in another schema (public is not distributed with the tenant)'],
  [/\b(public|pg_temp|tenant_\w+)\s*\.\s*"?[a-z_]/i, 'a schema-qualified name: a tenant migration runs in its own search_path'],
  [/\bCREATE\s+SCHEMA\b/i, 'a schema of its own'],
  [/\bsearch_path\b/i, 'a search_path change'],
  [/\bCREATE\s+EXTENSION\b/i, 'an extension (cluster-wide; belongs to a public migration)'],
  [/\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?(TEMP|TEMPORARY)\b/i, 'a temporary table'],
  [/\bINHERITS\s*\(/i, 'inheritance (Citus does not distribute inherited tables)'],
];

/** Strips comments and string literals, so a word inside them is not taken for SQL. */
const sqlOnly = (sql: string): string =>
  sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");

describe('Citus schema-based sharding limits', () => {
  it('the rules bite: a FK to public, a qualified default and an extension are each caught', () => {
    const problems = (sql: string) => FORBIDDEN.filter(([re]) => re.test(sqlOnly(sql))).map(([, why]) => why);
    expect(problems('CREATE TABLE a (t uuid REFERENCES public.tenants (id))')).toContain(FORBIDDEN[0]![1]);
    expect(problems("CREATE TABLE a (x int DEFAULT public.next_x())")).toContain(FORBIDDEN[1]![1]);
    expect(problems('CREATE EXTENSION vector')).toEqual([FORBIDDEN[4]![1]]);
    expect(problems("CREATE TABLE a (note text DEFAULT 'see public.tenants') -- public.x")).toEqual([]);
    expect(problems('CREATE TABLE b (a_id uuid REFERENCES a (id))')).toEqual([]);
  });

  for (const m of TENANT_MIGRATIONS) {
    it(`tenant migration ${m.version} (${m.name}) stays within its schema`, () => {
      const sql = sqlOnly(m.up);
      const found = FORBIDDEN.filter(([re]) => re.test(sql)).map(([re, why]) => `${why}: ${re.exec(sql)?.[0]}`);
      expect(found).toEqual([]);
    });
  }

  it('a provisioned tenant schema, every table: FKs, inheritance, defaults, sequences, views and functions stay inside it', { timeout: 60_000 }, async () => {
    const { tenant } = await activeTenant(client(stack.apiUrl));
    const schema = tenant.schema_name as string;
    const { rows: tables } = await db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
      [schema],
    );
    expect(tables.map((t) => t.relname)).toEqual(expect.arrayContaining(['documents', '_migrations']));
    expect((await db.query(`SELECT max(version)::int AS v FROM ${pg.escapeIdentifier(schema)}._migrations`)).rows[0].v).toBe(LATEST_TENANT_VERSION);

    const outside = await db.query(
      `SELECT con.conname, fn.nspname AS to_schema FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class f ON f.oid = con.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
        WHERE n.nspname = $1 AND con.contype = 'f' AND fn.nspname <> $1`,
      [schema],
    );
    expect(outside.rows).toEqual([]);
    const inherits = await db.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE (n.nspname = $1) <> (pn.nspname = $1)`,
      [schema],
    );
    expect(inherits.rows).toEqual([]);
    // Defaults may call pg_catalog (gen_random_uuid, now) or the schema's own sequences, nothing else.
    const defaults = await db.query<{ table: string; column: string; expr: string }>(
      `SELECT c.relname AS table, a.attname AS column, pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_attrdef d
         JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE n.nspname = $1`,
      [schema],
    );
    for (const d of defaults.rows) expect(d.expr, `${d.table}.${d.column}`).not.toMatch(/\b(public|tenant_\w+|tenantry_\w+)\./);
    const foreignDeps = await db.query(
      `SELECT DISTINCT rn.nspname FROM pg_depend dep
         JOIN pg_class c ON c.oid = dep.objid AND dep.classid = 'pg_class'::regclass
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class r ON r.oid = dep.refobjid AND dep.refclassid = 'pg_class'::regclass
         JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE n.nspname = $1 AND rn.nspname <> $1`,
      [schema],
    );
    expect(foreignDeps.rows).toEqual([]);
    const functions = await db.query(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`, [schema]);
    expect(functions.rows).toEqual([]);
  });
});
