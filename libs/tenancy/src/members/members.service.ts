import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../config/src/index.js';
import type { EntityManager } from 'typeorm';
import { AuditLog } from '../../../audit/src/index.js';
import { NotFound } from '../../../common/src/index.js';
import type { MemberRole } from '../../../database/src/index.js';
import { generateInvitationToken } from '../../../identity/src/index.js';
import type { AccessContext } from '../../../rbac/src/index.js';
import { TenantEvents } from '../context/tenant-events.js';
import { AlreadyMember, LastOwner, MemberLimitReached, OwnersOnly, TransferTargetNotMember } from '../tenancy.errors.js';
import type { TenantDto } from '../tenants/tenant.dto.js';
import { TenantsRepository, type TenantRow } from '../tenants/tenants.repository.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { invitationMail } from './invitation-mail.js';
import { Mailer } from './mailer.js';
import type { AddMemberDto, AddMemberResultDto, InvitationDto, MemberDto, MemberListDto } from './member.dto.js';
import { type InvitationRow, type MemberRow, MembersRepository } from './members.repository.js';

const iso = (d: Date | string): string => new Date(d).toISOString();

export function toInvitationDto(r: InvitationRow): InvitationDto {
  return { id: r.id, email: r.email, role: r.role, invited_by: r.invited_by, created_at: iso(r.created_at), expires_at: iso(r.expires_at) };
}

export function toMemberDto(r: MemberRow): MemberDto {
  return {
    user_id: r.user_id,
    email: r.email,
    name: r.name,
    role: r.role,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

/** Owners, platform admins and admins of an ancestor may grant the owner role and change owners; admins may not. */
const actsAsOwner = (access: AccessContext): boolean => access.elevated || access.role === 'owner';

/**
 * Members of a tenant (the issue "Identity and access"): add, change a role, remove, and
 * the transfer of ownership. Each change is audited in its transaction and announced on
 * the tenant-changed channel after its commit, so every API process drops the cached roles
 * of the tenant at once (a removed member's next request is 403 everywhere).
 */
@Injectable()
export class MembersService {
  private readonly logger = new Logger(MembersService.name);

  constructor(
    private readonly repo: MembersRepository,
    private readonly tenants: TenantsRepository,
    private readonly tenantsService: TenantsService,
    private readonly events: TenantEvents,
    private readonly audit: AuditLog,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  async list(key: string, skip: number, limit: number): Promise<MemberListDto> {
    const tenant = await this.load(key);
    const [{ rows, total }, invitations] = await Promise.all([this.repo.list(tenant.id, skip, limit), this.repo.pendingInvitations(tenant.id)]);
    return { members: rows.map(toMemberDto), invitations: invitations.map(toInvitationDto), total, skip, limit };
  }

  /**
   * A user with an account becomes a member at once; an email without one gets a pending
   * invitation (mailed after the commit), which becomes a membership when that email
   * registers or logs in (libs/identity PendingInvitations). Members and pending
   * invitations together stay within max_members.
   */
  async add(key: string, dto: AddMemberDto, access: AccessContext, caller: { id: string; email: string }): Promise<AddMemberResultDto> {
    const tenant = await this.load(key);
    const role = dto.role ?? 'member';
    if (role === 'owner' && !actsAsOwner(access)) throw new OwnersOnly();
    const result = await this.repo.transaction(async (m): Promise<{ member: MemberRow } | { invitation: InvitationRow; token: string }> => {
      const locked = await this.lockTenant(m, tenant);
      const seatTaken = locked.members + locked.invited >= locked.maxMembers;
      const userId = await this.repo.userIdByEmail(m, dto.email);
      if (!userId) {
        if (seatTaken && !(await this.repo.pendingInvitation(m, tenant.id, dto.email))) throw new MemberLimitReached(locked.maxMembers);
        // A fresh single-use token each time (inviting again re-sends: the older mail's token stops working).
        const { token, hash } = generateInvitationToken();
        const invitation = await this.repo.invite(m, tenant.id, dto.email, role, caller.id, this.config.INVITATION_TTL_HOURS, hash);
        await this.audit.record(
          { tenantId: tenant.id, action: 'member.invited', target: { type: 'invitation', id: invitation.id }, before: null, after: { email: dto.email, role } },
          m,
        );
        return { invitation, token };
      }
      if (await this.repo.find(m, tenant.id, userId)) throw new AlreadyMember(dto.email);
      if (seatTaken) throw new MemberLimitReached(locked.maxMembers);
      const member = (await this.repo.insert(m, tenant.id, userId, role))!;
      await this.record(m, tenant, 'member.added', userId, null, { role, email: member.email });
      return { member };
    });
    if ('invitation' in result) {
      await this.sendInvitation(tenant, result.invitation, result.token, caller.email);
      await this.announce(tenant); // drops a cached 'no role' of the invitee, should they accept by logging in
      return { status: 'pending', invitation: toInvitationDto(result.invitation) };
    }
    await this.announce(tenant);
    return { status: 'active', member: toMemberDto(result.member) };
  }

  /** After the commit: a mail that cannot be sent leaves the invitation pending (inviting again resends it). */
  private async sendInvitation(tenant: TenantRow, invitation: InvitationRow, token: string, invitedBy: string): Promise<void> {
    const mail = invitationMail({
      token,
      to: invitation.email,
      role: invitation.role,
      invitationId: invitation.id,
      expiresAt: new Date(invitation.expires_at),
      tenant,
      from: this.config.MAIL_FROM,
      publicUrl: this.config.PUBLIC_URL,
      invitedBy,
    });
    try {
      await this.mailer.send(mail);
    } catch (error) {
      this.logger.warn(`tenant ${tenant.slug}: the invitation ${invitation.id} could not be mailed (${String(error)}); it stays pending`);
    }
  }

  /** Revokes a pending invitation of this tenant (its token stops working, its seat is freed); audited. */
  async revokeInvitation(key: string, invitationId: string): Promise<void> {
    const tenant = await this.load(key);
    await this.repo.transaction(async (m) => {
      await this.lockTenant(m, tenant);
      const revoked = await this.repo.revokeInvitation(m, tenant.id, invitationId);
      if (!revoked) throw new NotFound('Invitation', invitationId);
      await this.audit.record(
        { tenantId: tenant.id, action: 'invitation.revoked', target: { type: 'invitation', id: revoked.id }, before: { email: revoked.email, role: revoked.role }, after: null },
        m,
      );
    });
  }

  async setRole(key: string, userId: string, role: MemberRole, access: AccessContext): Promise<MemberDto> {
    const tenant = await this.load(key);
    const changed = await this.repo.transaction(async (m) => {
      const locked = await this.lockTenant(m, tenant);
      const current = await this.member(m, tenant, userId);
      if ((role === 'owner' || current.role === 'owner') && current.role !== role && !actsAsOwner(access)) throw new OwnersOnly();
      if (current.role === 'owner' && role !== 'owner' && locked.owners <= 1) throw new LastOwner();
      if (current.role === role) return current;
      const row = (await this.repo.setRole(m, tenant.id, userId, role))!;
      await this.repo.repointOwner(m, tenant.id);
      await this.record(m, tenant, 'member.role_changed', userId, { role: current.role }, { role });
      return row;
    });
    await this.announce(tenant);
    return toMemberDto(changed);
  }

  async remove(key: string, userId: string, access: AccessContext): Promise<void> {
    const tenant = await this.load(key);
    await this.repo.transaction(async (m) => {
      const locked = await this.lockTenant(m, tenant);
      const current = await this.member(m, tenant, userId);
      if (current.role === 'owner' && !actsAsOwner(access)) throw new OwnersOnly();
      if (current.role === 'owner' && locked.owners <= 1) throw new LastOwner();
      await this.repo.delete(m, tenant.id, userId);
      await this.repo.repointOwner(m, tenant.id);
      await this.record(m, tenant, 'member.removed', userId, { role: current.role, email: current.email }, null);
    });
    await this.announce(tenant);
  }

  /** Seed 002: the new owner must be an active member; the old owner (tenants.owner_id) becomes admin. */
  async transfer(key: string, newOwnerId: string): Promise<TenantDto> {
    const tenant = await this.load(key);
    await this.repo.transaction(async (m) => {
      const locked = await this.lockTenant(m, tenant);
      const target = await this.repo.find(m, tenant.id, newOwnerId);
      if (!target) throw new TransferTargetNotMember(newOwnerId);
      const oldOwnerId = locked.ownerId;
      if (oldOwnerId === newOwnerId && target.role === 'owner') return;
      await this.repo.setRole(m, tenant.id, newOwnerId, 'owner');
      if (oldOwnerId !== newOwnerId) await this.repo.setRole(m, tenant.id, oldOwnerId, 'admin');
      await this.repo.setOwnerId(m, tenant.id, newOwnerId);
      await this.audit.record(
        {
          tenantId: tenant.id,
          action: 'tenant.transferred',
          target: { type: 'tenant', id: tenant.id },
          before: { owner_id: oldOwnerId, new_owner_role: target.role },
          after: { owner_id: newOwnerId, new_owner_role: 'owner' },
        },
        m,
      );
    });
    await this.announce(tenant);
    return this.tenantsService.get(tenant.id);
  }

  private async load(key: string): Promise<TenantRow> {
    const row = await this.tenants.findByKey(key);
    if (!row) throw new NotFound('Tenant', key);
    return row;
  }

  private async lockTenant(m: EntityManager, tenant: TenantRow) {
    const locked = await this.repo.lockTenant(m, tenant.id);
    if (!locked) throw new NotFound('Tenant', tenant.id);
    return locked;
  }

  private async member(m: EntityManager, tenant: TenantRow, userId: string): Promise<MemberRow> {
    const row = await this.repo.find(m, tenant.id, userId);
    if (!row) throw new NotFound('Member', userId);
    return row;
  }

  private record(m: EntityManager, tenant: TenantRow, action: string, userId: string, before: unknown, after: unknown): Promise<void> {
    return this.audit.record({ tenantId: tenant.id, action, target: { type: 'user', id: userId }, before, after }, m);
  }

  /** After the commit: every API process drops the tenant's cached roles (this one too, synchronously). */
  private async announce(tenant: TenantRow): Promise<void> {
    await this.events.changed({ id: tenant.id, slug: tenant.slug });
  }
}
