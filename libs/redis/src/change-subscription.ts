import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

export interface ChangeSubscription {
  close(): Promise<void>;
}

type Handlers<T> = { changed(event: T): void; reset(): void };

/**
 * The subscriptions of this process, by the connection they were made from and channel. A
 * change published through the same connection reaches them at once, before the PUBLISH:
 * the subscriber connection gets the message some time after the publisher's reply, so a
 * request that follows the change in this process must not meet the cache from before it.
 */
const local = new WeakMap<Redis, Map<string, Set<Handlers<unknown>>>>();

function localHandlers(redis: Redis, channel: string): Set<Handlers<unknown>> {
  let byChannel = local.get(redis);
  if (!byChannel) local.set(redis, (byChannel = new Map()));
  let set = byChannel.get(channel);
  if (!set) byChannel.set(channel, (set = new Set()));
  return set;
}

/**
 * Announces a committed change: this process's subscribers of `channel` (on `redis`) drop it
 * synchronously, then every other process hears it through Redis.
 */
export async function publishChange<T>(redis: Redis, channel: string, event: T): Promise<void> {
  for (const handlers of local.get(redis)?.get(channel) ?? []) handlers.changed(event);
  await redis.publish(channel, JSON.stringify(event));
}

/**
 * The subscription behind a per-process cache with pushed invalidation: every message on
 * the channel (JSON) goes to `changed`; `reset` runs on every (re)connect, since messages
 * may have been lost meanwhile, and for a message that cannot be handled. Changes announced
 * in this process with publishChange on the same connection reach `changed` at once.
 */
export async function subscribeToChanges<T>(redis: Redis, channel: string, handlers: Handlers<T>, logger: Logger): Promise<ChangeSubscription> {
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
  const mine = localHandlers(redis, channel);
  mine.add(handlers as Handlers<unknown>);
  return {
    close: () => {
      mine.delete(handlers as Handlers<unknown>);
      return subscriber.quit().then(
        () => undefined,
        () => undefined,
      );
    },
  };
}
