import { Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { Forbidden, Unauthorized } from '../../common/src/index.js';
import { AccessGrantsRepository } from './access-grants.repository.js';
import { apiKeyKind, apiKeyMatches, apiKeyPrefix } from './api-key.util.js';
import type { AuthUser } from './auth-user.js';
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

/**
 * The `api-key` passport strategy. No cache: every request reads its key's row (one indexed
 * lookup), so a revocation or an expiry holds at once on every API process. A request
 * without a key falls through to the JWT strategy.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  private readonly logger = new Logger(ApiKeyStrategy.name);
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly grants: AccessGrantsRepository,
    private readonly directory: UserDirectory,
  ) {
    super();
  }

  async validate(req: HeaderRequest): Promise<AuthUser | null> {
    const key = presentedApiKey(req);
    if (key === null) return null;
    const prefix = apiKeyPrefix(key);
    if (prefix === null) throw new Unauthorized('Invalid API key');
    const row = await this.grants.keyByPrefix(prefix);
    if (!row || !apiKeyMatches(key, row.key_hash) || row.kind !== apiKeyKind(key)) throw new Unauthorized('Invalid API key');
    if (row.revoked) throw new Unauthorized('This API key was revoked');
    if (row.expired) throw new Unauthorized('This API key has expired');
    const creator = row.created_by ? await this.directory.access(row.created_by) : null;
    if (!row.created_by || !creator?.exists) throw new Unauthorized('The creator of this API key no longer exists');
    const origin = row.kind === 'widget' ? widgetOrigin(req, row.allowed_origins) : undefined;
    this.touch(row.id);
    return {
      id: row.created_by,
      email: row.email ?? '',
      isPlatformAdmin: false,
      apiKeyId: row.id,
      apiKey: { id: row.id, tenantId: row.tenant_id, tenantScope: row.tenant_scope, scopes: row.scopes, creatorIsPlatformAdmin: creator.isPlatformAdmin, kind: row.kind, origin },
    };
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
