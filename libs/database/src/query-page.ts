/** Anything that runs SQL and answers the rows, as TypeORM's DataSource, EntityManager and QueryRunner do. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface PageQuery {
  /** The select list, e.g. `t.id, t.slug`. */
  columns: string;
  /** Everything from FROM to the end of WHERE, e.g. `FROM public.tenants t WHERE t.plan = $1`. */
  from: string;
  orderBy: string;
  params: unknown[];
  skip: number;
  limit: number;
}

/**
 * One page of rows and the total they are a page of, from ONE statement, so both come from one
 * snapshot: a count and a page read as two queries (on two pooled connections) disagree when a
 * row is added between them. The window count is taken before OFFSET/LIMIT; only a page past
 * the end needs a count of its own.
 */
export async function queryPage<T>(db: SqlRunner, q: PageQuery): Promise<{ rows: T[]; total: number }> {
  const n = q.params.length;
  const page = (await db.query(
    `SELECT ${q.columns}, count(*) OVER ()::int AS page_total__ ${q.from} ORDER BY ${q.orderBy} OFFSET $${n + 1} LIMIT $${n + 2}`,
    [...q.params, q.skip, q.limit],
  )) as Array<T & { page_total__: number }>;
  let total = page[0]?.page_total__;
  if (total === undefined) {
    total = q.skip > 0 ? ((await db.query(`SELECT count(*)::int AS total ${q.from}`, q.params)) as Array<{ total: number }>)[0]?.total ?? 0 : 0;
  }
  return { rows: page.map(({ page_total__: _total, ...row }) => row as T), total };
}
