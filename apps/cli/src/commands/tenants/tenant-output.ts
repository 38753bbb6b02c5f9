import { type TenantDto } from '../../../../../libs/tenancy/src/index.js';
import { printTable } from '../../cli-output.js';

export const PAGE = 500;

export function printTenants(tenants: readonly TenantDto[]): void {
  printTable(
    ['SLUG', 'STATUS', 'PLAN', 'VERSION', 'MEMBERS', 'PARENT', 'ID', 'NAME'],
    tenants.map((t) => [t.slug, t.status, t.plan, t.schema_version, t.member_count, t.parent_id, t.id, t.name]),
  );
}
