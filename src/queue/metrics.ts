// Prometheus metrics of the workers: what an operator watches during a large restore.
// Labels are bounded (phase, outcome), never pod or job names.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

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
