import type { MemberRole } from '../../database/src/index.js';
import type { Permission } from './permissions.js';

/**
 * Why the caller may act on the tenant: their own membership, as a platform operator,
 * or as owner/admin of an ancestor tenant (`ancestorId`). Rules that depend on who made a
 * decision (suspensions, limits above the plan) read it.
 */
export type AccessVia = 'member' | 'platform' | 'ancestor' | 'api_key';

/** Who is calling and in which tenant: the tenancy guard writes it (with the tenant) to the request context, once. */
export interface AccessContext {
  tenantId: string;
  /** The caller's role in the tenant (null: a platform admin or parent admin acting on it). */
  role: MemberRole | null;
  /** Platform admins and admins of a parent tenant act with full rights. */
  elevated: boolean;
  via: AccessVia;
  /** With via 'ancestor': the nearest ancestor the caller administers. */
  ancestorId?: string;
  /** With via 'api_key': the key's scopes, its whole ability. */
  scopes?: readonly Permission[];
}
