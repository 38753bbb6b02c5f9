import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../../config/src/index.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { BootstrapAdmin } from './bootstrap-admin.js';
import { JwtStrategy } from './jwt.strategy.js';
import { UsersRepository } from './users.repository.js';

/** Users, passwords (argon2id), JWT login and the passport strategy. */
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
  providers: [AuthService, UsersRepository, JwtStrategy, BootstrapAdmin],
  exports: [AuthService, UsersRepository],
})
export class IdentityModule {}

/** The same services without HTTP, for the worker and the CLI. */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { expiresIn: config.JWT_EXPIRES_IN } }),
    }),
  ],
  providers: [AuthService, UsersRepository],
  exports: [AuthService, UsersRepository],
})
export class IdentityCoreModule {}
