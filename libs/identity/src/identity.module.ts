import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../../config/src/index.js';
import { AccessGrantsRepository } from './access-grants.repository.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { BootstrapAdmin } from './bootstrap-admin.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginThrottle } from './login-throttle.js';
import { PendingInvitations } from './invitations.js';
import { INVITATION_LOOKUP, RegistrationPolicy } from './registration-policy.js';
import { UserDirectory } from './user-directory.js';
import { UserEvents } from './user-events.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

const CORE_PROVIDERS = [
  AuthService,
  UsersRepository,
  UsersService,
  UserEvents,
  LoginThrottle,
  RegistrationPolicy,
  AccessGrantsRepository,
  PendingInvitations,
  { provide: INVITATION_LOOKUP, useExisting: PendingInvitations },
];

/** Users, passwords (argon2id), JWT login and the passport strategies (JWT, API key). */
@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtSecret,
        signOptions: { expiresIn: config.JWT_EXPIRES_IN, algorithm: 'HS256' },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [...CORE_PROVIDERS, UserDirectory, JwtStrategy, ApiKeyStrategy, BootstrapAdmin],
  // ApiKeyStrategy: for a public route that may name its tenant by a key (GET /api/v1/branding from the widget).
  exports: [AuthService, UsersRepository, UsersService, ApiKeyStrategy],
})
export class IdentityModule {}

/** The same services without HTTP (and without the user cache), for the worker and the CLI. */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { expiresIn: config.JWT_EXPIRES_IN } }),
    }),
  ],
  providers: CORE_PROVIDERS,
  exports: [AuthService, UsersRepository, UsersService],
})
export class IdentityCoreModule {}
