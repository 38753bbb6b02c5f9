import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Authenticated, Public } from '../../rbac/src/index.js';
import type { AuthUser } from './auth-user.js';
import { LoginDto, MeDto, RegisterDto, RegisterResponseDto, TokenDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @ApiCreatedResponse({ type: RegisterResponseDto })
  @ApiConflictResponse({ description: 'email already registered' })
  register(@Body() dto: RegisterDto): Promise<RegisterResponseDto> {
    return this.auth.register(dto);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto })
  @ApiUnauthorizedResponse({ description: 'wrong email or password' })
  login(@Body() dto: LoginDto): Promise<TokenDto> {
    return this.auth.login(dto.email, dto.password);
  }

  @Get('me')
  @Authenticated()
  @ApiOkResponse({ type: MeDto })
  me(@Req() req: { user: AuthUser }): Promise<MeDto> {
    return this.auth.me(req.user.id);
  }
}
