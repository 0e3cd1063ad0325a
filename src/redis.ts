// ioredis connections, configured for what each one does (pitfalls.md):
// - 'blocking' (BullMQ workers, subscribers): maxRetriesPerRequest null, so a Redis restart
//   pauses them instead of failing every call;
// - 'command' (API requests): fail fast with enableOfflineQueue off, so a request meets a
//   clear 503 instead of hanging while Redis is down;
// - 'durable' (the worker's writes of what hooks did): commands wait in the offline queue
//   and are retried until Redis answers, so a hook that ran is recorded with its real
//   outcome once Redis is back, and an outage never spends a pod's attempt.

import { Redis, type RedisOptions } from 'ioredis';

export type RedisUse = 'blocking' | 'command' | 'durable';

/** How to reach Redis beyond its URL. */
export interface RedisTarget {
  readonly url: string;
  /** CA certificates (PEM) that sign a rediss:// server's certificate, beside the system's. */
  readonly tlsCa?: string;
}

/** TLS options for a rediss:// URL (certificates are verified), nothing for redis://. */
export function tlsOptions(target: RedisTarget): Pick<RedisOptions, 'tls'> {
  if (!target.url.startsWith('rediss://')) return {};
  return { tls: target.tlsCa === undefined ? {} : { ca: target.tlsCa } };
}

export function redisOptions(use: RedisUse): RedisOptions {
  const base: RedisOptions = {
    lazyConnect: false,
    connectionName: `hookd-${use}`,
    // Reconnect forever, but never faster than every 2 s once things go wrong.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
  if (use === 'durable') return { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true, enableReadyCheck: true, enableAutoPipelining: true };
  return use === 'blocking'
    ? { ...base, maxRetriesPerRequest: null, enableReadyCheck: true }
    : // Hundreds of pods write at once: commands issued in the same tick go out in one write
      // (one syscall, one round trip) instead of one each.
      { ...base, maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5000, enableAutoPipelining: true };
}

export function createRedis(target: RedisTarget, use: RedisUse): Redis {
  return new Redis(target.url, { ...redisOptions(use), ...tlsOptions(target) });
}

/** Resolves once the connection is ready, or rejects with the connection error. */
export async function redisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    const onReady = (): void => done(null);
    const onError = (err: Error): void => done(err);
    function done(err: Error | null): void {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
