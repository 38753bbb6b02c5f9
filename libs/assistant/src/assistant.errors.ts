import { DomainError, Forbidden } from '../../common/src/index.js';

export class ProviderNotAllowed extends Forbidden {
  constructor(provider: string, allowed: readonly string[]) {
    super(`The provider '${provider}' is not in this tenant's allowed_providers (${allowed.join(', ') || 'none'})`, 'provider_not_allowed');
  }
}

export class UnknownProvider extends DomainError {
  constructor(provider: string, known: readonly string[]) {
    super('bad_request', 'unknown_provider', `Unknown provider '${provider}' (known: ${known.join(', ')})`, [{ field: 'provider', message: `must be one of ${known.join(', ')}` }]);
  }
}

export class ProviderNotConfigured extends DomainError {
  constructor(provider: string) {
    super('unprocessable', 'provider_not_configured', `The provider '${provider}' has no base URL: set settings.providers.${provider}.base_url (or the server's OPENAI_BASE_URL)`);
  }
}

/** 422: a blocked guardrail rule matched the message; nothing was stored or sent. */
export class GuardrailRefused extends DomainError {
  constructor(readonly rule: string) {
    super('unprocessable', 'guardrail_blocked', `The message was refused by the guardrail rule '${rule}'`, { rule });
  }
}

/** 429: the tenant already has max_concurrent_sessions chat requests in flight. */
export class TooManyConcurrentChats extends DomainError {
  constructor(limit: number) {
    super('rate_limited', 'max_concurrent_sessions', `This tenant already has ${limit} chat request(s) in progress (max_concurrent_sessions): try again when one finishes`, { limit });
    this.retryAfterSeconds = 1;
  }
}
