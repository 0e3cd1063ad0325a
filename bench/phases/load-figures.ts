// The API server's side of a run, from the sim's counters (reset just before the run).

import type { SimCounters } from '@hookd/kube-sim';
import { round } from '../http-load.ts';

export interface LoadFigures {
  readonly requestsPerPod: number;
  readonly execRequestsPerHook: number;
  readonly maxWatchesPerNamespace: number;
  readonly requestsByRoute: Record<string, number>;
}

/** `pods` pods with one hook each. The max over every namespace, so a stray watch elsewhere counts too. */
export function loadFigures(c: SimCounters, pods: number): LoadFigures {
  const maxWatches = Math.max(0, ...Object.values(c.watches.byNamespace).map((g) => g.max));
  return {
    requestsPerPod: round(c.requests.total / pods, 3),
    execRequestsPerHook: round((c.requests.byVerb['exec'] ?? 0) / pods, 4),
    maxWatchesPerNamespace: maxWatches,
    requestsByRoute: c.requests.byRoute,
  };
}
