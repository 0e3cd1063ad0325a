// One story per Redis outage in the log: a warning when the first connection loses Redis,
// one line when it is back (with how long it was away), instead of an error per
// reconnect attempt and per pod. Connections report to one tracker.

import type { RedisClient } from './redis.ts';
import type { Logger } from './log.ts';

export interface OutageTracker {
  watch(redis: RedisClient, name: string): void;
  /** Since when Redis has been away; null while it answers. */
  readonly downSince: number | null;
}

export function createOutageTracker(log: Logger, clock: () => number = Date.now): OutageTracker {
  let downSince: number | null = null;
  const down = new Set<string>();
  let lastError = '';
  return {
    watch(redis, name) {
      redis.on('error', (err: Error) => {
        lastError = err.message;
      });
      redis.on('close', () => {
        if (down.has(name)) return;
        down.add(name);
        if (downSince !== null) return;
        downSince = clock();
        log.warn({ connection: name, err: lastError || undefined }, 'Redis unreachable: work that needs it waits, nothing is counted as failed');
      });
      redis.on('ready', () => {
        down.delete(name);
        if (down.size > 0 || downSince === null) return;
        log.warn({ downMs: clock() - downSince }, 'Redis reachable again');
        downSince = null;
      });
    },
    get downSince() {
      return downSince;
    },
  };
}
