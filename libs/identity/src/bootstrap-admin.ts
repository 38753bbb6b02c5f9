import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/src/index.js';
import { Conflict } from '../../common/src/index.js';
import { AuthService } from './auth.service.js';
import { UsersRepository } from './users.repository.js';

/**
 * BOOTSTRAP_ADMIN_EMAIL + BOOTSTRAP_ADMIN_PASSWORD: the first platform admin, made at
 * start when that user does not exist yet (an existing user is made platform admin; its
 * password is left alone). Safe with several API processes starting at once.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.BOOTSTRAP_ADMIN_EMAIL?.trim().toLowerCase();
    const password = this.config.BOOTSTRAP_ADMIN_PASSWORD;
    if (!email || !password) return;
    const existing = await this.users.findByEmail(email);
    if (existing) {
      if (!existing.isPlatformAdmin) await this.users.setPlatformAdmin(existing.id, true);
      return;
    }
    try {
      await this.auth.createUser(email, password, null, true);
      this.logger.log(`created platform admin ${email}`);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error; // another process made it first
    }
  }
}
