import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/src/index.js';
import { EmailTaken } from './identity.errors.js';
import { AuthService } from './auth.service.js';
import { UsersRepository } from './users.repository.js';

/**
 * BOOTSTRAP_ADMIN_EMAIL + BOOTSTRAP_ADMIN_PASSWORD: the first platform admin, created at
 * start when no user has that email. It only ever creates: an existing user is left
 * alone (else whoever registered that address first would be made admin, and an admin
 * revoked with `users set-admin --revoke` would be re-promoted at every start).
 * Safe with several API processes starting at once.
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
    if (await this.users.findByEmail(email)) {
      this.logger.warn(`BOOTSTRAP_ADMIN_EMAIL ${email} is already a user: left unchanged (use \`tenantry users set-admin\` to make it an admin)`);
      return;
    }
    try {
      await this.auth.createUser(email, password, null, true);
      this.logger.log(`created platform admin ${email}`);
    } catch (error) {
      if (!(error instanceof EmailTaken)) throw error; // another process made it first
    }
  }
}
