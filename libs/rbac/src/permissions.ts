import type { MemberRole } from '../../database/src/index.js';

/** The permission catalogue: the one place a permission name is spelled. */
export const P = {
  TenantsRead: 'tenants:read',
  TenantsWrite: 'tenants:write',
  TenantsDelete: 'tenants:delete',
  TenantsTransfer: 'tenants:transfer',
  TenantsCreateChild: 'tenants:create-child',
  MembersRead: 'members:read',
  MembersWrite: 'members:write',
  ApiKeysRead: 'api-keys:read',
  ApiKeysWrite: 'api-keys:write',
  AuditRead: 'audit:read',
  UsageRead: 'usage:read',
  BillingRead: 'billing:read',
  CorpusRead: 'corpus:read',
  CorpusWrite: 'corpus:write',
  ConversationsRead: 'conversations:read',
  ConversationsWrite: 'conversations:write',
  FineTuneRead: 'fine-tune:read',
  FineTuneWrite: 'fine-tune:write',
} as const;
export type Permission = (typeof P)[keyof typeof P];
export const ALL_PERMISSIONS: readonly Permission[] = Object.values(P);

const READS: Permission[] = [P.TenantsRead, P.CorpusRead, P.ConversationsRead, P.FineTuneRead];

/** What each tenant role may do in its tenant. The owner may do everything. */
export const ROLE_PERMISSIONS: Record<MemberRole, ReadonlySet<Permission>> = {
  owner: new Set(ALL_PERMISSIONS),
  admin: new Set(ALL_PERMISSIONS.filter((p) => p !== P.TenantsDelete && p !== P.TenantsTransfer)),
  member: new Set([...READS, P.CorpusWrite, P.ConversationsWrite, P.FineTuneWrite, P.MembersRead]),
  viewer: new Set(READS),
};

export function roleAllows(role: MemberRole, required: readonly Permission[]): boolean {
  const granted = ROLE_PERMISSIONS[role];
  return required.every((p) => granted.has(p));
}
