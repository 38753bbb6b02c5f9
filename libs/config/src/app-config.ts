import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { masterKeyFile, parseMasterKey, readMasterKeyFile, weakMasterKeyReason } from './master-key.js';
import { weakJwtSecretReason } from './published-secrets.js';

const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;
const emptyToUndefined = ({ value }: { value: unknown }): unknown => (value === '' ? undefined : value);

export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** Environment variables, validated once at boot (README lists them all). */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsString()
  DATA_DIR = './.data';

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  DATABASE_URL?: string;

  /**
   * The owner role's connection: public migrations, tenant schema DDL (provisioning,
   * tenant migrations) and tenant roles. DATABASE_URL is then the runtime role, which owns
   * nothing. Unset: DATABASE_URL does both (no separation of duties).
   */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  DATABASE_OWNER_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  REDIS_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  BASE_DOMAIN?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  /**
   * Wraps the per-tenant data keys: 32 random bytes as base64 or hex. Required in production;
   * elsewhere, unset means DATA_DIR/master.key (which `npm start` and the tests create).
   */
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(/^\s*([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)\s*$/, { message: 'MASTER_KEY must be 32 bytes as base64 or hex (openssl rand -base64 32)' })
  MASTER_KEY?: string;

  /** Earlier master keys, comma-separated: they still unwrap data keys (never wrap) until `tenantry keys rotate` has re-wrapped them all. */
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(/^\s*([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)\s*(,\s*([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)\s*)*$/, { message: 'MASTER_KEY_PREVIOUS must be comma-separated keys of 32 bytes as base64 or hex' })
  MASTER_KEY_PREVIOUS?: string;

  @Type(() => Number) @IsInt() @Min(60)
  JWT_EXPIRES_IN = 3600;

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  DB_POOL_SIZE = 10;

  /**
   * A pooled connection is closed after this many units of work (0: never). With many tenants
   * this bounds a backend's memory: PostgreSQL caches the catalog of every schema a backend
   * touches (~16 kB each) until the backend ends (README "Running many tenants").
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(100_000_000)
  DB_POOL_MAX_USES = 0;

  /** A pooled connection is closed once it is this old, in seconds (0: never); the same bound by time. */
  @Type(() => Number) @IsInt() @Min(0) @Max(31_536_000)
  DB_POOL_MAX_LIFETIME_S = 0;

  /**
   * A pooled connection idle this long, in seconds, is closed (0: never; pg-pool's 10 by
   * default). Closing it drops the catalog caches of every schema its backend touched, which the
   * next burst then rebuilds: with thousands of tenants, keep connections (e.g. 300) and bound
   * their memory with affinity and recycling instead (README "Running many tenants").
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(86_400)
  DB_POOL_IDLE_TIMEOUT_S = 10;

  /**
   * Tenant-affine connections: the tenant units of work (TenantDb.run) take their connection
   * from one of this many sub-pools, chosen by a hash of the tenant id, which share
   * DB_POOL_SIZE between them; each backend then caches the catalog of ~1/k of the tenant
   * schemas. 1: one pool for everything, as the process's own (README "Running many tenants").
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  DB_POOL_AFFINITY = 1;

  @Type(() => Number) @IsInt() @Min(0)
  DB_STATEMENT_TIMEOUT_MS = 30_000;

  @Type(() => Number) @IsInt() @Min(0)
  DB_IDLE_IN_TX_TIMEOUT_MS = 60_000;

  /** How long a request may wait to open a PostgreSQL connection (pg's connectionTimeoutMillis) before it fails with 503. */
  @Type(() => Number) @IsInt() @Min(100) @Max(60_000)
  DB_CONNECT_TIMEOUT_MS = 3000;

  /** How long a command on the API's general Redis connection (throttles, caches) may take before it fails with 503. */
  @Type(() => Number) @IsInt() @Min(100) @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS = 1000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Prefix of every Redis key and channel this deployment uses (BullMQ queues, cache invalidation). */
  @IsString() @MinLength(1)
  REDIS_PREFIX = 'tenantry';

  /** Upper bound on cache staleness should an invalidation message be lost (changes are pushed at once). */
  @Type(() => Number) @IsInt() @Min(0)
  TENANT_CACHE_TTL_MS = 60_000;

  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  PROVISION_ATTEMPTS = 5;

  @Type(() => Number) @IsInt() @Min(0)
  PROVISION_BACKOFF_MS = 500;

  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  PROVISION_CONCURRENCY = 4;

  /** Pre-migrated spare schemas kept ready so that a new tenant is active in milliseconds (0 disables the pool). */
  @Type(() => Number) @IsInt() @Min(0) @Max(1000)
  WARM_POOL_SIZE = 10;

  @Type(() => Number) @IsInt() @Min(1000)
  QUEUE_LOCK_MS = 30_000;

  @Type(() => Number) @IsInt() @Min(100)
  QUEUE_STALLED_INTERVAL_MS = 30_000;

  @Type(() => Number) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @Type(() => Number) @IsInt() @Min(1)
  MAX_UPLOAD_MB = 25;

  // Text extraction of uploads (pdf, html) runs on a pool of worker threads, never on the API's event loop.
  /** The time one extraction may take on its thread; past it the thread is terminated and the upload is 422 `extraction_timeout`. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3_600_000)
  UPLOAD_EXTRACT_TIMEOUT_MS = 60_000;

  /** Extractions running at once (threads); by default one core is left to the event loop. */
  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  UPLOAD_EXTRACT_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism() - 1));

  /** Uploads that may wait for a free extraction thread; one more is 503 `extraction_busy`. */
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000)
  UPLOAD_EXTRACT_QUEUE = 16;

  // File storage (libs/storage): uploads and fine-tune datasets under a per-tenant prefix.
  /** `local` (DATA_DIR/storage, default) or `s3` (S3_BUCKET through the AWS SDK; S3_ENDPOINT for MinIO and the like). */
  @IsIn(['local', 's3'])
  STORAGE_DRIVER: 'local' | 's3' = 'local';

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  S3_BUCKET?: string = undefined;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^https?:\/\/[^\s]+$/, { message: 'S3_ENDPOINT must be an http(s) URL' })
  S3_ENDPOINT?: string = undefined;

  @IsString()
  S3_REGION = 'us-east-1';

  /** Object keys start with this prefix (then the tenant id). */
  @IsString() @Matches(/^[A-Za-z0-9._/-]*$/, { message: 'S3_PREFIX may hold letters, digits, . _ - and /' })
  S3_PREFIX = 'tenants';

  /** Path-style addressing (http://endpoint/bucket/key), as MinIO and most S3-compatible stores need. */
  @Transform(toBool) @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** Credentials; unset: the AWS SDK's default chain (environment, profile, instance role). */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  S3_ACCESS_KEY_ID?: string = undefined;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  S3_SECRET_ACCESS_KEY?: string = undefined;

  // Fine-tune jobs (libs/corpus): the OpenAI-compatible fine-tuning API for provider `openai`.
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'FINE_TUNE_API_BASE must be an http(s) URL' })
  FINE_TUNE_API_BASE = 'https://api.openai.com/v1';

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  FINE_TUNE_API_KEY?: string = undefined;

  /** How often a running provider job is polled. */
  @Type(() => Number) @IsInt() @Min(50)
  FINE_TUNE_POLL_MS = 10_000;

  /** Registers the routes under /bench used by bench/ (never enable in production). */
  @Transform(toBool) @IsBoolean()
  BENCH_ROUTES = false;

  /**
   * Proxies whose X-Forwarded-For is believed for the client IP: off by default, since
   * anyone could otherwise choose their IP. `true` only behind a proxy that overwrites it.
   */
  @Transform(({ value }: { value: unknown }) => parseTrustProxy(value))
  @IsDefined({ message: 'TRUST_PROXY must be true, false, a hop count or a comma-separated list of IP addresses or CIDR ranges' })
  TRUST_PROXY: boolean | number | string[] = false;

  /**
   * Browser origins allowed to call the API cross-origin: comma-separated exact origins
   * (`https://app.example.com`), or `*` (refused when NODE_ENV=production). Empty: no CORS.
   */
  @Transform(({ value }: { value: unknown }) => parseCorsOrigins(value))
  @IsDefined({ message: 'CORS_ORIGINS must be a comma-separated list of origins (scheme://host[:port], no path), or * alone' })
  CORS_ORIGINS: string[] = [];

  /** Test-only fault injection, e.g. `provision.sleep_ms=3000` (ignored when NODE_ENV=production). */
  @IsOptional() @IsString()
  FAILPOINTS?: string;

  @Transform(toBool) @IsBoolean()
  RUN_MIGRATIONS = true;

  /** `npm start`: restarts of a dead embedded PostgreSQL or redis-server allowed within 60 s before it stops everything (0: stop at once). */
  @Type(() => Number) @IsInt() @Min(0) @Max(100)
  LAUNCHER_MAX_RESTARTS = 5;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  BOOTSTRAP_ADMIN_EMAIL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  BOOTSTRAP_ADMIN_PASSWORD?: string;

  /** Top-level tenants one user may own (platform admins are exempt). */
  @Type(() => Number) @IsInt() @Min(0)
  MAX_TENANTS_PER_USER = 100;

  // Sign-in and registration (libs/identity).
  /** Who may self-register: `open`, `invite` (only an invited email) or `closed`. Unset: see registrationMode. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(REGISTRATION_MODES)
  REGISTRATION?: RegistrationMode = undefined; // initialised, so loadConfig picks it from the environment

  /** Failed logins of one account per 15 minutes; then even the right password is refused until the window ends. */
  @Type(() => Number) @IsInt() @Min(1)
  LOGIN_FAILS_PER_ACCOUNT = 10;

  /** Failed logins from one client IP per 15 minutes. */
  @Type(() => Number) @IsInt() @Min(1)
  LOGIN_FAILS_PER_IP = 100;

  @Type(() => Number) @IsInt() @Min(1)
  REGISTRATIONS_PER_IP_PER_MINUTE = 30;

  // Mail (invitations).
  /** Where mail goes (smtp:// or smtps://, credentials in the URL). Unset: messages are written as .eml files under DATA_DIR/mail. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string = undefined; // initialised, so loadConfig picks it from the environment

  /** The From address of outgoing mail (a tenant's branding.email_from_name replaces its display name). */
  @IsString() @MinLength(3)
  MAIL_FROM = 'Tenantry <no-reply@tenantry.local>';

  /** The base URL links in mail point at (the invitation's sign-up link). */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL = 'http://localhost:3000';

  // The assistant (chat). A tenant's settings.providers.openai.{base_url, api_key} take precedence.
  /** Base URL of the OpenAI-compatible API for tenants that configure none (e.g. https://api.openai.com/v1). */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^https?:\/\/[^\s]+$/, { message: 'OPENAI_BASE_URL must be an http(s) URL' })
  OPENAI_BASE_URL?: string = undefined; // initialised, so loadConfig picks it from the environment

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  OPENAI_API_KEY?: string = undefined;

  /** The model when neither the tenant's default_model nor anything else names one. */
  @IsString() @MinLength(1)
  OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

  /** How long one provider call may take (a tenant's providers.<name>.timeout_ms overrides it); past it: 502 provider_error. */
  @Type(() => Number) @IsInt() @Min(100) @Max(600_000)
  PROVIDER_TIMEOUT_MS = 60_000;

  /** How long an invitation stays pending. */
  @Type(() => Number) @IsInt() @Min(1) @Max(8760)
  INVITATION_TTL_HOURS = 168;

  // Metering, quotas and rate limits (libs/usage, libs/metering).
  /** Meter every tenant-scoped request (an api_call) and enforce the per-tenant rate limit; off only to measure what metering costs (bench P5). */
  @Transform(toBool) @IsBoolean()
  METERING = true;

  /**
   * Multiplies every tenant's rate_limit_per_minute (plan or override). 1 in production; the
   * test stack and benchmarks, which send thousands of requests a minute for one tenant, raise it.
   */
  @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.001) @Max(1_000_000)
  TENANT_RATE_LIMIT_SCALE = 1;

  /**
   * SIGTERM: how long the API waits for its in-flight requests (and then its hooks: usage flush,
   * queues, pools) before it exits anyway with code 1. Below the usual 30 s grace of orchestrators.
   */
  @Type(() => Number) @IsInt() @Min(100) @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 25_000;

  /** How often an API process hands its buffered usage events to the worker (what a SIGKILLed process can lose at most). */
  @Type(() => Number) @IsInt() @Min(50) @Max(60_000)
  USAGE_FLUSH_MS = 1000;

  /** How often the worker re-derives usage_daily from usage_records for yesterday and today (the flush keeps it current; this repairs). */
  @Type(() => Number) @IsInt() @Min(1000)
  USAGE_ROLLUP_EVERY_MS = 3_600_000;

  /** How often the worker measures every tenant's storage (schema size plus stored files) as a storage_mb record. */
  @Type(() => Number) @IsInt() @Min(1000)
  USAGE_STORAGE_EVERY_MS = 86_400_000;
  // Operations (README "Operations").
  /** Bearer token that /metrics requires; unset: /metrics answers only on a loopback connection. */
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string = undefined;

  /** Shared token (bearer or `?token=`) for GET /api/internal/domain-allowed; unset: loopback connections only. */
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16, { message: 'DOMAIN_CHECK_TOKEN must be at least 16 characters' })
  DOMAIN_CHECK_TOKEN?: string = undefined;

  /** Upper bound on how long a user's admin flag or token version may be stale should an invalidation be lost. */
  @Type(() => Number) @IsInt() @Min(0)
  USER_CACHE_TTL_MS = 60_000;

  // Billing (libs/billing). Without STRIPE_SECRET_KEY usage is metered and rolled up, and nothing is pushed.
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  STRIPE_SECRET_KEY?: string = undefined; // initialised, so loadConfig picks it from the environment

  /** Verifies `POST /api/billing/webhook` (the endpoint's signing secret, `whsec_...`); unset: every webhook is refused. */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  STRIPE_WEBHOOK_SECRET?: string = undefined;

  /** Where the Stripe SDK sends its requests (default https://api.stripe.com; tests point it at a loopback fake). */
  @Matches(/^https?:\/\/[^\s/]+\/?$/, { message: 'STRIPE_API_BASE must be an http(s) origin such as https://api.stripe.com' })
  STRIPE_API_BASE = 'https://api.stripe.com';

  /** Days a tenant stays `past_due` after a failed payment before it is suspended (fractions allowed). */
  @Type(() => Number) @IsNumber() @Min(0) @Max(365)
  BILLING_GRACE_DAYS = 7;

  /** How often the worker pushes metered usage to Stripe and checks past-due tenants. */
  @Type(() => Number) @IsInt() @Min(500)
  BILLING_PUSH_INTERVAL_MS = 3_600_000;

  @Type(() => Number) @IsInt() @Min(500)
  BILLING_DUNNING_INTERVAL_MS = 600_000;

  /** Outgoing webhooks: delivery attempts, and the first backoff (it doubles each attempt). */
  @Type(() => Number) @IsInt() @Min(1) @Max(50)
  WEBHOOK_ATTEMPTS = 8;

  @Type(() => Number) @IsInt() @Min(0)
  WEBHOOK_BACKOFF_MS = 10_000;

  @Type(() => Number) @IsInt() @Min(100) @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  get registrationMode(): RegistrationMode {
    return this.REGISTRATION ?? (this.NODE_ENV === 'production' ? 'invite' : 'open');
  }

  get dataDir(): string {
    return resolve(this.DATA_DIR);
  }

  get databaseUrl(): string {
    if (!this.DATABASE_URL) throw new ConfigError('DATABASE_URL is not set and no running `npm start` was found in DATA_DIR');
    return this.DATABASE_URL;
  }

  get databaseOwnerUrl(): string {
    return this.DATABASE_OWNER_URL ?? this.databaseUrl;
  }

  /** The owner role (DATABASE_OWNER_URL's user): it creates tenant roles and their group. */
  get ownerRoleName(): string {
    return decodeURIComponent(new URL(this.databaseOwnerUrl).username) || 'postgres';
  }

  /** The roles provisioning needs to name: the runtime role (a member of every tenant role) and the owner. */
  get roleNames(): { app: string; owner: string } {
    return { app: this.appRoleName, owner: this.ownerRoleName };
  }

  /** The runtime role (DATABASE_URL's user): every tenant role is granted to it. */
  get appRoleName(): string {
    return decodeURIComponent(new URL(this.databaseUrl).username) || 'postgres';
  }

  get redisUrl(): string {
    if (!this.REDIS_URL) throw new ConfigError('REDIS_URL is not set and no running `npm start` was found in DATA_DIR');
    return this.REDIS_URL;
  }

  get jwtSecret(): string {
    if (!this.JWT_SECRET) throw new ConfigError('JWT_SECRET is not set');
    return this.JWT_SECRET;
  }

  /** The master key's 32 bytes (ConfigError when there is none). */
  get masterKey(): Buffer {
    const key = this.MASTER_KEY ? parseMasterKey(this.MASTER_KEY) : undefined;
    if (!key) throw new ConfigError('MASTER_KEY is not set (nor DATA_DIR/master.key): it wraps the tenants\' data keys');
    return key;
  }

  /** MASTER_KEY_PREVIOUS's keys (unwrap only). */
  get previousMasterKeys(): Buffer[] {
    return (this.MASTER_KEY_PREVIOUS ?? '').split(',').map((k) => parseMasterKey(k)).filter((k): k is Buffer => k !== undefined);
  }

  failpoint(name: string): string | undefined {
    if (this.NODE_ENV === 'production' || !this.FAILPOINTS) return undefined;
    for (const part of this.FAILPOINTS.split(',')) {
      const [key, value] = part.split('=');
      if (key?.trim() === name) return value?.trim() ?? '';
    }
    return undefined;
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What `npm start` writes to DATA_DIR/runtime.json while it runs. */
export interface RuntimeInfo {
  pid: number;
  database_url: string;
  database_owner_url?: string;
  redis_url: string;
  api_url?: string;
  docs_url?: string;
  /** The web dashboard (served by the API at /app). */
  app_url?: string;
  jwt_secret?: string;
  master_key?: string;
  started_at: string;
}

export function runtimeFile(dataDir: string): string {
  return join(resolve(dataDir), 'runtime.json');
}

export function readRuntime(dataDir: string): RuntimeInfo | undefined {
  const file = runtimeFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

/**
 * Validates the environment into an AppConfig. Servers and secrets not given in the
 * environment are taken from a running `npm start` on the same DATA_DIR (runtime.json).
 * Throws ConfigError with one readable line naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const raw: Record<string, unknown> = {};
  for (const key of [...known, 'DATABASE_URL', 'DATABASE_OWNER_URL', 'REDIS_URL', 'BASE_DOMAIN', 'JWT_SECRET', 'MASTER_KEY', 'MASTER_KEY_PREVIOUS', 'FAILPOINTS', 'BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD']) {
    if (env[key] !== undefined) raw[key] = env[key];
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false });
  if (errors.length > 0) {
    const parts = errors.map((e) => `${e.property}=${JSON.stringify(raw[e.property] ?? e.value)} (${Object.values(e.constraints ?? {}).join('; ')})`);
    throw new ConfigError(`invalid configuration: ${parts.join(', ')}`);
  }
  const runtime = readRuntime(config.DATA_DIR);
  if (runtime) {
    if (!config.DATABASE_URL) config.DATABASE_OWNER_URL ??= runtime.database_owner_url;
    config.DATABASE_URL ??= runtime.database_url;
    config.REDIS_URL ??= runtime.redis_url;
    config.JWT_SECRET ??= runtime.jwt_secret;
    config.MASTER_KEY ??= runtime.master_key;
  }
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    throw new ConfigError('invalid configuration: JWT_SECRET is required when NODE_ENV=production');
  }
  if (config.NODE_ENV === 'production' && !config.MASTER_KEY) {
    throw new ConfigError('invalid configuration: MASTER_KEY is required when NODE_ENV=production (openssl rand -base64 32)');
  }
  if (config.NODE_ENV !== 'production' && !config.MASTER_KEY && existsSync(masterKeyFile(config.DATA_DIR))) {
    try {
      config.MASTER_KEY = readMasterKeyFile(masterKeyFile(config.DATA_DIR)).toString('base64');
    } catch (error) {
      throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
    }
  }
  if (config.STORAGE_DRIVER === 's3' && !config.S3_BUCKET) throw new ConfigError('invalid configuration: STORAGE_DRIVER=s3 needs S3_BUCKET');
  if (config.NODE_ENV === 'production') refuseUnsafeInProduction(config);
  return config;
}

/**
 * For process entry points, around the application's boot: a ConfigError (a setting the
 * process refuses to run with, found while connecting) is one line on stderr and exit code 1,
 * like a bad variable; anything else is rethrown as is.
 */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

/** What is fine on a laptop but not in production: one ConfigError naming every problem. */
function refuseUnsafeInProduction(config: AppConfig): void {
  const problems: string[] = [];
  if (config.BENCH_ROUTES) problems.push('BENCH_ROUTES=true is not allowed when NODE_ENV=production');
  if (config.CORS_ORIGINS.includes('*')) problems.push('CORS_ORIGINS=* is not allowed when NODE_ENV=production; name the origins');
  const weak = config.JWT_SECRET ? weakJwtSecretReason(config.JWT_SECRET) : undefined;
  if (weak) problems.push(`JWT_SECRET is not safe for production: ${weak}; use a random string of 32+ characters (openssl rand -base64 48)`);
  const weakKey = config.MASTER_KEY ? weakMasterKeyReason(config.masterKey) : undefined;
  if (weakKey) problems.push(`MASTER_KEY is not safe for production: ${weakKey}; use 32 random bytes (openssl rand -base64 32)`);
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join(', ')}`);
}

/** loadConfig for process entry points: a bad value is one line on stderr and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    const config = loadConfig(env);
    // Touch the required servers now, so a missing one is reported here, once.
    void config.databaseUrl;
    void config.redisUrl;
    void config.jwtSecret;
    return config;
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/** proxy-addr's names for address ranges, which Fastify's trustProxy accepts as list entries. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY as Fastify's `trustProxy` option: `true`/`false`, a hop count, or a
 * comma-separated list of IPs/CIDRs. Undefined when the value is none of these.
 */
export function parseTrustProxy(value: unknown): boolean | number | string[] | undefined {
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d{1,3}$/.test(v)) return Number(v);
  const entries = v.split(',').map((e) => e.trim());
  return entries.every(isAddressOrRange) ? entries : undefined;
}

/**
 * TRUST_PROXY as Fastify's `trustProxy` option. A hop count becomes a function because
 * Fastify 5 ignores a bare number (it fails closed); as with Express, trusting the nearest
 * n hops is only safe when the API is reachable through those proxies alone.
 */
export function trustProxyOption(value: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}

/**
 * CORS_ORIGINS as a list of origins as browsers send them in `Origin` (`https://app.example.com`,
 * lower case, no default port): each entry an http(s) URL with nothing after the host and port,
 * normalised; or `*` alone. Empty: []. Undefined when an entry is none of these.
 */
export function parseCorsOrigins(value: unknown): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return parseCorsOrigins(value.join(','));
  if (typeof value !== 'string') return undefined;
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.includes('*')) return entries.length === 1 ? ['*'] : undefined;
  const origins = entries.map(originOf);
  return origins.every((o) => o !== undefined) ? [...new Set(origins)] : undefined;
}

function originOf(entry: string): string | undefined {
  if (!/^https?:\/\/[^/?#*]+\/?$/i.test(entry)) return undefined;
  try {
    const url = new URL(entry);
    return url.username || url.password ? undefined : url.origin;
  } catch {
    return undefined;
  }
}
