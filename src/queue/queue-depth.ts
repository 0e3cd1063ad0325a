// Queue depth for Prometheus: how many BullMQ jobs wait, run and are delayed in each of
// hookd's queues (jobs: one per submission; pods: one per pod). Read from Redis when
// /metrics is scraped (a gauge's collect()), not kept up to date by every process: the
// queues are shared, so every hookd process reports the same numbers (aggregate with max).

import { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import type { RedisClient } from '../redis.ts';
import { QueueNames } from './catalog.ts';

export const QUEUE_STATES = ['waiting', 'active', 'delayed'] as const;

export interface QueueDepth {
  close(): Promise<void>;
}

/** A scrape waits at most this long for Redis; on failure the previous values stay. */
const READ_TIMEOUT_MS = 2000;

export function registerQueueDepth(registry: Registry, connection: RedisClient, prefix: string, log: Logger): QueueDepth {
  // Another runtime on this registry (tests) already reports the same shared queues.
  if (registry.getSingleMetric('hookd_queue_depth')) return { close: async () => undefined };
  const queues = Object.values(QueueNames).map((name) => new Queue(name, { connection, prefix }));
  let warned = false;
  new Gauge({
    name: 'hookd_queue_depth',
    help: 'BullMQ jobs in each hookd queue (jobs: submissions; pods: one per pod) by state, read from Redis at each scrape',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await Promise.race([
          Promise.all(queues.map(async (q) => [q.name, await q.getJobCounts(...QUEUE_STATES)] as const)),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer from Redis within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS).unref()),
        ]);
        for (const [queue, byState] of counts) for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state] ?? 0);
        warned = false;
      } catch (err) {
        // A scrape must still answer while Redis is away: keep the last values, say so once.
        if (!warned) log.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue depth not read for /metrics');
        warned = true;
      }
    },
  });
  return {
    async close() {
      registry.removeSingleMetric('hookd_queue_depth');
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
