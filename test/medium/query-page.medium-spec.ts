// Medium tier: queryPage, the one way lists read a page and its total, against a real database.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryPage } from '../../libs/database/src/index.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
let medium: MediumDatabase;

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'page');
  await medium.db.query(`CREATE TABLE public.page_probe (n int PRIMARY KEY, kind text NOT NULL)`);
  await medium.db.query(`INSERT INTO public.page_probe SELECT g, CASE WHEN g % 3 = 0 THEN 'three' ELSE 'other' END FROM generate_series(1, 25) g`);
});

afterAll(async () => {
  await medium?.drop();
});

/** queryPage runs on TypeORM's DataSource or EntityManager, whose query() answers the rows. */
const rowsOf = { query: async (sql: string, params?: unknown[]) => (await medium.db.query(sql, params)).rows };

const page = (params: { kind?: string; skip: number; limit: number }) =>
  queryPage<{ n: number }>(rowsOf, {
    columns: 'n',
    from: `FROM public.page_probe${params.kind ? ' WHERE kind = $1' : ''}`,
    orderBy: 'n',
    params: params.kind ? [params.kind] : [],
    skip: params.skip,
    limit: params.limit,
  });

describe('queryPage', () => {
  it('answers the page and the total of every matching row, without the window column', async () => {
    expect(await page({ skip: 10, limit: 5 })).toEqual({ rows: [11, 12, 13, 14, 15].map((n) => ({ n })), total: 25 });
    expect(await page({ kind: 'three', skip: 0, limit: 3 })).toEqual({ rows: [{ n: 3 }, { n: 6 }, { n: 9 }], total: 8 });
  });

  it('a page past the end still knows the total; nothing matching is 0', async () => {
    expect(await page({ skip: 100, limit: 5 })).toEqual({ rows: [], total: 25 });
    expect(await page({ kind: 'none', skip: 0, limit: 5 })).toEqual({ rows: [], total: 0 });
  });

  it('page and total come from one statement: a row added concurrently shows in both or neither', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        if (i % 2 === 0) await medium.db.query(`INSERT INTO public.page_probe VALUES ($1, 'late')`, [1000 + i]);
        return page({ kind: 'late', skip: 0, limit: 100 });
      }),
    );
    for (const r of results) expect(r.total).toBe(r.rows.length);
  });
});
