// Medium tier: pushed cache invalidation against a real Redis. A change announced in this
// process reaches this process's caches before the announcement returns (the request that
// follows must not meet the cache from before the change: a member who has just accepted an
// invitation was once answered 403 here, from a "no role" cached a moment before), and other
// processes hear it through Redis.
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { publishChange, subscribeToChanges } from '../../libs/redis/src/index.js';

const shared = inject('stack');
const clients: Redis[] = [];
const logger = new Logger('change-announcements');

function client(): Redis {
  const redis = new Redis(shared.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('publishChange', () => {
  it('reaches the subscribers of its own connection synchronously, other processes through Redis, and no other channel', async () => {
    const channel = `ann${randomBytes(4).toString('hex')}:changed`;
    const mine = client();
    const theirs = client();
    const here: unknown[] = [];
    const there: unknown[] = [];
    const elsewhere: unknown[] = [];
    const sub = await subscribeToChanges<{ id: string }>(mine, channel, { changed: (e) => here.push(e), reset: () => undefined }, logger);
    const other = await subscribeToChanges<{ id: string }>(theirs, channel, { changed: (e) => there.push(e), reset: () => undefined }, logger);
    const unrelated = await subscribeToChanges<{ id: string }>(mine, `${channel}:other`, { changed: (e) => elsewhere.push(e), reset: () => undefined }, logger);

    const published = publishChange(mine, channel, { id: 'a' });
    // Before anything is awaited: this process's cache has dropped the change.
    expect(here).toEqual([{ id: 'a' }]);
    await published;
    // The other process hears it through Redis; this one hears its own message once more (harmless).
    await until(() => there.length === 1 && here.length === 2);
    expect(there).toEqual([{ id: 'a' }]);
    expect(elsewhere).toEqual([]);

    // A closed subscription hears nothing more, locally or through Redis.
    await sub.close();
    await publishChange(mine, channel, { id: 'b' });
    await until(() => there.length === 2);
    expect(here).toHaveLength(2);
    await Promise.all([other.close(), unrelated.close()]);
  });

  it('drops the local cache even when Redis refuses the publish, and reports the failure', async () => {
    const channel = `ann${randomBytes(4).toString('hex')}:changed`;
    const redis = client();
    const here: unknown[] = [];
    const sub = await subscribeToChanges<{ id: string }>(redis, channel, { changed: (e) => here.push(e), reset: () => undefined }, logger);
    const publish = redis.publish.bind(redis);
    redis.publish = (() => Promise.reject(new Error('redis is down'))) as typeof redis.publish;
    await expect(publishChange(redis, channel, { id: 'c' })).rejects.toThrow('redis is down');
    expect(here).toEqual([{ id: 'c' }]);
    redis.publish = publish;
    await sub.close();
  });
});
