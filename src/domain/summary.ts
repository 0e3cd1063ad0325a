// Counting and outcome (Velero's hook tracker counts attempted and
// failed hooks, and any failed hook makes the restore PartiallyFailed).
// hookd counts every hook by its position, where Velero's hookKey can merge two hooks of one
// entry on one container.

import { HookPhase, JobStatus, PodStatus } from './types.ts';
import type { Summary } from './views.ts';

interface CountedHook {
  readonly phase: HookPhase;
  readonly startedAt: string | null;
}

/** attempted = exec started; succeeded + failed + skipped + pending (pending, waiting, running) = total. */
export function summarize(pods: readonly { readonly hooks: readonly CountedHook[] }[]): Summary {
  let hooksTotal = 0;
  let hooksAttempted = 0;
  let hooksSucceeded = 0;
  let hooksFailed = 0;
  let hooksSkipped = 0;
  let hooksPending = 0;
  for (const pod of pods) {
    for (const h of pod.hooks) {
      hooksTotal++;
      if (h.startedAt !== null) hooksAttempted++;
      switch (h.phase) {
        case HookPhase.Succeeded:
          hooksSucceeded++;
          break;
        case HookPhase.Failed:
          hooksFailed++;
          break;
        case HookPhase.Skipped:
          hooksSkipped++;
          break;
        case HookPhase.Pending:
        case HookPhase.Waiting:
        case HookPhase.Running:
          hooksPending++;
          break;
      }
    }
  }
  return { pods: pods.length, hooksTotal, hooksAttempted, hooksSucceeded, hooksFailed, hooksPending, hooksSkipped };
}

/** The status of a pod whose processing ended: failed when it could not be processed or any hook failed. */
export function podStatusOf(hooks: readonly { readonly phase: HookPhase }[], podError: string | null): PodStatus {
  if (podError !== null || hooks.some((h) => h.phase === HookPhase.Failed)) return PodStatus.Failed;
  return PodStatus.Succeeded;
}

const UNFINISHED: ReadonlySet<PodStatus> = new Set([PodStatus.Pending, PodStatus.Waiting, PodStatus.Running]);

/**
 * cancelled after DELETE; failed when the job itself could not be carried out;
 * partially_failed when a pod failed; completed otherwise. While a pod is still unfinished
 * (and nothing above applies) the job is running.
 */
export function jobStatusOf(input: {
  readonly cancelled: boolean;
  readonly jobError: string | null;
  readonly pods: readonly { readonly status: PodStatus }[];
}): JobStatus {
  if (input.cancelled) return JobStatus.Cancelled;
  if (input.jobError !== null) return JobStatus.Failed;
  if (input.pods.some((p) => UNFINISHED.has(p.status))) return JobStatus.Running;
  if (input.pods.some((p) => p.status === PodStatus.Failed)) return JobStatus.PartiallyFailed;
  return JobStatus.Completed;
}
