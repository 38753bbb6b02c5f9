import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { Unauthorized } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import type { AuthUser, JwtClaims } from './auth-user.js';
import { UserDirectory } from './user-directory.js';

type HeaderRequest = { headers: Record<string, string | string[] | undefined> };
type VerifiedClaims = JwtClaims & { exp?: number };

/** Verified tokens kept at most per process (cleared when full, like the other per-process caches). */
const MAX_VERIFIED = 20_000;
const BEARER = /^bearer\s+(\S+)\s*$/i;

/**
 * The `jwt` passport strategy: `Authorization: Bearer <token>`, HS256, expiry enforced.
 *
 * A token's signature is checked once per process: the verified claims are kept under the exact
 * token string until the token expires, so a request presenting it again costs a Map lookup and
 * an expiry comparison instead of jsonwebtoken's decode and HMAC (tens of microseconds, most of
 * what a JWT cost per request; issue 15). Only byte-identical tokens hit, so nothing forged can.
 * What a signature cannot tell, that the user still exists and the token was not revoked by a
 * password change, is checked on every request against the user directory (validate).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  /** A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a PEM public key (and throws) on every verification. */
  private readonly key: KeyObject;
  private readonly verified = new Map<string, VerifiedClaims>();

  constructor(
    config: AppConfig,
    private readonly jwt: JwtService,
    private readonly directory: UserDirectory,
  ) {
    super();
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  /** null (no bearer token, or not a valid one) lets the guard answer its 401. */
  async validate(req: HeaderRequest): Promise<AuthUser | null> {
    const header = req.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (!token) return null;
    const claims = this.claimsOf(token);
    return claims ? this.userOf(claims) : null;
  }

  /** The token's claims if its signature and expiry hold now, else null. */
  private claimsOf(token: string): VerifiedClaims | null {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp === undefined || hit.exp * 1000 > Date.now()) return hit;
      this.verified.delete(token);
      return null;
    }
    let claims: VerifiedClaims;
    try {
      claims = this.jwt.verify<VerifiedClaims>(token, { secret: this.key as unknown as string, algorithms: ['HS256'] });
    } catch {
      return null;
    }
    if (typeof claims.sub !== 'string') return null;
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  /** A signed token is not enough: its user must still exist and its version be current. */
  private async userOf(claims: VerifiedClaims): Promise<AuthUser> {
    const version = claims.ver ?? 0;
    let user = await this.directory.access(claims.sub);
    // A token newer than the cached row: this process has not heard of the change yet.
    if (user.exists && version > user.tokenVersion) user = await this.directory.load(claims.sub);
    if (!user.exists) throw new Unauthorized('The user of this token no longer exists');
    if (version !== user.tokenVersion) throw new Unauthorized('This token was revoked (the password changed): sign in again');
    return { id: claims.sub, email: claims.email, isPlatformAdmin: user.isPlatformAdmin };
  }
}
