// Shared harness of the benchmarks: a private PostgreSQL (embedded, fsync ON) and
// redis-server in a fresh directory under .bench-data/, API/worker processes built in
// dist/, an HTTP client, the tenant-changed subscription, statistics and tables.
// Everything a benchmark starts is registered in a Stack and torn down by stack.close(),
// also on error and on SIGINT/SIGTERM.
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTenantRoleSql, createTenantSchemaSql, LATEST_TENANT_VERSION, quoteIdent, quoteLiteral, tenantRoleName, tenantSchemaName } from '../dist/libs/database/src/index.js';
import { APP_ROLE, ensureDatabaseRoles, OWNER_ROLE, startApp, startEmbeddedPostgres, startRedisServer, stopChild } from '../dist/libs/devstack/src/index.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where benchmarks keep their servers and results (gitignored); run.mjs points it at the checkout's. */
export const DATA = process.env.TENANTRY_BENCH_DATA ?? join(ROOT, '.bench-data');
// Random per run: benchmarks run with NODE_ENV=production, which refuses any secret printed in this repository.
export const JWT_SECRET = randomBytes(36).toString('base64url');
export const MASTER_KEY = randomBytes(32).toString('base64');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

export function log(msg) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Resources of one benchmark, stopped in reverse order by close(). */
export class Stack {
  constructor(name) {
    this.name = name;
    this.dir = join(DATA, `${name}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`);
    this.cleanups = [];
    this.closing = undefined;
    this.onSignal = () => {
      log(`${name}: interrupted, stopping everything`);
      void this.close().finally(() => process.exit(130));
    };
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  defer(fn) {
    this.cleanups.push(fn);
  }

  /** PostgreSQL 18 (embedded binaries) with fsync on, and a redis-server. */
  async startServers() {
    await mkdir(this.dir, { recursive: true });
    this.defer(() => rm(this.dir, { recursive: true, force: true }));
    const pgServer = await startEmbeddedPostgres({ dataDir: this.dir, database: 'postgres' });
    this.defer(() => pgServer.stop());
    this.serverUrl = pgServer.url;
    const redis = await startRedisServer(this.dir, { persistent: false });
    this.defer(() => redis.stop());
    this.redisUrl = redis.url;
    this.redisPid = redis.pid;
    const admin = new pg.Client({ connectionString: this.serverUrl });
    await admin.connect();
    this.defer(() => admin.end());
    this.admin = admin;
    const fsync = (await admin.query('SHOW fsync')).rows[0].fsync;
    const version = (await admin.query('SHOW server_version')).rows[0].server_version;
    this.pgInfo = { fsync, version };
    log(`${this.name}: PostgreSQL ${version} (fsync=${fsync}) and redis-server up in ${this.dir}`);
  }

  /** A fresh database on the server, with the owner and runtime roles set up as `npm start` does; returns its superuser URL. */
  async createDatabase(name) {
    await this.admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    const url = new URL(this.serverUrl);
    url.pathname = `/${name}`;
    this.roles ??= new Map();
    this.roles.set(url.toString(), await ensureDatabaseRoles(url.toString()));
    return url.toString();
  }

  /** The runtime and owner URLs of a database made by createDatabase(). */
  rolesOf(databaseUrl) {
    const roles = this.roles?.get(databaseUrl);
    if (!roles) throw new Error(`no roles for ${databaseUrl}: make it with createDatabase()`);
    return roles;
  }

  /** A pg client on a database, closed with the stack. */
  async client(url) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    this.defer(() => c.end().catch(() => undefined));
    return c;
  }

  appEnv(databaseUrl, extra = {}) {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      DATABASE_URL: this.rolesOf(databaseUrl).appUrl,
      DATABASE_OWNER_URL: this.rolesOf(databaseUrl).ownerUrl,
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: `b${randomBytes(4).toString('hex')}`,
      JWT_SECRET,
      MASTER_KEY,
      DATA_DIR: this.dir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WARM_POOL_SIZE: '0',
      DB_POOL_SIZE: '10',
      // Production mode, but benchmarks register their own users from one address.
      REGISTRATION: 'open',
      REGISTRATIONS_PER_IP_PER_MINUTE: '1000000',
      // One user creates every tenant of a benchmark (up to 2,000).
      MAX_TENANTS_PER_USER: '1000000',
      // A benchmark sends far more than a plan's requests per minute to one tenant: the rate
      // limit still runs (one Redis round trip per request), it just never refuses.
      TENANT_RATE_LIMIT_SCALE: '1000000',
      ...extra,
    };
  }

  /** Starts dist/apps/<name>; stopped with the stack (or earlier with the returned stop()). */
  async startApp(name, env, { execArgv } = {}) {
    const app = execArgv ? await forkWithArgs(name, env, execArgv) : await startApp(name, env, { silent: true });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await app.stop();
    };
    this.defer(stop);
    return { ...app, stop, url: app.port ? `http://127.0.0.1:${app.port}` : undefined };
  }

  /** Stops everything, once; every caller (signal handler, withStack) waits for the same teardown. */
  close() {
    this.closing ??= (async () => {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      for (const fn of this.cleanups.reverse()) {
        try {
          await fn();
        } catch (error) {
          log(`${this.name}: cleanup: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.closing;
  }
}

/**
 * Node flags for a V8 CPU profile of an app (`<TAG>_CPU_PROF=1`: written to .bench-data/<tag>-cpu-prof/
 * when it stops), for startApp's execArgv; undefined without the variable.
 */
export function cpuProfileArgs(tag) {
  return process.env[`${tag.toUpperCase()}_CPU_PROF`] ? ['--cpu-prof', `--cpu-prof-dir=${join(DATA, `${tag}-cpu-prof`)}`] : undefined;
}

/** startApp with node flags (e.g. --cpu-prof, refused in NODE_OPTIONS): same protocol, own fork. */
function forkWithArgs(name, env, execArgv) {
  const child = fork(join(ROOT, 'dist', 'apps', name, 'src', 'main.js'), [], { env, execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited during start (code ${code})`)));
    child.on('message', (m) => {
      if (m?.type !== 'listening' && m?.type !== 'ready') return;
      resolve({ name, child, port: m.port, stop: () => stopChild(child, 'SIGTERM', 30_000), kill: () => child.kill('SIGKILL') });
    });
  });
}

/** Runs fn(stack) with a hard deadline; the stack is always closed. */
export async function withStack(name, deadlineMs, fn) {
  const stack = new Stack(name);
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} exceeded its ${Math.round(deadlineMs / 1000)} s budget`)), deadlineMs);
  });
  try {
    return await Promise.race([fn(stack), deadline]);
  } finally {
    clearTimeout(timer);
    await stack.close();
  }
}

/** A JSON HTTP client for one API. */
export function http(baseUrl) {
  return async function request(method, path, { token, headers = {}, body } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  };
}

/** Registers a user; returns {token, id}. */
export async function registerUser(request, email = `bench-${randomBytes(4).toString('hex')}@example.com`) {
  const res = await request('POST', '/api/v1/auth/register', { body: { email, password: 'correct-horse-battery', name: 'Bench' } });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.access_token, id: res.body.user.id };
}

export async function register(request) {
  return (await registerUser(request)).token;
}

/** Collects `{id, status: 'active'}` messages of the tenant-changed channel, with arrival times. */
export async function tenantEvents(stack, redisPrefix) {
  const sub = new Redis(stack.redisUrl, { maxRetriesPerRequest: 2 });
  stack.defer(() => sub.quit().catch(() => sub.disconnect()));
  const arrived = new Map();
  const waiters = new Map();
  sub.on('message', (_channel, message) => {
    const t = now();
    const event = JSON.parse(message);
    if (event.status !== 'active' && event.status !== 'failed') return;
    if (!arrived.has(event.id)) arrived.set(event.id, { t, status: event.status });
    const w = waiters.get(event.id);
    if (w) {
      waiters.delete(event.id);
      w({ t, status: event.status });
    }
  });
  await sub.subscribe(`${redisPrefix}:tenant-changed`);
  return {
    /** Resolves with {t, status} when the tenant's active (or failed) message has arrived. */
    wait(id, timeoutMs = 60_000) {
      const hit = arrived.get(id);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(id);
          reject(new Error(`tenant ${id} did not become active within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(id, (v) => {
          clearTimeout(timer);
          resolve(v);
        });
      });
    },
  };
}

export async function createTenant(request, token, slug, name = slug, plan = 'starter') {
  const res = await request('POST', '/api/tenants', { token, body: { name, slug, plan } });
  if (res.status !== 201) throw new Error(`create tenant ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
export const median = (values) => percentile(values, 50);

export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

export const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

export function machine() {
  return `nproc=${cpus().length}, node ${process.version}, load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

const CLK_TCK = 100; // Linux USER_HZ

/** utime+stime of a process in ms (undefined when it is gone). */
export async function cpuMs(pid) {
  return (await procCpu(pid))?.ms;
}

/** utime+stime in ms and start time (clock ticks after boot) of a process; undefined when it is gone. */
async function procCpu(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK, start: fields[19] };
  } catch {
    return undefined;
  }
}

/** The postmaster of the stack's cluster and its children (backends and auxiliary processes). */
export async function postgresPids(stack) {
  const postmaster = Number((await readFile(join(stack.dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const pids = [postmaster];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * CPU time of the API process and of the whole PostgreSQL cluster between start() and
 * stop(): CPU per request does not depend on how much of the shared machine others use.
 * PostgreSQL processes are told apart by pid and start time: a backend that ended during the
 * run and whose pid a new one took (pg-pool closes idle connections) is not subtracted from it.
 * (A backend that ended during the run takes the CPU it spent since start() with it, uncounted.)
 */
export async function cpuMeter(stack, apiPid) {
  const apiPids = [apiPid].flat(); // one API process, or several (their CPU summed)
  const apiCpu = async () => (await Promise.all(apiPids.map(async (pid) => (await cpuMs(pid)) ?? 0))).reduce((a, b) => a + b, 0);
  const snapshot = async () => {
    const pg = new Map();
    for (const pid of await postgresPids(stack)) {
      const cpu = await procCpu(pid);
      if (cpu) pg.set(`${pid}/${cpu.start}`, cpu.ms);
    }
    return { api: await apiCpu(), pg };
  };
  const before = await snapshot();
  return async () => {
    const after = await snapshot();
    let pgMs = 0;
    for (const [key, ms] of after.pg) pgMs += ms - (before.pg.get(key) ?? 0);
    return { apiMs: after.api - before.api, pgMs };
  };
}

/**
 * The timed part of P1-shaped benchmarks (P1, auth): the variants in `order` (names repeat), each
 * run after an untimed 1 s burst (pg-pool closes connections idle for 10 s, so the pool of a
 * variant that sat out the previous runs reconnects there, not in the timed run), with the API's
 * and PostgreSQL's CPU per request. `target(name)` is `{url, headers}`. Throws if any request
 * failed; answers every run and the mean of each variant's runs.
 */
export async function alternatingRuns(tag, { stack, apiPid, order, target, connections, durationS }) {
  const autocannon = (await import('autocannon')).default;
  const cannon = (url, headers, duration) => autocannon({ url, connections, duration, headers });
  const runs = [];
  for (const [i, name] of order.entries()) {
    const { url, headers } = target(name);
    await cannon(url, headers, 1);
    const stopMeter = await cpuMeter(stack, apiPid);
    const r = await cannon(url, headers, durationS);
    const cpu = await stopMeter();
    const run = {
      variant: name,
      run: i + 1,
      rps: r['2xx'] / r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      ok: r['2xx'],
      bad: r.non2xx + r.errors + r.timeouts,
      apiUs: (cpu.apiMs * 1000) / r['2xx'],
      pgUs: (cpu.pgMs * 1000) / r['2xx'],
    };
    runs.push(run);
    log(`${tag}: run ${i + 1}/${order.length} ${name}: ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, CPU/req API ${fmt(run.apiUs, 0)} us + PostgreSQL ${fmt(run.pgUs, 0)} us${run.bad ? `, ${run.bad} failed` : ''}`);
  }
  const failed = runs.reduce((n, r) => n + r.bad, 0);
  if (failed > 0) throw new Error(`${tag}: ${failed} requests failed or answered non-2xx`);
  const summary = {};
  for (const name of new Set(order)) {
    const mine = runs.filter((r) => r.variant === name);
    const avg = (k) => mine.reduce((sum, r) => sum + r[k], 0) / mine.length;
    summary[name] = { rps: avg('rps'), p50: avg('p50'), p99: avg('p99'), apiUs: avg('apiUs'), pgUs: avg('pgUs') };
  }
  return { runs, summary };
}

/**
 * The documented fallback when creating thousands of tenants through the API would take too
 * long: tenants straight into the database (superuser URL) as provisioning leaves them, active at
 * the latest version: the schema and its tables owned by the owner role, the tenant's role with
 * its grants, the tenants row and the owner's membership. `concurrency` connections at once.
 * The role is made last (the schema's DDL, ~70 ms of CPU each, runs in parallel; a grant of the
 * tenant group locks it until COMMIT), through one of the owner's 64 creator roles as
 * provisioning does (TENANT_ROLE_CREATORS in libs/database/src/tenant-roles.ts).
 * The runtime path (SET ROLE by the runtime role) is the same.
 */
export async function createTenantsThroughSql(databaseUrl, ownerId, slugs, concurrency = 3) {
  const clients = await Promise.all(Array.from({ length: Math.min(concurrency, slugs.length) }, async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    return c;
  }));
  try {
    let next = 0;
    await Promise.all(clients.map(async (client) => {
      for (let i = next++; i < slugs.length; i = next++) {
        const slug = slugs[i];
        const schema = tenantSchemaName(slug);
        const id = randomUUID();
        const role = tenantRoleName(id);
        // As the owner, as provisioning does (the role through its creator, see TENANT_ROLE_CREATORS).
        await client.query(`BEGIN;
          SET LOCAL ROLE ${quoteIdent(OWNER_ROLE)};
          ${createTenantSchemaSql(schema)};
          ${createTenantRoleSql(role, schema, { app: APP_ROLE, owner: OWNER_ROLE })};
          WITH t AS (
            INSERT INTO public.tenants (id, slug, name, schema_name, plan, owner_id, status, schema_version)
            VALUES (${quoteLiteral(id)}, ${quoteLiteral(slug)}, ${quoteLiteral(slug)}, ${quoteLiteral(schema)}, 'starter', ${quoteLiteral(ownerId)}, 'active', ${LATEST_TENANT_VERSION})
            RETURNING id)
          INSERT INTO public.memberships (tenant_id, user_id, role) SELECT id, ${quoteLiteral(ownerId)}, 'owner' FROM t;
          COMMIT`);
      }
    }));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
