// Prometheus metrics of the workers: what an operator watches during a large restore.
// Labels are bounded (phase, outcome), never pod or job names.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventRecorderMetrics } from '../kube/event-recorder.ts';

export interface WorkerMetrics {
  hookEnded(phase: string, durationMs: number | null): void;
  podStarted(): void;
  podEnded(): void;
  waitStarted(): void;
  waitEnded(): void;
}

/** Reuses a metric already on the registry (several workers may share one registry in tests). */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const hooks = metric(registry, 'hookd_hooks_total', () => new Counter({ name: 'hookd_hooks_total', help: 'Hooks that ended, by phase', labelNames: ['phase'], registers: [registry] }));
  const execSeconds = metric(
    registry,
    'hookd_hook_exec_seconds',
    () =>
      new Histogram({
        name: 'hookd_hook_exec_seconds',
        help: 'Duration of hook execs, from start to exit status',
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
  );
  const pods = metric(registry, 'hookd_pods_in_flight', () => new Gauge({ name: 'hookd_pods_in_flight', help: 'Pods being processed by this worker', registers: [registry] }));
  const waiting = metric(registry, 'hookd_pods_waiting', () => new Gauge({ name: 'hookd_pods_waiting', help: 'Pods waiting for a container to come up', registers: [registry] }));
  return {
    hookEnded(phase, durationMs) {
      hooks.inc({ phase });
      if (durationMs !== null) execSeconds.observe(durationMs / 1000);
    },
    podStarted: () => pods.inc(),
    podEnded: () => pods.dec(),
    waitStarted: () => waiting.inc(),
    waitEnded: () => waiting.dec(),
  };
}

/** For callers that do not collect metrics. */
export const noMetrics: WorkerMetrics = {
  hookEnded() {},
  podStarted() {},
  podEnded() {},
  waitStarted() {},
  waitEnded() {},
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
