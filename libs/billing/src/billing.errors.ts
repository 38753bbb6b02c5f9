import { DomainError } from '../../common/src/index.js';

/** A Stripe webhook whose signature does not verify over the raw body (or that carries none). */
export class InvalidWebhookSignature extends DomainError {
  constructor(reason: string) {
    super('bad_request', 'invalid_signature', `Stripe webhook refused: ${reason}`);
  }
}
