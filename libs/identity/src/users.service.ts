import { Injectable } from '@nestjs/common';
import { NotFound } from '../../common/src/index.js';
import { UserOwnsTenants } from './identity.errors.js';
import type { UserEntity } from '../../database/src/index.js';
import { hashPassword } from './password.util.js';
import { UserEvents } from './user-events.js';
import { UsersRepository } from './users.repository.js';

/**
 * Changes to a user that must take effect at once on every API process: each one is
 * published (user-changed) after it is committed (this process's caches drop it synchronously).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly events: UserEvents,
  ) {}

  /** Sets the password; every token issued before stops working. */
  async setPassword(id: string, password: string): Promise<UserEntity> {
    const user = await this.users.setPassword(id, await hashPassword(password));
    if (!user) throw new NotFound('User', id);
    await this.changed(id);
    return user;
  }

  async setPlatformAdmin(id: string, value: boolean): Promise<void> {
    await this.users.setPlatformAdmin(id, value);
    await this.changed(id);
  }

  /** Deletes the user and their memberships; returns the tenants they were a member of. */
  async delete(user: Pick<UserEntity, 'id' | 'email'>): Promise<string[]> {
    const result = await this.users.delete(user.id);
    if (!result.deleted) {
      throw new UserOwnsTenants(user.email, result.ownedSlugs);
    }
    await this.changed(user.id);
    return result.tenantIds;
  }

  private async changed(id: string): Promise<void> {
    await this.events.changed({ id });
  }
}
