import { Injectable } from '@nestjs/common';
import { isPlainObject } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { TenantSecrets } from '../../secrets/src/index.js';
import type { TenantRow } from '../../tenancy/src/index.js';
import { ProviderNotAllowed, ProviderNotConfigured, UnknownProvider } from './assistant.errors.js';
import type { AssistantProvider, ProviderConnection } from './providers/assistant-provider.js';
import { ExtractiveProvider } from './providers/extractive.provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible.provider.js';

export const DEFAULT_SYSTEM_PROMPT = "You are this workspace's assistant. Answer from the workspace's documents when they are given, and say so when they do not hold the answer.";

/**
 * The providers a tenant can use and how it reaches them. A tenant's `allowed_providers`
 * (absent: every provider here) decides which; the first of them is its default (else
 * `extractive`). `default_model` names the model (else the provider's default).
 * Connection: `settings.providers.<name>.{base_url, api_key (sealed), timeout_ms}`, else the
 * server's OPENAI_BASE_URL / OPENAI_API_KEY / PROVIDER_TIMEOUT_MS.
 */
@Injectable()
export class AssistantProviders {
  private readonly byName: ReadonlyMap<string, AssistantProvider>;

  constructor(
    private readonly config: AppConfig,
    private readonly secrets: TenantSecrets,
  ) {
    const all: AssistantProvider[] = [new ExtractiveProvider(), new OpenAiCompatibleProvider(config.OPENAI_DEFAULT_MODEL)];
    this.byName = new Map(all.map((p) => [p.name, p]));
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The provider (and model) for `requested` (else the tenant's default), refused if unknown or not allowed. */
  choose(tenant: TenantRow, requested?: string | null): { provider: AssistantProvider; model: string } {
    const allowedSetting = tenant.settings.allowed_providers;
    const allowed = Array.isArray(allowedSetting) ? allowedSetting.filter((p): p is string => typeof p === 'string') : this.names;
    const name = requested ?? allowed.find((p) => this.byName.has(p)) ?? 'extractive';
    const provider = this.byName.get(name);
    if (!provider) throw new UnknownProvider(name, this.names);
    if (!allowed.includes(name)) throw new ProviderNotAllowed(name, allowed);
    const model = typeof tenant.settings.default_model === 'string' && name !== 'extractive' ? tenant.settings.default_model : provider.defaultModel;
    return { provider, model };
  }

  async connection(tenant: TenantRow, provider: AssistantProvider): Promise<ProviderConnection> {
    const own = isPlainObject(tenant.settings.providers) ? tenant.settings.providers[provider.name] : undefined;
    const settings = isPlainObject(own) ? own : {};
    const timeoutMs = typeof settings.timeout_ms === 'number' ? settings.timeout_ms : this.config.PROVIDER_TIMEOUT_MS;
    if (provider.name === 'extractive') return { timeoutMs };
    const baseUrl = typeof settings.base_url === 'string' ? settings.base_url : this.config.OPENAI_BASE_URL;
    if (!baseUrl) throw new ProviderNotConfigured(provider.name);
    // The tenant's key goes with the tenant's URL only: the server's key is never sent to a URL a tenant chose.
    const ownKey = await this.secrets.read(tenant.id, `providers.${provider.name}.api_key`);
    const apiKey = ownKey ?? (typeof settings.base_url === 'string' ? undefined : this.config.OPENAI_API_KEY);
    return { baseUrl, apiKey, timeoutMs };
  }
}
