// When a container is up, and how long a pod is watched (Velero internal/hook/
// wait_exec_hook_handler.go isContainerUp and maxHookWait).

import type { PodPlan, PodView } from './types.ts';

/**
 * isContainerUp: the container's status has state.running, or, when any of its hooks wants
 * ready, ready is true. A container without a status entry is not up.
 */
export function containerUp(pod: PodView, container: string, wantReady: boolean): boolean {
  const status = pod.containerStatuses.find((cs) => cs.name === container);
  if (!status) return false;
  return wantReady ? status.ready : status.running;
}

/**
 * maxHookWait over the hooks that can run (Velero discards missing containers first): the
 * largest waitTimeout; none (a hook without a positive waitTimeout) means no limit.
 * Returns null for no limit.
 */
export function maxHookWaitMs(plan: PodPlan): number | null {
  let max = 0;
  for (const h of plan.hooks) {
    if (h.skipReason !== null) continue;
    if (h.waitTimeoutMs === null || h.waitTimeoutMs <= 0) return null;
    max = Math.max(max, h.waitTimeoutMs);
  }
  return max > 0 ? max : null;
}

/** When the pod's wait ends: maxHookWait from the start of the wait, bounded by the job-wide maximum (hookd: nothing waits forever). */
export function waitDeadlineMs(plan: PodPlan, waitStartMs: number, jobMaxWaitMs: number): number {
  const max = maxHookWaitMs(plan);
  return waitStartMs + (max === null ? jobMaxWaitMs : Math.min(max, jobMaxWaitMs));
}
