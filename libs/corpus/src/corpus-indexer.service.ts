import { Injectable, Logger } from '@nestjs/common';
import { TenantDb, tenantRef, type TenantRef } from '../../database/src/index.js';
import { TenantsRepository } from '../../tenancy/src/index.js';
import { EmbeddingsClient, embeddingsProviderOf, type EmbeddingsProvider } from './embeddings.client.js';
import { PassagesRepository } from './passages.repository.js';

/** The text search configuration a tenant's settings ask for (validated against pg_ts_config when set). */
export function searchLanguageOf(settings: Record<string, unknown>): string {
  return typeof settings.search_language === 'string' ? settings.search_language : 'simple';
}

const EMBED_BATCH = 64;
/** A bound on one job's work; a larger backlog is finished by the jobs that follow. */
const MAX_BATCHES_PER_JOB = 200;

/**
 * The worker's side of the corpus index: brings a tenant's schema to its settings (text search
 * configuration, embeddings provider and model) and embeds passages, each step in its own
 * tenant unit of work; the provider is called outside any transaction.
 */
@Injectable()
export class CorpusIndexer {
  private readonly logger = new Logger(CorpusIndexer.name);

  constructor(
    private readonly tenantDb: TenantDb,
    private readonly tenants: TenantsRepository,
    private readonly passages: PassagesRepository,
    private readonly embeddings: EmbeddingsClient,
  ) {}

  private async activeTenant(tenantId: string): Promise<{ ref: TenantRef; settings: Record<string, unknown> } | null> {
    const tenant = await this.tenants.findByKey(tenantId);
    // Settings given at creation are applied once the schema exists: the job is retried with backoff.
    if (tenant?.status === 'provisioning') throw new Error(`tenant ${tenantId} is still provisioning`);
    if (!tenant || tenant.status !== 'active') return null;
    return { ref: tenantRef(tenant), settings: tenant.settings };
  }

  /** Re-indexes and re-embeds as the tenant's settings now say; answers what it did. */
  async sync(tenantId: string): Promise<string> {
    const tenant = await this.activeTenant(tenantId);
    if (!tenant) return 'skipped (not active)';
    let provider: EmbeddingsProvider | null = null;
    const { reindexed, embeddingsReset } = await this.tenantDb.runInContext(tenant.ref, () =>
      this.passages.sync(async () => {
        const settings = (await this.activeTenant(tenantId))?.settings ?? tenant.settings;
        provider = embeddingsProviderOf(settings);
        return { tsConfig: searchLanguageOf(settings), embeddingModel: provider?.fingerprint ?? null };
      }),
    );
    const embedded = provider ? await this.embedPending(tenant.ref, provider) : 0;
    const outcome = `reindexed=${reindexed} embeddings_reset=${embeddingsReset} embedded=${embedded}`;
    this.logger.log(`tenant ${tenantId}: corpus index synced (${outcome})`);
    return outcome;
  }

  /** Embeds a document's passages that have none (after a write). */
  async embedDocument(tenantId: string, documentId: string): Promise<number> {
    const tenant = await this.activeTenant(tenantId);
    const provider = tenant && embeddingsProviderOf(tenant.settings);
    return tenant && provider ? this.embedPending(tenant.ref, provider, documentId) : 0;
  }

  private async embedPending(tenant: TenantRef, provider: EmbeddingsProvider, documentId?: string): Promise<number> {
    let stored = 0;
    for (let i = 0; i < MAX_BATCHES_PER_JOB; i++) {
      const batch = await this.tenantDb.runInContext(tenant, () => this.passages.unembedded(provider.fingerprint, EMBED_BATCH, documentId), { readOnly: true });
      if (batch.length === 0) break;
      const vectors = await this.embeddings.embed(tenant.id, provider, batch.map((p) => `${p.heading}\n\n${p.text}`));
      const n = await this.tenantDb.runInContext(tenant, () =>
        this.passages.storeEmbeddings(provider.fingerprint, batch.map((p, j) => ({ id: p.id, embedding: vectors[j]! }))),
      );
      // None stored: the schema's provider changed meanwhile (the sync that follows takes over).
      if (n === 0) break;
      stored += n;
    }
    return stored;
  }
}
