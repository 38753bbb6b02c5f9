import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { Forbidden } from '../../common/src/index.js';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { UsersRepository } from '../../identity/src/index.js';
import { Authenticated, P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantContext, type TenantRequest } from '../../tenancy/src/index.js';
import { type UsageTotals, UsageRepository } from '../../usage/src/index.js';
import { MeteringRepository } from './metering.repository.js';
import { periodRange, utcDay } from './periods.util.js';
import { Quotas } from './quotas.service.js';
import {
  AdminUsageDto,
  AdminUsageQueryDto,
  QuotasDto,
  StatsQueryDto,
  TenantStatsDto,
  UsageDetailsDto,
  UsageDetailsQueryDto,
  UsageQueryDto,
  UsageSummaryDto,
} from './usage.dto.js';

/** Sums of several tenants' totals (storage_mb: gauges of different tenants add up too). */
function addTotals(into: UsageTotals, more: UsageTotals): UsageTotals {
  for (const [k, v] of Object.entries(more) as Array<[keyof UsageTotals, number]>) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** A tenant's usage, its quotas, and per-child stats (seed 002, seed 000). The guard resolved the path's tenant and the caller's access. */
@ApiTags('usage')
@Controller('api/tenants')
export class UsageController {
  constructor(
    private readonly context: TenantContext,
    private readonly usage: UsageRepository,
    private readonly repo: MeteringRepository,
    private readonly quotas: Quotas,
  ) {}

  @Get(':tenant/usage')
  @RequirePermissions(P.UsageRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: 'Usage totals over the period (now - 7d|30d|90d .. now) and per UTC day' })
  @ApiOkResponse({ type: UsageSummaryDto })
  async summary(@Param('tenant') _tenant: string, @Query() query: UsageQueryDto): Promise<UsageSummaryDto> {
    const { id } = this.context.tenant;
    const { start, end } = periodRange(query.period);
    const [totals, daily] = await Promise.all([this.usage.totals([id], start, end), this.usage.daily(id, utcDay(start), utcDay(end))]);
    return { tenant_id: id, period_start: start.toISOString(), period_end: end.toISOString(), totals, daily_breakdown: daily };
  }

  @Get(':tenant/usage/details')
  @RequirePermissions(P.UsageRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: 'Individual usage records, newest first (one per resource, minute and metadata of each flushed batch)' })
  @ApiOkResponse({ type: UsageDetailsDto })
  async details(@Param('tenant') _tenant: string, @Query() query: UsageDetailsQueryDto): Promise<UsageDetailsDto> {
    const { id } = this.context.tenant;
    const { start, end } = periodRange(query.period);
    const { rows, total } = await this.usage.details(id, query.resource_type, start, end, query.skip, query.limit);
    return {
      tenant_id: id,
      period_start: start.toISOString(),
      period_end: end.toISOString(),
      records: rows.map((r) => ({ ...r, timestamp: r.timestamp.toISOString() })),
      total,
      skip: query.skip,
      limit: query.limit,
    };
  }

  @Get(':tenant/stats')
  @RequirePermissions(P.UsageRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: "The tenant's usage over the period; with group_by=child (or groupBy=child), per direct child too" })
  @ApiOkResponse({ type: TenantStatsDto })
  async stats(@Param('tenant') _tenant: string, @Query() query: StatsQueryDto): Promise<TenantStatsDto> {
    const { id } = this.context.tenant;
    const { start, end } = periodRange(query.period);
    const own = await this.usage.totals([id], start, end);
    const base = { tenant_id: id, period_start: start.toISOString(), period_end: end.toISOString(), totals: own };
    if ((query.group_by ?? query.groupBy) !== 'child') return base;
    const children = await this.repo.children(id);
    const trees = await Promise.all(children.map((c) => this.repo.consolidatedTree(c.id)));
    const perTenant = await this.usage.totalsPerTenant(trees.flat(), start, end);
    const consolidated = addTotals({}, own);
    const rows = children.map((c, i) => {
      const totals = trees[i]!.reduce((sum, t) => addTotals(sum, perTenant.get(t) ?? {}), {} as UsageTotals);
      if (c.billing_mode === 'consolidated') addTotals(consolidated, totals);
      return { tenant_id: c.id, slug: c.slug, name: c.name, plan: c.plan, billing_mode: c.billing_mode, totals };
    });
    return { ...base, group_by: 'child', children: rows, consolidated_totals: consolidated };
  }

  @Get(':tenant/quotas')
  @RequirePermissions(P.UsageRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: 'Each limit of the tenant (plan, or its override) with what is used, the percent and when it resets' })
  @ApiOkResponse({ type: QuotasDto })
  async view(@Param('tenant') _tenant: string): Promise<QuotasDto> {
    const { tenant } = this.context;
    return { tenant_id: tenant.id, plan: tenant.plan, quotas: await this.quotas.view(tenant) };
  }
}

/** The platform-wide usage report, for platform admins. */
@ApiTags('admin')
@Controller('api/admin')
export class AdminUsageController {
  constructor(
    private readonly usage: UsageRepository,
    private readonly users: UsersRepository,
  ) {}

  @Get('usage')
  @Authenticated()
  @ApiOperation({ summary: 'Usage across all tenants: the top tenants by a resource, and totals by plan (platform admins only)' })
  @ApiOkResponse({ type: AdminUsageDto })
  @ApiForbiddenResponse({ description: 'not a platform admin' })
  async report(@Req() req: TenantRequest, @Query() query: AdminUsageQueryDto): Promise<AdminUsageDto> {
    // The flag is read from PostgreSQL, not the user cache: the report spans every tenant, so a
    // revoked (or just granted) platform admin counts from the next request on.
    const access = req.user ? await this.users.accessOf(req.user.id) : null;
    if (!access?.isPlatformAdmin) throw new Forbidden('Platform admins only', 'platform_admin_required');
    const { start, end } = periodRange(query.period);
    const resource = query.resource_type ?? 'api_call';
    const { top, byPlan } = await this.usage.platformReport(resource, start, end, query.limit);
    const totalsByPlan: Record<string, Record<string, number>> = {};
    const totals: Record<string, number> = {};
    for (const r of byPlan) {
      (totalsByPlan[r.plan] ??= {})[r.resource_type] = r.total;
      totals[r.resource_type] = (totals[r.resource_type] ?? 0) + r.total;
    }
    return { period_start: start.toISOString(), period_end: end.toISOString(), ranked_by: resource, top_tenants: top, totals_by_plan: totalsByPlan, totals };
  }
}
