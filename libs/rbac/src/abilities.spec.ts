import { describe, expect, it } from 'vitest';
import { MEMBER_ROLES, type MemberRole } from '../../database/src/index.js';
import { abilityFor, grantsAll, ROLE_ABILITIES, roleGrants } from './abilities.js';
import { ALL_PERMISSIONS, P, type Permission } from './permissions.js';

const READS = ALL_PERMISSIONS.filter((p) => p.endsWith(':read'));

/** The issue "Identity and access", literally; viewer without billing:read is our reading (README). */
const TABLE: Record<MemberRole, readonly Permission[]> = {
  owner: ALL_PERMISSIONS,
  admin: ALL_PERMISSIONS.filter((p) => p !== P.TenantsDelete && p !== P.TenantsTransfer && p !== P.TenantsExport),
  member: [...READS, P.CorpusWrite, P.ConversationsWrite],
  viewer: READS.filter((p) => !([P.UsageRead, P.AuditRead, P.ApiKeysRead, P.BillingRead] as Permission[]).includes(p)),
};

describe('CASL abilities by role', () => {
  it('the catalogue has the nineteen permissions of the issue and tenants:export (owners: the tenant archive), each spelled resource:action once', () => {
    expect([...ALL_PERMISSIONS].sort()).toEqual(
      [
        'tenants:read', 'tenants:write', 'tenants:delete', 'tenants:transfer', 'tenants:create-child',
        'members:read', 'members:write', 'api-keys:read', 'api-keys:write', 'audit:read', 'usage:read',
        'billing:read', 'billing:write', 'corpus:read', 'corpus:write', 'conversations:read', 'conversations:write',
        'fine-tune:read', 'fine-tune:write', 'tenants:export',
      ].sort(),
    );
    for (const p of ALL_PERMISSIONS) expect(p).toMatch(/^[a-z-]+:[a-z-]+$/);
  });

  for (const role of MEMBER_ROLES) {
    it(`${role}: exactly the permissions of the table`, () => {
      const granted = ALL_PERMISSIONS.filter((p) => roleGrants(role, [p]));
      expect(granted.sort()).toEqual([...TABLE[role]].sort());
    });
  }

  it('spot checks of the table', () => {
    expect(roleGrants('admin', [P.BillingWrite])).toBe(true);
    expect(roleGrants('admin', [P.TenantsTransfer])).toBe(false);
    expect(roleGrants('member', [P.UsageRead])).toBe(true);
    expect(roleGrants('member', [P.FineTuneWrite])).toBe(false);
    expect(roleGrants('member', [P.MembersWrite])).toBe(false);
    expect(roleGrants('viewer', [P.CorpusRead])).toBe(true);
    expect(roleGrants('viewer', [P.AuditRead])).toBe(false);
    expect(roleGrants('viewer', [P.ApiKeysRead])).toBe(false);
  });

  it('needs every required permission, not just one', () => {
    expect(roleGrants('member', [P.CorpusRead, P.CorpusWrite])).toBe(true);
    expect(roleGrants('member', [P.CorpusRead, P.TenantsWrite])).toBe(false);
    expect(roleGrants('viewer', [P.CorpusRead, P.CorpusWrite])).toBe(false);
    expect(roleGrants('owner', ALL_PERMISSIONS)).toBe(true);
  });

  it('no required permission is allowed for every role', () => {
    for (const role of MEMBER_ROLES) expect(roleGrants(role, [])).toBe(true);
  });

  it('roles are ordered: each one can do at most what the one above it can', () => {
    const order = ['owner', 'admin', 'member', 'viewer'] as const;
    for (let i = 1; i < order.length; i++) {
      for (const p of ALL_PERMISSIONS) if (roleGrants(order[i]!, [p])) expect(roleGrants(order[i - 1]!, [p]), `${order[i]} ${p}`).toBe(true);
    }
    expect(new Set(MEMBER_ROLES)).toEqual(new Set(order));
  });
});

describe('abilityFor', () => {
  const tenantId = '00000000-0000-0000-0000-000000000001';

  it('a member acts with the ability of their role, the same object every time (built once)', () => {
    for (const role of MEMBER_ROLES) {
      const ability = abilityFor({ tenantId, role, elevated: false, via: 'member' });
      expect(ability).toBe(ROLE_ABILITIES[role]);
      expect(abilityFor({ tenantId, role, elevated: false, via: 'member' })).toBe(ability);
    }
  });

  it('platform admins hold every permission', () => {
    const ability = abilityFor({ tenantId, role: null, elevated: true, via: 'platform' });
    expect(ability && grantsAll(ability, ALL_PERMISSIONS)).toBe(true);
  });

  it("ancestor admins act as admins plus suspending (tenants:delete) and creating children, never transfer (seed 000)", () => {
    const ability = abilityFor({ tenantId, role: null, elevated: true, via: 'ancestor' })!;
    const granted = ALL_PERMISSIONS.filter((p) => grantsAll(ability, [p]));
    expect(new Set(granted)).toEqual(new Set([...TABLE.admin, P.TenantsDelete, P.TenantsCreateChild]));
    expect(grantsAll(ability, [P.TenantsTransfer])).toBe(false);
  });

  it('no role and not elevated: no ability at all', () => {
    expect(abilityFor({ tenantId, role: null, elevated: false, via: 'member' })).toBeNull();
  });
});
