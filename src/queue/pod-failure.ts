// A pod whose processing cannot go on (its attempts are spent, or its job stalled past
// its limit) still owes every hook an outcome: clients must never see a finished job
// with hooks forever pending.

import { isHookEnded, isPodEnded, settledResult } from '../domain/ended.ts';
import type { HookEnd } from '../domain/hook-event.ts';
import { HookPhase, PodStatus } from '../domain/types.ts';
import type { JobStore } from '../store/types.ts';

/** onEnded: each hook this settles, with its planned name and container (for its Event). */
export async function failUnfinishedPod(
  store: JobStore,
  jobId: string,
  podIndex: number,
  reason: string,
  atMs: number,
  onEnded?: (hook: { readonly name: string; readonly container: string }, end: HookEnd) => void,
): Promise<boolean> {
  const record = await store.getPod(jobId, podIndex);
  if (!record) return false;
  if (isPodEnded(record.status)) return false;
  for (const hook of record.hooks) {
    if (isHookEnded(hook.phase)) continue;
    const error =
      hook.phase === HookPhase.Running
        ? `interrupted: ${reason}; the hook's outcome is unknown and it is not run again`
        : `not executed: ${reason}`;
    await store.recordHookResult(jobId, podIndex, hook.index, settledResult(HookPhase.Failed, error), atMs, { onlyIfRunning: hook.phase === HookPhase.Running });
    const planned = record.plan?.hooks.find((h) => h.index === hook.index);
    if (planned && onEnded) {
      onEnded(planned, hook.phase === HookPhase.Running ? { kind: 'interrupted', reason: error } : { kind: 'settled', phase: HookPhase.Failed, reason: error, expired: false });
    }
  }
  await store.setPodStatus(jobId, podIndex, PodStatus.Failed, reason, atMs);
  return true;
}
