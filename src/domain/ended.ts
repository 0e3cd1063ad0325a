// When a hook or a pod is over, and what a hook that ended without running records.
// One definition for the worker, the failure sweep and the store's readers.

import { HookPhase, PodStatus, type HookResult } from './types.ts';

export type EndedHookPhase = typeof HookPhase.Succeeded | typeof HookPhase.Failed | typeof HookPhase.Skipped;

export function isHookEnded(phase: string): phase is EndedHookPhase {
  return phase === HookPhase.Succeeded || phase === HookPhase.Failed || phase === HookPhase.Skipped;
}

/** The pod's processing is over: it is never processed again. */
export function isPodEnded(status: string): boolean {
  return status === PodStatus.Succeeded || status === PodStatus.Failed || status === PodStatus.Cancelled;
}

/** A hook that ended without an exec: no exit code, no output, the reason in `error`. */
export function settledResult(phase: typeof HookPhase.Failed | typeof HookPhase.Skipped, error: string): HookResult {
  return { phase, exitCode: null, stdout: '', stderr: '', outputTruncated: false, error };
}
