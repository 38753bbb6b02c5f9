import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserEntity } from '../../database/src/index.js';

export interface MembershipRow {
  tenant_id: string;
  slug: string;
  name: string;
  role: string;
  status: string;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(UserEntity);
  }

  /** Inserts a user; returns null when the email is taken. */
  async create(email: string, passwordHash: string, name: string | null, isPlatformAdmin = false): Promise<UserEntity | null> {
    const rows = (await this.dataSource.query(
      `INSERT INTO public.users (email, password_hash, name, is_platform_admin) VALUES ($1, $2, $3, $4)
       ON CONFLICT ((lower(email))) DO NOTHING
       RETURNING id, email, name, is_platform_admin AS "isPlatformAdmin", created_at AS "createdAt", updated_at AS "updatedAt"`,
      [email, passwordHash, name, isPlatformAdmin],
    )) as UserEntity[];
    return rows[0] ?? null;
  }

  async findWithPasswordByEmail(email: string): Promise<UserEntity | null> {
    return this.repo
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  async setPlatformAdmin(id: string, value: boolean): Promise<void> {
    await this.repo.update({ id }, { isPlatformAdmin: value, updatedAt: new Date() });
  }

  async memberships(userId: string): Promise<MembershipRow[]> {
    return (await this.dataSource.query(
      `SELECT t.id AS tenant_id, t.slug, t.name, m.role, t.status
         FROM public.memberships m JOIN public.tenants t ON t.id = m.tenant_id
        WHERE m.user_id = $1 ORDER BY t.slug`,
      [userId],
    )) as MembershipRow[];
  }
}
