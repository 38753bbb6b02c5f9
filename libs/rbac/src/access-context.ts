import type { MemberRole } from '../../database/src/index.js';

/** Who is calling and in which tenant, attached to the request by the tenancy guard. */
export interface AccessContext {
  tenantId: string;
  /** The caller's role in the tenant (null: a platform admin or parent admin acting on it). */
  role: MemberRole | null;
  /** Platform admins and admins of a parent tenant act with full rights. */
  elevated: boolean;
}

export interface RequestWithAccess {
  access?: AccessContext;
}
