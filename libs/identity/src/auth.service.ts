import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/src/index.js';
import { Forbidden, Unauthorized } from '../../common/src/index.js';
import { EmailTaken, InvitationNotFound } from './identity.errors.js';
import type { UserEntity } from '../../database/src/index.js';
import type { AuthUser, JwtClaims } from './auth-user.js';
import type { MeDto, RegisterDto, RegisterResponseDto, TokenDto, UserDto } from './auth.dto.js';
import { LoginThrottle } from './login-throttle.js';
import { hashPassword, passwordMatches } from './password.util.js';
import { PendingInvitations } from './invitations.js';
import { RegistrationPolicy } from './registration-policy.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

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
    private readonly usersService: UsersService,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly throttle: LoginThrottle,
    private readonly registration: RegistrationPolicy,
    private readonly invitations: PendingInvitations,
  ) {}

  /** With `invitation_token`, the invitation is checked first (nothing is created for a bad one) and accepted. */
  async register(dto: RegisterDto, ip: string): Promise<RegisterResponseDto> {
    await this.registration.assertMayRegister(dto.email, dto.invitation_token);
    if (dto.invitation_token !== undefined && !(await this.invitations.hasPendingInvitation(dto.email, dto.invitation_token))) throw new InvitationNotFound();
    const user = await this.throttle.registration(ip, () => this.createUser(dto.email, dto.password, dto.name ?? null));
    if (dto.invitation_token !== undefined) await this.invitations.accept(user, dto.invitation_token);
    return { user: toUserDto(user), ...(await this.issueToken(user)) };
  }

  async createUser(email: string, password: string, name: string | null, isPlatformAdmin = false): Promise<UserEntity> {
    const user = await this.users.create(email, await hashPassword(password), name, isPlatformAdmin);
    if (!user) throw new EmailTaken(email);
    return user;
  }

  async login(email: string, password: string, ip: string, invitationToken?: string): Promise<TokenDto> {
    await this.throttle.assertMayLogin(email, ip);
    const user = await this.users.findWithPasswordByEmail(email);
    const ok = await passwordMatches(user?.passwordHash, password); // also for no such user: same time
    if (!user || !ok) {
      await this.throttle.loginFailed(email, ip);
      throw new Unauthorized('Invalid email or password');
    }
    await this.throttle.loginSucceeded(email);
    if (invitationToken !== undefined) await this.invitations.accept(user, invitationToken);
    return this.issueToken(user);
  }

  /** Checks the current password like a login (and counts a wrong one as a failed login). */
  async changePassword(userId: string, currentPassword: string, newPassword: string, ip: string): Promise<TokenDto> {
    const user = await this.users.findWithPasswordById(userId);
    if (!user) throw new Unauthorized('The user of this token no longer exists');
    const account = user.email.toLowerCase();
    await this.throttle.assertMayLogin(account, ip);
    if (!(await passwordMatches(user.passwordHash, currentPassword))) {
      await this.throttle.loginFailed(account, ip);
      throw new Unauthorized('The current password is wrong');
    }
    await this.throttle.loginSucceeded(account);
    return this.issueToken(await this.usersService.setPassword(userId, newPassword));
  }

  /** POST /api/v1/auth/invitations/accept: the caller's email must be the invited one. */
  async acceptInvitation(caller: AuthUser, token: string): Promise<{ tenant_id: string; role: string }> {
    if (caller.apiKey) throw new Forbidden('An API key cannot accept an invitation: sign in as the invited user', 'api_key_not_allowed');
    const user = await this.users.findById(caller.id);
    if (!user) throw new Unauthorized('The user of this token no longer exists');
    return this.invitations.accept(user, token);
  }

  async me(userId: string): Promise<MeDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new Unauthorized('The user of this token no longer exists');
    return { user: toUserDto(user), memberships: await this.users.memberships(userId) };
  }

  async issueToken(user: UserEntity): Promise<TokenDto> {
    // No admin flag in the token: it is read from the user's row on every request.
    const claims: JwtClaims = { sub: user.id, email: user.email, ver: user.tokenVersion };
    return {
      access_token: await this.jwt.signAsync(claims),
      token_type: 'Bearer',
      expires_in: this.config.JWT_EXPIRES_IN,
    };
  }
}
