import { hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/src/index.js';
import { Conflict, Unauthorized } from '../../common/src/index.js';
import type { UserEntity } from '../../database/src/index.js';
import type { JwtClaims } from './auth-user.js';
import type { MeDto, RegisterDto, RegisterResponseDto, TokenDto, UserDto } from './auth.dto.js';
import { UsersRepository } from './users.repository.js';

// argon2id with the library defaults (OWASP's second recommended profile: m=19 MiB, t=2, p=1).
const hashPassword = (password: string): Promise<string> => hash(password);

// Verifying against this keeps a login for an unknown email as slow as a wrong password.
const DUMMY_HASH = await hashPassword('tenantry-dummy-password');

export function toUserDto(user: UserEntity): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    is_platform_admin: user.isPlatformAdmin,
    created_at: new Date(user.createdAt).toISOString(),
  };
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  async register(dto: RegisterDto): Promise<RegisterResponseDto> {
    const user = await this.createUser(dto.email, dto.password, dto.name ?? null);
    return { user: toUserDto(user), ...(await this.issueToken(user)) };
  }

  async createUser(email: string, password: string, name: string | null, isPlatformAdmin = false): Promise<UserEntity> {
    const user = await this.users.create(email, await hashPassword(password), name, isPlatformAdmin);
    if (!user) throw new Conflict('email_taken', `A user with email ${email} already exists`);
    return user;
  }

  async login(email: string, password: string): Promise<TokenDto> {
    const user = await this.users.findWithPasswordByEmail(email);
    const ok = await verify(user?.passwordHash ?? DUMMY_HASH, password);
    if (!user || !user.passwordHash || !ok) throw new Unauthorized('Invalid email or password');
    return this.issueToken(user);
  }

  async me(userId: string): Promise<MeDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new Unauthorized('The user of this token no longer exists');
    return { user: toUserDto(user), memberships: await this.users.memberships(userId) };
  }

  async issueToken(user: UserEntity): Promise<TokenDto> {
    const claims: JwtClaims = { sub: user.id, email: user.email, adm: user.isPlatformAdmin || undefined };
    return {
      access_token: await this.jwt.signAsync(claims),
      token_type: 'Bearer',
      expires_in: this.config.JWT_EXPIRES_IN,
    };
  }
}
