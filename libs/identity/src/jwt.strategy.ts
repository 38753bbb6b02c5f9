import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Unauthorized } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import type { AuthUser, JwtClaims } from './auth-user.js';
import { UserDirectory } from './user-directory.js';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly directory: UserDirectory,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a
      // PEM public key (and throws) on every verification, ~350 µs per request.
      // (passport-jwt's types predate KeyObject; jsonwebtoken.verify accepts it.)
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  /** A signed token is not enough: its user must still exist and its version be current. */
  async validate(claims: JwtClaims): Promise<AuthUser> {
    const version = claims.ver ?? 0;
    let user = await this.directory.access(claims.sub);
    // A token newer than the cached row: this process has not heard of the change yet.
    if (user.exists && version > user.tokenVersion) user = await this.directory.load(claims.sub);
    if (!user.exists) throw new Unauthorized('The user of this token no longer exists');
    if (version !== user.tokenVersion) throw new Unauthorized('This token was revoked (the password changed): sign in again');
    return { id: claims.sub, email: claims.email, isPlatformAdmin: user.isPlatformAdmin };
  }
}
