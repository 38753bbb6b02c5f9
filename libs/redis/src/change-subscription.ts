import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * The subscription behind a per-process cache with pushed invalidation: every message on
 * the channel (JSON) goes to `changed`; `reset` runs on every (re)connect, since messages
 * may have been lost meanwhile, and for a message that cannot be handled.
 */
export async function subscribeToChanges<T>(
  redis: Redis,
  channel: string,
  handlers: { changed(event: T): void; reset(): void },
  logger: Logger,
): Promise<ChangeSubscription> {
  // No request waits on this connection, so none of the general connection's command timeout:
  // a slow start must not fail the SUBSCRIBE at boot.
  const subscriber = redis.duplicate({ commandTimeout: undefined });
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      handlers.changed(JSON.parse(message) as T);
    } catch {
      handlers.reset();
    }
  });
  subscriber.on('ready', () => handlers.reset());
  subscriber.on('error', (err: Error) => logger.warn(`${channel} subscription: ${err.message}`));
  await subscriber.subscribe(channel);
  return { close: () => subscriber.quit().then(() => undefined, () => undefined) };
}
