import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/src/index.js';
import { OPERATOR, TenantsService } from '../../tenancy/src/index.js';
import { BillingRepository } from './billing.repository.js';

/** Suspends tenants whose payment failed more than BILLING_GRACE_DAYS ago (invoice.paid lifts it). */
@Injectable()
export class DunningService {
  private readonly logger = new Logger(DunningService.name);

  constructor(
    private readonly repo: BillingRepository,
    private readonly tenants: TenantsService,
    private readonly config: AppConfig,
  ) {}

  async suspendOverdue(): Promise<number> {
    const overdue = await this.repo.pastDueBeyond(Math.round(this.config.BILLING_GRACE_DAYS * 86_400));
    for (const tenantId of overdue) {
      // A platform suspension (a tenant's admins cannot lift it); suspend() sends tenant.suspended.
      await this.tenants.suspend(tenantId, OPERATOR, 'payment_failed');
      await this.repo.markSuspendedForBilling(tenantId);
      this.logger.warn(`tenant ${tenantId}: suspended, past due beyond the ${this.config.BILLING_GRACE_DAYS}-day grace period`);
    }
    return overdue.length;
  }
}
