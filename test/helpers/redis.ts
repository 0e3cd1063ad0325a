// Every test file gets its own key prefix on the shared Redis and removes its keys after.

import { randomUUID } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSealer, type Sealer } from '../../src/store/sealed-json.ts';

/** A sealer with a key of its own, for stores built directly by tests. */
export const testSealer = (): Sealer => createSealer(randomBytes(32));

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under the prefix (result keys and BullMQ's). */
export async function removePrefix(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
