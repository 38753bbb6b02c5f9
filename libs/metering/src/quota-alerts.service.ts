import { Injectable, Logger } from '@nestjs/common';
import escapeHtml from 'escape-html';
import type { SendMailOptions } from 'nodemailer';
import { isPlainObject } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { TenantEvents } from '../../jobs/src/index.js';
import { Mailer, type TenantRow } from '../../tenancy/src/index.js';

/** What an alert needs of its tenant. */
export type AlertTenant = Pick<TenantRow, 'id' | 'slug' | 'name' | 'settings'>;
import { MeteringRepository } from './metering.repository.js';

export const ALERT_THRESHOLDS = [80, 100] as const;

export interface QuotaLevel {
  quota: string;
  used: number;
  limit: number;
  /** The period the alert is once per (YYYY-MM; every quota's alerts re-arm monthly). */
  period: string;
  resetsAt: Date | null;
}

/** A branding value that is a one-line string (settings are free-form JSON). */
function brand(settings: Record<string, unknown>, key: string): string | undefined {
  const branding = settings.branding;
  const value = isPlainObject(branding) ? branding[key] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.replace(/[\r\n]+/g, ' ').trim() : undefined;
}

/**
 * Quota alerts (README "Quotas"): a limit at or over 80% and 100% sends one alert per threshold
 * per period: an email to the tenant's owners and admins, and `quota.threshold_reached` to the
 * tenant's outgoing webhooks (TenantEvents). The claim is a row in public.quota_alerts, so
 * many API processes and the worker agree on who sends it. Never throws to its caller.
 */
@Injectable()
export class QuotaAlerts {
  private readonly logger = new Logger('QuotaAlerts');
  /** Claims this process already saw taken (or made): spending above 80% asks PostgreSQL once, not per request. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly repo: MeteringRepository,
    private readonly mailer: Mailer,
    private readonly events: TenantEvents,
    private readonly config: AppConfig,
  ) {}

  /** Alerts every threshold this level reaches that was not alerted yet this period. */
  async check(tenant: AlertTenant, level: QuotaLevel): Promise<void> {
    for (const threshold of ALERT_THRESHOLDS) {
      if (level.limit <= 0 || level.used * 100 < level.limit * threshold) continue;
      const key = `${tenant.id}|${level.quota}|${threshold}|${level.period}`;
      if (this.seen.has(key)) continue;
      try {
        const claim = { tenantId: tenant.id, quota: level.quota, threshold, period: level.period, used: level.used, limit: level.limit };
        const mine = await this.repo.claimAlert(claim);
        this.seen.add(key);
        if (mine) await this.deliver(tenant, level, threshold);
      } catch (error) {
        this.logger.warn(`quota alert ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private async deliver(tenant: AlertTenant, level: QuotaLevel, threshold: number): Promise<void> {
    const data = {
      quota: level.quota,
      threshold,
      used: level.used,
      limit: level.limit,
      percent: Math.round((level.used / level.limit) * 1000) / 10,
      period: level.period,
      resets_at: level.resetsAt?.toISOString() ?? null,
      tenant_id: tenant.id,
      tenant_slug: tenant.slug,
    };
    let emitted = false;
    try {
      await this.events.emit(tenant.id, 'quota.threshold_reached', data);
      emitted = true;
    } catch (error) {
      this.logger.warn(`quota.threshold_reached for ${tenant.slug}: ${error instanceof Error ? error.message : String(error)}`);
    }
    let mailed = 0;
    for (const to of await this.repo.ownerAndAdminEmails(tenant.id)) {
      try {
        await this.mailer.send(this.mail(tenant, to, level, threshold));
        mailed++;
      } catch (error) {
        this.logger.warn(`quota alert mail to ${to}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await this.repo.alertDelivered({ tenantId: tenant.id, quota: level.quota, threshold, period: level.period }, mailed, emitted);
    this.logger.log(`tenant ${tenant.slug}: ${level.quota} at ${threshold}% (${level.used}/${level.limit}): mailed ${mailed}, event ${emitted ? 'emitted' : 'failed'}`);
  }

  /** The alert email, branded with the tenant's settings.branding (every value escaped in HTML). */
  private mail(tenant: AlertTenant, to: string, level: QuotaLevel, threshold: number): SendMailOptions {
    const displayName = brand(tenant.settings, 'display_name') ?? tenant.name;
    const fromName = brand(tenant.settings, 'email_from_name') ?? displayName;
    const color = brand(tenant.settings, 'primary_color');
    const accent = color && /^#[0-9a-f]{3,8}$/i.test(color) ? color : '#1f2937';
    const address = /<([^>]+)>/.exec(this.config.MAIL_FROM)?.[1] ?? this.config.MAIL_FROM.trim();
    const reached = threshold >= 100 ? 'has reached' : `is at ${threshold}% of`;
    const subject = `${displayName}: ${level.quota} ${reached} its limit`;
    const resets = level.resetsAt ? ` It resets at ${level.resetsAt.toISOString()}.` : '';
    const line = `${displayName} (${tenant.slug}) has used ${level.used} of its ${level.quota} limit of ${level.limit}.${resets}`;
    const html = `<!doctype html>
<html><body style="font-family: sans-serif; color: #111827">
<h1 style="color: ${accent}">${escapeHtml(displayName)}</h1>
<p>${escapeHtml(line)}</p>
</body></html>`;
    return { from: { name: fromName, address }, to, subject, text: line, html };
  }
}
