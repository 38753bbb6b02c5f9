/** The permission catalogue: the one place a permission name is spelled (`resource:action`). */
export const P = {
  TenantsRead: 'tenants:read',
  TenantsWrite: 'tenants:write',
  TenantsDelete: 'tenants:delete',
  TenantsTransfer: 'tenants:transfer',
  /** A full copy of the tenant's data (owner only, like transfer). */
  TenantsExport: 'tenants:export',
  TenantsCreateChild: 'tenants:create-child',
  MembersRead: 'members:read',
  MembersWrite: 'members:write',
  ApiKeysRead: 'api-keys:read',
  ApiKeysWrite: 'api-keys:write',
  AuditRead: 'audit:read',
  UsageRead: 'usage:read',
  BillingRead: 'billing:read',
  BillingWrite: 'billing:write',
  CorpusRead: 'corpus:read',
  CorpusWrite: 'corpus:write',
  ConversationsRead: 'conversations:read',
  ConversationsWrite: 'conversations:write',
  FineTuneRead: 'fine-tune:read',
  FineTuneWrite: 'fine-tune:write',
} as const;
export type Permission = (typeof P)[keyof typeof P];
export const ALL_PERMISSIONS: readonly Permission[] = Object.values(P);

type Split<T> = T extends `${infer S}:${infer A}` ? [A, S] : never;
/** A permission's resource (the CASL subject) and action. */
export type Resource = Split<Permission>[1];
export type Action = Split<Permission>[0];
