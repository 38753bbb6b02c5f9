import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const TENANT_PLANS = ['starter', 'growth', 'enterprise'] as const;
export type TenantPlan = (typeof TENANT_PLANS)[number];
export const TENANT_STATUSES = ['provisioning', 'active', 'suspended', 'failed'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];
/** Who suspended a tenant: a platform operator, an ancestor tenant's admin, or the tenant's own owner. */
export type Suspender = 'platform' | 'parent' | 'tenant';

@Entity({ schema: 'public', name: 'tenants' })
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') slug: string;
  @Column('text') name: string;
  @Column('text', { name: 'schema_name' }) schemaName: string;
  @Column('text') plan: TenantPlan;
  @Column('jsonb', { default: {} }) settings: Record<string, unknown>;
  @Column('text') status: TenantStatus;
  @Column('boolean', { name: 'is_active' }) isActive: boolean;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Column('uuid', { name: 'owner_id' }) ownerId: string;
  @Column('integer', { name: 'max_members' }) maxMembers: number;
  @Column('integer', { name: 'max_api_keys' }) maxApiKeys: number;
  @Column('integer', { name: 'schema_version' }) schemaVersion: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('timestamptz', { name: 'suspended_at', nullable: true }) suspendedAt: Date | null;
  @Column('text', { name: 'suspended_by', nullable: true }) suspendedBy: Suspender | null;
  /** With suspendedBy 'parent': the ancestor whose admin suspended it. */
  @Column('uuid', { name: 'suspended_by_tenant', nullable: true }) suspendedByTenant: string | null;
}
