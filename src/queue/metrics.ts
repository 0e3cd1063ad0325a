// Prometheus metrics of the workers: what an operator watches during a large restore.
// Labels are bounded (phase, outcome), never pod or job names.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventRecorderMetrics } from '../kube/event-recorder.ts';

export interface WorkerMetrics {
  hookEnded(phase: string, durationMs: number | null): void;
  podStarted(): void;
  podEnded(): void;
  /** A pod starts waiting for its containers; sinceMs is when its wait began (epoch ms). Returns its end. */
  waitStarted(sinceMs: number): () => void;
  /** An exec refused before it started is tried again. */
  execRetried(): void;
  /** The parked pods of the deployment, as this worker's index knows them (read at each scrape). */
  parkedFrom(source: () => { readonly count: number; readonly oldestSinceMs: number | null }): void;
}

/** Reuses a metric already on the registry (several workers may share one registry in tests). */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** When each waiting pod of this process began its wait, for the oldest one's age. */
const waitsByRegistry = new WeakMap<Registry, Set<{ readonly sinceMs: number }>>();
type ParkedSource = () => { readonly count: number; readonly oldestSinceMs: number | null };
const parkedByRegistry = new WeakMap<Registry, { source: ParkedSource | null }>();

export function createWorkerMetrics(registry: Registry, clock: () => number = Date.now): WorkerMetrics {
  const hooks = metric(registry, 'hookd_hooks_total', () => new Counter({ name: 'hookd_hooks_total', help: 'Hooks that ended, by phase (succeeded, failed, skipped)', labelNames: ['phase'], registers: [registry] }));
  for (const phase of ['succeeded', 'failed', 'skipped']) hooks.inc({ phase }, 0);
  const execSeconds = metric(
    registry,
    'hookd_hook_exec_duration_seconds',
    () =>
      new Histogram({
        name: 'hookd_hook_exec_duration_seconds',
        help: 'Duration of hook execs, from start to exit status',
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
  );
  const pods = metric(registry, 'hookd_pods_in_flight', () => new Gauge({ name: 'hookd_pods_in_flight', help: 'Pods being processed by this worker', registers: [registry] }));
  let waits = waitsByRegistry.get(registry);
  if (!waits) {
    waits = new Set();
    waitsByRegistry.set(registry, waits);
  }
  const open = waits;
  let parkedRef = parkedByRegistry.get(registry);
  if (!parkedRef) {
    parkedRef = { source: null };
    parkedByRegistry.set(registry, parkedRef);
  }
  const parked = parkedRef;
  metric(
    registry,
    'hookd_pods_waiting',
    () =>
      new Gauge({
        name: 'hookd_pods_waiting',
        help: 'Pods waiting for a container to come up: those parked in the deployment (every worker sees them all: aggregate with max) and those waiting inside this worker',
        registers: [registry],
        collect() {
          this.set(open.size + (parked.source?.().count ?? 0));
        },
      }),
  );
  metric(
    registry,
    'hookd_pods_waiting_oldest_age_seconds',
    () =>
      new Gauge({
        name: 'hookd_pods_waiting_oldest_age_seconds',
        help: 'How long the longest-waiting pod (parked in the deployment, or waiting inside this worker) has waited for its containers (0: none waits)',
        registers: [registry],
        collect() {
          let since = parked.source?.().oldestSinceMs ?? Infinity;
          for (const w of open) since = Math.min(since, w.sinceMs);
          this.set(since === Infinity ? 0 : Math.max(0, (clock() - since) / 1000));
        },
      }),
  );
  const retries = metric(
    registry,
    'hookd_exec_retries_total',
    () => new Counter({ name: 'hookd_exec_retries_total', help: 'Execs refused before they started (429, 5xx, connection refused) and tried again', registers: [registry] }),
  );
  return {
    hookEnded(phase, durationMs) {
      hooks.inc({ phase });
      if (durationMs !== null) execSeconds.observe(durationMs / 1000);
    },
    podStarted: () => pods.inc(),
    podEnded: () => pods.dec(),
    waitStarted(sinceMs) {
      const entry = { sinceMs };
      open.add(entry);
      return () => void open.delete(entry);
    },
    execRetried: () => retries.inc(),
    parkedFrom(source) {
      parked.source = source;
    },
  };
}

/** For callers that do not collect metrics. */
export const noMetrics: WorkerMetrics = {
  hookEnded() {},
  podStarted() {},
  podEnded() {},
  waitStarted: () => () => undefined,
  execRetried() {},
  parkedFrom() {},
};

/** The Event writer's counters: Events written (created, or a series patched), writes that failed, and Events dropped. */
export function createEventMetrics(registry: Registry): EventRecorderMetrics {
  const written = metric(
    registry,
    'hookd_events_written_total',
    () => new Counter({ name: 'hookd_events_written_total', help: 'Kubernetes Events written for hooks that ended: create (a new Event) or patch (a repeat counted in its series)', labelNames: ['verb'], registers: [registry] }),
  );
  const failed = metric(
    registry,
    'hookd_events_failed_total',
    () => new Counter({ name: 'hookd_events_failed_total', help: 'Kubernetes Event writes that failed (logged; the hook is not affected)', labelNames: ['verb'], registers: [registry] }),
  );
  const dropped = metric(
    registry,
    'hookd_events_dropped_total',
    () => new Counter({ name: 'hookd_events_dropped_total', help: "Kubernetes Events not written: over the job's rate limit, or the write queue full", labelNames: ['reason'], registers: [registry] }),
  );
  // Zero from the start, so dashboards and alerts see the series before the first drop.
  for (const verb of ['create', 'patch']) {
    written.inc({ verb }, 0);
    failed.inc({ verb }, 0);
  }
  for (const reason of ['rate_limited', 'queue_full']) dropped.inc({ reason }, 0);
  return {
    written: (verb) => written.inc({ verb }),
    failed: (verb) => failed.inc({ verb }),
    dropped: (reason) => dropped.inc({ reason }),
  };
}
