// One full garbage collection when a worker goes quiet after a busy spell. Workers run
// without V8's memory reducer, which compacted the heap at moments of its own choosing: with
// 100,000 pods parked it landed on the first wake-ups after a quiet spell. Without it the
// garbage of a busy spell (parking 100,000 pods: list pages, queue replies, log lines) stays
// until the heap's bound forces a collection, and that came with the first wake-ups too.
// Collected here instead, a moment after the last pod run ended, it costs its pause while
// nothing waits for the worker. Needs node's --expose-gc (the chart's worker flags have it);
// without it nothing is collected here and V8 collects as it would anyway.

import type { Logger } from '../log.ts';

export interface IdleCollector {
  /** A pod run began. */
  started(): void;
  /** A pod run ended. */
  ended(): void;
  stop(): void;
}

export interface IdleCollectorOptions {
  /** The collector to call (globalThis.gc under --expose-gc); null: none. */
  readonly gc: (() => void) | null;
  readonly log: Logger;
  /** How long no pod runs before the collection. Default 1 s. */
  readonly quietMs?: number;
  /** Pod runs since the last collection that make a spell busy enough to collect after. Default 500. */
  readonly minRuns?: number;
}

export function createIdleCollector(opts: IdleCollectorOptions): IdleCollector {
  const quietMs = opts.quietMs ?? 1_000;
  const minRuns = opts.minRuns ?? 500;
  const gc = opts.gc;
  let active = 0;
  let runs = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const collect = (): void => {
    timer = null;
    if (gc === null || active > 0 || runs < minRuns || stopped) return;
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    gc();
    const ms = Math.round(performance.now() - t0);
    opts.log.info({ runs, heapUsedBeforeMiB: Math.round(before / 1048576), heapUsedAfterMiB: Math.round(process.memoryUsage().heapUsed / 1048576), ms }, 'garbage collected while idle');
    runs = 0;
  };

  return {
    started() {
      active++;
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
    },
    ended() {
      active = Math.max(0, active - 1);
      runs++;
      if (active > 0 || gc === null || runs < minRuns || stopped) return;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(collect, quietMs);
      timer.unref();
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** The collector node exposes under --expose-gc, or null. */
export function exposedGc(): (() => void) | null {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => void (gc as () => unknown)() : null;
}
