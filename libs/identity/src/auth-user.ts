/** An API key's grant, as the api-key strategy puts it on `request.user.apiKey`. */
export interface ApiKeyGrant {
  id: string;
  /** The tenant that owns the key. */
  tenantId: string;
  /** The one tenant the key acts in (the owner or one of its descendants). */
  tenantScope: string;
  scopes: string[];
  /** The creator's platform-admin flag: the key never acts as one, but its creator's rights bound its scopes. */
  creatorIsPlatformAdmin: boolean;
  /** `widget`: a publishable widget key, accepted only from `origin` (one of the tenant's allowed origins). */
  kind?: 'secret' | 'widget';
  origin?: string;
  /**
   * Set when the key's row came from this process's cache, so its revocation and expiry are
   * still to be confirmed at the database: by the request's unit of work (its opening asserts
   * them, tenantry_assert_api_key), or by the auth guard where no such unit of work runs.
   * `refused()` drops the cached row once the database refused the key.
   */
  liveness?: DeferredLiveness;
}

export interface DeferredLiveness {
  refused(): void;
}

/** The authenticated caller, as the JWT or api-key strategy puts it on `request.user`. */
export interface AuthUser {
  id: string;
  email: string;
  /** From the user's row (cached per process), never from the token. Always false for an API key. */
  isPlatformAdmin: boolean;
  /** Set when the caller is an API key (the audit log records the key as the actor); `id` is then its creator. */
  apiKeyId?: string;
  apiKey?: ApiKeyGrant;
}

export interface JwtClaims {
  sub: string;
  email: string;
  /** The user's token_version when issued; absent means 0 (tokens from before it existed). */
  ver?: number;
}

/**
 * The CORS headers of an answer to a publishable widget key: only for the Origin its key was
 * accepted for (settings.widget.allowed_origins), so no other page can read anything. Used by
 * the API's onSend hook and by answers written raw (server-sent events skip onSend).
 */
export function widgetCorsHeaders(user: AuthUser | undefined, origin: string | string[] | undefined): Record<string, string> {
  const grant = user?.apiKey;
  if (grant?.kind !== 'widget' || !grant.origin || grant.origin !== origin) return {};
  return { 'access-control-allow-origin': grant.origin, 'access-control-expose-headers': 'X-Request-ID, Retry-After', vary: 'Origin' };
}
