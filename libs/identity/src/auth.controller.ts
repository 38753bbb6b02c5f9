import { Body, Controller, Get, HttpCode, Ip, Post, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authenticated, Public } from '../../rbac/src/index.js';
import type { AuthUser } from './auth-user.js';
import { AcceptedInvitationDto, AcceptInvitationDto, ChangePasswordDto, LoginDto, MeDto, RegisterDto, RegisterResponseDto, TokenDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @ApiCreatedResponse({ type: RegisterResponseDto })
  @ApiConflictResponse({ description: 'email already registered' })
  @ApiForbiddenResponse({ description: 'REGISTRATION is closed (registration_closed) or invite-only (registration_invite_only)' })
  @ApiTooManyRequestsResponse({ description: 'too many registrations from this address (Retry-After)' })
  register(@Body() dto: RegisterDto, @Ip() ip: string): Promise<RegisterResponseDto> {
    return this.auth.register(dto, ip);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto })
  @ApiUnauthorizedResponse({ description: 'wrong email or password' })
  @ApiTooManyRequestsResponse({ description: 'too many failed logins for this account or address (Retry-After)' })
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<TokenDto> {
    return this.auth.login(dto.email, dto.password, ip, dto.invitation_token);
  }

  @Post('password')
  @Authenticated()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto, description: 'a fresh token; every token issued before stops working' })
  @ApiUnauthorizedResponse({ description: 'wrong current password' })
  @ApiTooManyRequestsResponse({ description: 'too many failed attempts (Retry-After)' })
  changePassword(@Req() req: { user: AuthUser }, @Body() dto: ChangePasswordDto, @Ip() ip: string): Promise<TokenDto> {
    return this.auth.changePassword(req.user.id, dto.current_password, dto.new_password, ip);
  }

  @Post('invitations/accept')
  @Authenticated()
  @HttpCode(200)
  @ApiOkResponse({ type: AcceptedInvitationDto, description: 'the membership the invitation made' })
  @ApiNotFoundResponse({ description: 'invitation_not_found: no pending invitation of your email has this token' })
  acceptInvitation(@Req() req: { user: AuthUser }, @Body() dto: AcceptInvitationDto): Promise<AcceptedInvitationDto> {
    return this.auth.acceptInvitation(req.user, dto.token);
  }

  @Get('me')
  @Authenticated()
  @ApiOkResponse({ type: MeDto })
  me(@Req() req: { user: AuthUser }): Promise<MeDto> {
    return this.auth.me(req.user.id);
  }
}
