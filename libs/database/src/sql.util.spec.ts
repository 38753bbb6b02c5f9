import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { membershipRefreshSql, quoteIdent, quoteLiteral, SPARE_SCHEMA_PREFIX, TENANT_SCHEMA_PREFIX, tenantContextSql, tenantSchemaName } from './sql.util.js';

describe('tenantSchemaName', () => {
  it.each([
    ['acme', 'tenant_acme'],
    ['acme-corp', 'tenant_acme_corp'],
    ['a-b-c-1', 'tenant_a_b_c_1'],
    ['123', 'tenant_123'],
  ])('%s -> %s', (slug, schema) => {
    expect(tenantSchemaName(slug)).toBe(schema);
  });

  it('starts with the tenant prefix, and no slug can produce a spare-pool name', () => {
    expect(TENANT_SCHEMA_PREFIX).toBe('tenant_');
    expect(tenantSchemaName('x-y').startsWith(TENANT_SCHEMA_PREFIX)).toBe(true);
    // "tenantry_spare_..." would need a slug starting with "ry_spare", which the slug rules forbid (no underscore).
    expect(SPARE_SCHEMA_PREFIX.startsWith(TENANT_SCHEMA_PREFIX)).toBe(false);
  });

  it('fits PostgreSQL identifiers (63 bytes) for the longest slug', () => {
    expect(Buffer.byteLength(tenantSchemaName('x'.repeat(50)))).toBeLessThanOrEqual(63);
  });
});

describe('quoteIdent', () => {
  it('double-quotes a plain name', () => {
    expect(quoteIdent('tenant_acme')).toBe('"tenant_acme"');
  });

  it('neutralises a hostile name: embedded quotes are doubled, so it stays one identifier', () => {
    const hostile = 'x"; DROP SCHEMA public CASCADE; --';
    const quoted = quoteIdent(hostile);
    expect(quoted).toBe('"x""; DROP SCHEMA public CASCADE; --"');
    // Strip the outer quotes: no lone double quote is left that could end the identifier.
    expect(quoted.slice(1, -1).replace(/""/g, '')).not.toContain('"');
    expect(quoted).toBe(pg.escapeIdentifier(hostile));
  });

  it('keeps other characters as they are', () => {
    expect(quoteIdent("a'b")).toBe('"a\'b"');
    expect(quoteIdent('Ünïcode')).toBe('"Ünïcode"');
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes', () => {
    expect(quoteLiteral("x'; drop schema public cascade; --")).toBe("'x''; drop schema public cascade; --'");
  });

  it('uses an E-string when the value has backslashes', () => {
    expect(quoteLiteral('a\\b')).toBe(" E'a\\\\b'");
  });
});

describe('tenantContextSql', () => {
  it('sets a transaction-local search_path (the tenant schema alone), app.tenant_id and the tenant role', () => {
    const sql = tenantContextSql('tenant_acme', '0B6C7D4E-1a2b-4c3d-8e9f-001122334455');
    expect(sql).toBe(
      `SET LOCAL search_path TO "tenant_acme"; SET LOCAL app.tenant_id TO '0B6C7D4E-1a2b-4c3d-8e9f-001122334455'; SET LOCAL ROLE "tnt_0b6c7d4e1a2b4c3d8e9f001122334455"`,
    );
  });

  it('quotes a hostile schema name as one identifier and a hostile id as one literal', () => {
    const sql = tenantContextSql(`x"; DROP SCHEMA public; --`, `id'; DROP SCHEMA public; --`);
    expect(sql).toBe(
      `SET LOCAL search_path TO "x""; DROP SCHEMA public; --"; SET LOCAL app.tenant_id TO 'id''; DROP SCHEMA public; --'; SET LOCAL ROLE "tnt_id'; drop schema public; "`,
    );
  });
});

describe('membershipRefreshSql', () => {
  it('asks about the tenant role by its name as a literal, and evicts the cached list only when the answer is no', () => {
    expect(membershipRefreshSql('0B6C7D4E-1a2b-4c3d-8e9f-001122334455', 'SET')).toBe(
      `SELECT CASE WHEN pg_has_role('tnt_0b6c7d4e1a2b4c3d8e9f001122334455', 'SET') THEN true ELSE pg_has_role('pg_monitor', 'pg_read_all_stats', 'SET') END`,
    );
    expect(membershipRefreshSql(`id'; DROP SCHEMA public; --`, 'MEMBER')).toContain(`pg_has_role('tnt_id''; drop schema public; ', 'MEMBER')`);
  });
});
