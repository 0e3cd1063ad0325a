// A queue's workers sleep on its marker (a blocking pop of `<queue>:marker`, for up to 10 s)
// and wake when a job is added or promoted, which adds a marker. A marker popped by a worker
// that dies in that instant is lost with it: the job then sits waiting until another worker's
// block times out. Every second, each process looks whether a queue has waiting jobs and, if
// so, adds the marker again. Adding it is idempotent (one member, "0") and waking a worker
// that finds nothing costs it one look, so a lost marker costs at most about a second. A
// paused queue is left alone.

import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis.ts';

export const NUDGE_EVERY_MS = 1000;

export interface MarkerNudge {
  stop(): void;
}

export function startMarkerNudge(redis: RedisClient, queues: readonly Queue[], everyMs = NUDGE_EVERY_MS): MarkerNudge {
  const keys = queues.map((q) => {
    const wait = q.keys['wait'];
    const marker = q.keys['marker'];
    const meta = q.keys['meta'];
    if (wait === undefined || marker === undefined || meta === undefined) throw new Error(`queue ${q.name}: BullMQ names no wait list, marker or meta key`);
    return { wait, marker, meta };
  });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.all(
      keys.map(async (k) => {
        // A paused queue keeps its jobs waiting on purpose, and its marker removed.
        if ((await redis.llen(k.wait)) > 0 && (await redis.hexists(k.meta, 'paused')) === 0) await redis.zadd(k.marker, 0, '0');
      }),
    )
      // Redis away: the next tick tries again; the outage is reported by the connections.
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
