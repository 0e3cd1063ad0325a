// The benchmark's keys on the shared Redis: every run uses prefixes of its own, measures
// what they hold, and removes them afterwards.

import { Redis } from 'ioredis';

async function scanPrefix(redis: Redis, prefix: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

/**
 * Bytes held by the prefix's keys: MEMORY USAGE of each key with SAMPLES 0 (every element of
 * a hash or list counted, not estimated), summed. Redis's own overhead per key is included;
 * allocator fragmentation is not.
 */
export async function prefixBytes(url: string, prefix: string): Promise<{ keys: number; bytes: number }> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  let keys = 0;
  let bytes = 0;
  try {
    await scanPrefix(redis, prefix, async (batch) => {
      const pipe = redis.pipeline();
      for (const k of batch) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
      for (const [err, n] of (await pipe.exec()) ?? []) {
        if (err) throw err;
        if (typeof n === 'number') {
          keys++;
          bytes += n;
        }
      }
    });
  } finally {
    redis.disconnect();
  }
  return { keys, bytes };
}

/** Deletes every key under the prefix (hookd's results and BullMQ's queues). */
export async function removePrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  let removed = 0;
  try {
    await scanPrefix(redis, prefix, async (keys) => {
      removed += await redis.unlink(...keys);
    });
  } finally {
    redis.disconnect();
  }
  return removed;
}

export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
