import { describe, expect, it } from 'vitest';
import { MEMBER_ROLES } from '../../database/src/index.js';
import { ALL_PERMISSIONS, P, type Permission, ROLE_PERMISSIONS, roleAllows } from './permissions.js';

describe('roleAllows', () => {
  it('the owner may do everything', () => {
    for (const p of ALL_PERMISSIONS) expect(roleAllows('owner', [p])).toBe(true);
    expect(roleAllows('owner', ALL_PERMISSIONS)).toBe(true);
  });

  it('an admin may do everything but delete and transfer the tenant', () => {
    for (const p of ALL_PERMISSIONS) {
      expect(roleAllows('admin', [p])).toBe(p !== P.TenantsDelete && p !== P.TenantsTransfer);
    }
  });

  it('a member reads, writes content and sees members, but does not manage the tenant', () => {
    const allowed: Permission[] = [
      P.TenantsRead,
      P.CorpusRead,
      P.CorpusWrite,
      P.ConversationsRead,
      P.ConversationsWrite,
      P.FineTuneRead,
      P.FineTuneWrite,
      P.MembersRead,
    ];
    for (const p of ALL_PERMISSIONS) expect(roleAllows('member', [p]), p).toBe(allowed.includes(p));
  });

  it('a viewer only reads', () => {
    const allowed: Permission[] = [P.TenantsRead, P.CorpusRead, P.ConversationsRead, P.FineTuneRead];
    for (const p of ALL_PERMISSIONS) expect(roleAllows('viewer', [p]), p).toBe(allowed.includes(p));
  });

  it('needs every required permission, not just one', () => {
    expect(roleAllows('member', [P.CorpusRead, P.CorpusWrite])).toBe(true);
    expect(roleAllows('member', [P.CorpusRead, P.TenantsWrite])).toBe(false);
    expect(roleAllows('viewer', [P.CorpusRead, P.CorpusWrite])).toBe(false);
  });

  it('no required permission is allowed for every role', () => {
    for (const role of MEMBER_ROLES) expect(roleAllows(role, [])).toBe(true);
  });

  it('roles are ordered: each one can do at most what the one above it can', () => {
    const order = ['owner', 'admin', 'member', 'viewer'] as const;
    for (let i = 1; i < order.length; i++) {
      for (const p of ROLE_PERMISSIONS[order[i]!]) expect(ROLE_PERMISSIONS[order[i - 1]!].has(p), `${order[i]} ${p}`).toBe(true);
    }
    expect(new Set(MEMBER_ROLES)).toEqual(new Set(order));
  });

  it('every permission is spelled resource:action and listed once', () => {
    expect(new Set(ALL_PERMISSIONS).size).toBe(ALL_PERMISSIONS.length);
    for (const p of ALL_PERMISSIONS) expect(p).toMatch(/^[a-z-]+:[a-z-]+$/);
  });
});
