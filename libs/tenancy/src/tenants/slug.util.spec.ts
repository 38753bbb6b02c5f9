import { describe, expect, it } from 'vitest';
import { SLUG_PATTERN, slugProblem } from './slug.util.js';

describe('slugProblem', () => {
  it.each(['acme', 'abc', 'a1b', '123', 'acme-corp', 'a--b', 'x'.repeat(50), 'tenant-2024', 'pgx', 'apis', 'my-public'])('accepts %j', (slug) => {
    expect(slugProblem(slug)).toBeNull();
  });

  it.each([
    ['', 'empty'],
    ['ab', 'too short'],
    ['x'.repeat(51), '51 characters'],
    ['Acme', 'uppercase'],
    ['ACME', 'all uppercase'],
    ['-acme', 'leading hyphen'],
    ['acme-', 'trailing hyphen'],
    ['ac_me', 'underscore'],
    ['ac me', 'space'],
    [' acme', 'leading space'],
    ['acme\n', 'trailing newline'],
    ['acmé', 'unicode'],
    ['ａｃｍｅ', 'full-width letters'],
    ["x'; drop schema public cascade; --", 'SQL'],
    ['a"b', 'double quote'],
    ['a.b', 'dot'],
    ['a/b', 'slash'],
  ])('rejects %j (%s)', (slug) => {
    expect(slugProblem(slug)).toMatch(/slug/);
  });

  it.each(['public', 'admin', 'api', 'www', 'information-schema', 'auth', 'corpus', 'tenants'])('rejects the reserved slug %j', (slug) => {
    expect(slugProblem(slug)).toMatch(/reserved/);
  });

  it.each(['pg-temp', 'pg-toast', 'pg-catalog', 'pg-x'])('rejects the pg- prefix %j', (slug) => {
    expect(slugProblem(slug)).toMatch(/reserved/);
  });

  it.each([undefined, null, 123, ['acme'], { slug: 'acme' }])('rejects the non-string %j', (slug) => {
    expect(slugProblem(slug)).toBe('slug must be a string');
  });

  it('says why, naming the length rule and the character rule', () => {
    expect(slugProblem('ab')).toMatch(/3-50/);
    expect(slugProblem('Abc')).toMatch(/lowercase/);
  });

  it('every accepted slug matches the exported pattern', () => {
    for (const slug of ['acme', 'a-b', '0-9']) {
      expect(slugProblem(slug)).toBeNull();
      expect(SLUG_PATTERN.test(slug)).toBe(true);
    }
  });
});
