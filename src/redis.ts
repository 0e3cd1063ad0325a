// ioredis connections, configured for what each one does:
// - 'blocking' (BullMQ workers, subscribers): maxRetriesPerRequest null, so a Redis restart
//   pauses them instead of failing every call;
// - 'command' (API requests): fail fast with enableOfflineQueue off, so a request meets a
//   clear 503 instead of hanging while Redis is down;
// - 'durable' (the worker's writes of what hooks did): commands wait in the offline queue
//   and are retried until Redis answers, so a hook that ran is recorded with its real
//   outcome once Redis is back, and an outage never spends a pod's attempt.
// Each is one server by URL, the master that Sentinel names, or a Redis Cluster
// (src/redis-endpoint.ts); the rest of hookd sees a RedisClient either way.

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisEndpoint } from './redis-endpoint.ts';

export type RedisUse = 'blocking' | 'command' | 'durable';

/** A connection to one server (or to Sentinel's master), or to a Redis Cluster: the commands hookd sends are the same. */
export type RedisClient = Redis | Cluster;

/** One server by URL. */
export interface RedisTarget {
  readonly url: string;
  /** CA certificates (PEM) that sign a rediss:// server's certificate (Node's tls ca: they replace the system's CAs for this connection). */
  readonly tlsCa?: string;
}

/** Any of the ways to reach Redis. */
export interface RedisAccess {
  readonly endpoint: RedisEndpoint;
  /** CA certificates (PEM): for a URL, used with rediss://; for Sentinel and Cluster, their presence turns TLS on. */
  readonly tlsCa?: string;
}

/** TLS options for a rediss:// URL (certificates are verified), nothing for redis://. */
export function tlsOptions(target: RedisTarget): Pick<RedisOptions, 'tls'> {
  if (!target.url.startsWith('rediss://')) return {};
  return { tls: target.tlsCa === undefined ? {} : { ca: target.tlsCa } };
}

/** Reconnect forever, but never faster than every 2 s once things go wrong. */
const retryDelay = (times: number): number => Math.min(100 * 2 ** Math.min(times, 5), 2000);

/** What each use asks of a connection, whatever the server behind it. */
function useOptions(use: RedisUse): Pick<RedisOptions, 'maxRetriesPerRequest' | 'enableOfflineQueue' | 'enableReadyCheck' | 'enableAutoPipelining' | 'connectTimeout'> {
  if (use === 'durable') return { maxRetriesPerRequest: null, enableOfflineQueue: true, enableReadyCheck: true, enableAutoPipelining: true };
  return use === 'blocking'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : // Hundreds of pods write at once: commands issued in the same tick go out in one write
      // (one syscall, one round trip) instead of one each.
      { maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5000, enableAutoPipelining: true };
}

export function redisOptions(use: RedisUse): RedisOptions {
  return { lazyConnect: false, connectionName: `hookd-${use}`, retryStrategy: retryDelay, ...useOptions(use) };
}

/** ACL user and password, only those that are set. */
const auth = (e: { username: string; password: string }): Pick<RedisOptions, 'username' | 'password'> => ({
  ...(e.username !== '' ? { username: e.username } : {}),
  ...(e.password !== '' ? { password: e.password } : {}),
});

/**
 * After a failover the old master, until Sentinel has turned it into a replica, refuses
 * writes: READONLY once it is a replica, NOREPLICAS when it requires a replica
 * (min-replicas-to-write) and its replica has just been promoted. Such a command never ran:
 * reconnect (Sentinel then names the new master) and send it again.
 */
export function reconnectAfterFailover(err: Error): 2 | false {
  return /^(READONLY|NOREPLICAS)\b/.test(err.message) ? 2 : false;
}

export function sentinelOptions(endpoint: Extract<RedisEndpoint, { kind: 'sentinel' }>, use: RedisUse, tlsCa: string | undefined): RedisOptions {
  return {
    ...redisOptions(use),
    sentinels: endpoint.sentinels.map((n) => ({ host: n.host, port: n.port })),
    name: endpoint.name,
    ...auth(endpoint),
    ...(endpoint.sentinelPassword !== '' ? { sentinelPassword: endpoint.sentinelPassword } : {}),
    sentinelRetryStrategy: retryDelay,
    // Told of a failover by the sentinels (+switch-master) at once, rather than when the old
    // master drops this connection.
    failoverDetector: true,
    reconnectOnError: reconnectAfterFailover,
    ...(tlsCa !== undefined ? { tls: { ca: tlsCa }, enableTLSForSentinelMode: true, sentinelTLS: { ca: tlsCa } } : {}),
  };
}

export function clusterOptions(endpoint: Extract<RedisEndpoint, { kind: 'cluster' }>, use: RedisUse, tlsCa: string | undefined): ClusterOptions {
  const { enableOfflineQueue, enableReadyCheck, enableAutoPipelining, ...perNode } = useOptions(use);
  return {
    lazyConnect: false,
    clusterRetryStrategy: retryDelay,
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: enableReadyCheck ?? true,
    enableAutoPipelining: enableAutoPipelining ?? false,
    // maxRetriesPerRequest lives here: BullMQ reads it from the nodes' options.
    redisOptions: { connectionName: `hookd-${use}`, ...perNode, ...auth(endpoint), ...(tlsCa !== undefined ? { tls: { ca: tlsCa } } : {}) },
  };
}

export function createRedis(access: RedisAccess, use: RedisUse): RedisClient {
  const e = access.endpoint;
  switch (e.kind) {
    case 'url':
      return new Redis(e.url, { ...redisOptions(use), ...tlsOptions({ url: e.url, ...(access.tlsCa !== undefined ? { tlsCa: access.tlsCa } : {}) }) });
    case 'sentinel':
      return new Redis(sentinelOptions(e, use, access.tlsCa));
    case 'cluster':
      return new Cluster(
        e.nodes.map((n) => ({ host: n.host, port: n.port })),
        clusterOptions(e, use, access.tlsCa),
      );
  }
}

/** Resolves once the connection is ready, or rejects with the connection error. */
export async function redisReady(redis: RedisClient, timeoutMs = 5000): Promise<void> {
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
