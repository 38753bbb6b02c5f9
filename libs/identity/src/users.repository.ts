import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UserEntity } from '../../database/src/index.js';

export interface MembershipRow {
  tenant_id: string;
  slug: string;
  name: string;
  role: string;
  status: string;
}

/** What authorising a request needs to know about its user. */
export interface UserAccess {
  exists: boolean;
  isPlatformAdmin: boolean;
  tokenVersion: number;
}

export type DeleteUserResult =
  | { deleted: true; tenantIds: string[] }
  | { deleted: false; ownedSlugs: string[] };

const USER_COLUMNS = `id, email, name, is_platform_admin AS "isPlatformAdmin", token_version AS "tokenVersion",
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const FOREIGN_KEY_VIOLATION = '23503';

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
       RETURNING ${USER_COLUMNS}`,
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

  async findWithPasswordById(id: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id', { id }).getOne();
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  async accessOf(id: string): Promise<UserAccess | null> {
    const rows = (await this.dataSource.query(
      `SELECT is_platform_admin AS "isPlatformAdmin", token_version AS "tokenVersion" FROM public.users WHERE id = $1`,
      [id],
    )) as Array<{ isPlatformAdmin: boolean; tokenVersion: number }>;
    const row = rows[0];
    return row ? { exists: true, ...row } : null;
  }

  async setPlatformAdmin(id: string, value: boolean): Promise<void> {
    await this.repo.update({ id }, { isPlatformAdmin: value, updatedAt: new Date() });
  }

  /** Sets the password and bumps token_version (every older token stops working); null: no such user. */
  async setPassword(id: string, passwordHash: string): Promise<UserEntity | null> {
    const [rows] = (await this.dataSource.query(
      `UPDATE public.users SET password_hash = $2, token_version = token_version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [id, passwordHash],
    )) as [UserEntity[], number];
    return rows[0] ?? null;
  }

  /**
   * Deletes the user and their memberships, unless they own tenants (tenants.owner_id
   * would dangle): then nothing changes and the owned slugs are returned.
   */
  async delete(id: string): Promise<DeleteUserResult> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const owned = await this.ownedSlugs(manager, id);
        if (owned.length > 0) return { deleted: false, ownedSlugs: owned } as const;
        const [memberships] = (await manager.query(`DELETE FROM public.memberships WHERE user_id = $1 RETURNING tenant_id`, [id])) as [Array<{ tenant_id: string }>, number];
        await manager.query(`DELETE FROM public.users WHERE id = $1`, [id]);
        return { deleted: true, tenantIds: memberships.map((m) => m.tenant_id) } as const;
      });
    } catch (error) {
      // A tenant was made for this owner between the check and the delete.
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return { deleted: false, ownedSlugs: await this.ownedSlugs(this.dataSource, id) };
      throw error;
    }
  }

  private async ownedSlugs(db: Pick<EntityManager, 'query'>, id: string): Promise<string[]> {
    const rows = (await db.query(`SELECT slug FROM public.tenants WHERE owner_id = $1 ORDER BY slug`, [id])) as Array<{ slug: string }>;
    return rows.map((r) => r.slug);
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
