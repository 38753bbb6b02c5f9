import { Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { Forbidden, Unauthorized } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { AccessGrantsRepository, type PresentedKeyRow } from './access-grants.repository.js';
import { apiKeyKind, apiKeyMatches, apiKeyPrefix } from './api-key.util.js';
import type { AuthUser, DeferredLiveness } from './auth-user.js';
import { UserDirectory } from './user-directory.js';

/** `last_used_at` is written at most this often per key and process. */
const LAST_USED_EVERY_MS = 60_000;

type HeaderRequest = { headers: Record<string, string | string[] | undefined> };

/** The key a request presents: `X-API-Key`, or `Authorization: Bearer <key>` when it has the key format. */
export function presentedApiKey(req: HeaderRequest): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const token = auth.slice(7).trim();
    if (apiKeyPrefix(token) !== null) return token;
  }
  return null;
}

/**
 * The origin a widget key is used from: the request's `Origin`, which must be one of the tenant's
 * settings.widget.allowed_origins (compared as serialized origins). A widget key sits in public web
 * pages; this is what keeps another site from using it (browsers set Origin, scripts cannot forge it).
 */
function widgetOrigin(req: HeaderRequest, allowed: unknown): string {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '' || origin === 'null') throw new Forbidden('A widget key is accepted only from a web page of an allowed origin', 'widget_origin_refused');
  const list = Array.isArray(allowed) ? allowed.filter((o): o is string => typeof o === 'string') : [];
  if (!list.some((o) => sameOrigin(o, origin))) throw new Forbidden(`Origin ${origin.slice(0, 200)} is not allowed for this widget key`, 'widget_origin_refused');
  return origin;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

const REVOKED = 'This API key was revoked';
const EXPIRED = 'This API key has expired';
/** Cached key rows kept at most (the cache is cleared when full, like the other per-process caches). */
const MAX_CACHED_KEYS = 50_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The statement a unit of work's opening carries to confirm a deferred key (see UnitOfWorkOptions.assertSql). */
export function apiKeyLivenessSql(keyId: string): string {
  if (!UUID.test(keyId)) throw new Error('an API key id is a uuid');
  return `SELECT public.tenantry_assert_api_key('${keyId}')`;
}

/**
 * What to throw for an error of a deferred key's check (tenantry_assert_api_key, in a unit of
 * work's opening or on its own): the key's 401 when the database refused it (SQLSTATE TK401),
 * its cached row dropped so that its next request is refused at authentication; else the error.
 */
export function apiKeyRefusalOr(error: unknown, liveness: DeferredLiveness): unknown {
  const e = error as { code?: unknown; message?: unknown };
  if (e?.code !== 'TK401') return error;
  liveness.refused();
  return new Unauthorized(e.message === 'expired' ? EXPIRED : REVOKED);
}

interface CachedKey {
  row: PresentedKeyRow;
  until: number;
}

/**
 * The `api-key` passport strategy. A request without a key falls through to the JWT strategy.
 *
 * A key's row is read once and then kept per process (TENANT_CACHE_TTL_MS): all of it but
 * `revoked_at` is immutable, and `expires_at` is compared here. What may change, the revocation
 * (and the expiry at the database's clock), is still confirmed on every request, so that a
 * revocation holds at once on every process: a request served from the cache carries
 * `liveness`, and its tenant unit of work asserts the key in its opening (one statement in the
 * packet that begins the transaction: no round trip and no pooled connection of its own; a
 * refusal aborts the transaction, so nothing the handler does in the database commits), or
 * JwtAuthGuard reads it (routes without such a unit of work). A refused key's row leaves the
 * cache, so the next request of it is refused here, before anything runs. Widget keys are not
 * cached: their row carries the tenant's allowed origins.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  private readonly logger = new Logger(ApiKeyStrategy.name);
  private readonly lastUsed = new Map<string, number>();
  private readonly rows = new Map<string, CachedKey>();

  constructor(
    private readonly grants: AccessGrantsRepository,
    private readonly directory: UserDirectory,
    private readonly config: AppConfig,
  ) {
    super();
  }

  /** Passport's entry: the caller, with a cached key's liveness deferred to the request's unit of work. */
  async validate(req: HeaderRequest): Promise<AuthUser | null> {
    return this.check(req, true);
  }

  /** The caller of a presented key, its revocation and expiry read now (for routes outside the guards). */
  async validateLive(req: HeaderRequest): Promise<AuthUser | null> {
    return this.check(req, false);
  }

  /** Reads a deferred key's revocation and expiry now: 401 when it is no longer alive. */
  async confirm(user: AuthUser): Promise<void> {
    const grant = user.apiKey;
    if (!grant?.liveness) return;
    try {
      await this.grants.assertKeyAlive(grant.id);
    } catch (error) {
      throw apiKeyRefusalOr(error, grant.liveness);
    }
    delete grant.liveness;
  }

  private async check(req: HeaderRequest, defer: boolean): Promise<AuthUser | null> {
    const key = presentedApiKey(req);
    if (key === null) return null;
    const prefix = apiKeyPrefix(key);
    if (prefix === null) throw new Unauthorized('Invalid API key');
    const { row, cached } = await this.row(prefix, defer);
    if (!row || !apiKeyMatches(key, row.key_hash) || row.kind !== apiKeyKind(key)) throw new Unauthorized('Invalid API key');
    if (row.revoked) throw new Unauthorized(REVOKED);
    if (cached ? row.expires_at !== null && new Date(row.expires_at).getTime() <= Date.now() : row.expired) throw new Unauthorized(EXPIRED);
    const creator = row.created_by ? await this.directory.access(row.created_by) : null;
    if (!row.created_by || !creator?.exists) throw new Unauthorized('The creator of this API key no longer exists');
    const origin = row.kind === 'widget' ? widgetOrigin(req, row.allowed_origins) : undefined;
    this.touch(row.id);
    return {
      id: row.created_by,
      email: row.email ?? '',
      isPlatformAdmin: false,
      apiKeyId: row.id,
      apiKey: {
        id: row.id,
        tenantId: row.tenant_id,
        tenantScope: row.tenant_scope,
        scopes: row.scopes,
        creatorIsPlatformAdmin: creator.isPlatformAdmin,
        kind: row.kind,
        origin,
        ...(cached ? { liveness: { refused: () => this.rows.delete(prefix) } } : {}),
      },
    };
  }

  /** The key's row: from the cache when allowed and present, else read (and cached when it is a live secret key). */
  private async row(prefix: string, useCache: boolean): Promise<{ row: PresentedKeyRow | null; cached: boolean }> {
    const now = Date.now();
    if (useCache) {
      const hit = this.rows.get(prefix);
      if (hit && hit.until > now) return { row: hit.row, cached: true };
    }
    const row = await this.grants.keyByPrefix(prefix);
    if (row && row.kind === 'secret' && !row.revoked && !row.expired) {
      if (this.rows.size >= MAX_CACHED_KEYS) this.rows.clear();
      this.rows.set(prefix, { row, until: now + this.config.TENANT_CACHE_TTL_MS });
    } else {
      this.rows.delete(prefix);
    }
    return { row, cached: false };
  }

  /** Records the use at most once a minute per key, in the background (never in the request's unit of work). */
  private touch(id: string): void {
    const now = Date.now();
    if ((this.lastUsed.get(id) ?? 0) > now - LAST_USED_EVERY_MS) return;
    if (this.lastUsed.size >= 100_000) this.lastUsed.clear();
    this.lastUsed.set(id, now);
    this.grants.markKeyUsed(id).catch((err: Error) => {
      this.logger.warn(`last_used_at of API key ${id}: ${err.message}`);
    });
  }
}
