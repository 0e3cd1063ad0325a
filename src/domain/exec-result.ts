// An exec's outcome as a hook result, in Velero's words: the wait handler wraps every
// ExecutePodCommand error as "hook NAME in container C failed to execute, err: ...", where
// the error is client-go's "command terminated with exit code N" for a non-zero exit and
// podexec's "timed out after 30s" for the exec timeout.

import { formatGoDuration } from './duration.ts';
import { HookPhase } from './types.ts';
import type { HookResult, PlannedHook } from './types.ts';
import type { ExecOutcome } from '../queue/ports.ts';

/** The outcome code of a hook podexec refuses before any exec (see execRefusal). */
export const REFUSED_BEFORE_EXEC = 'REFUSED_BEFORE_EXEC';

/**
 * podexec's own checks of a hook before it execs (ExecutePodCommand): a hook with an empty
 * name fails with "hookName is required" and nothing runs. Only a Velero Restore's hooks can
 * have one: a caller's are refused at the API.
 */
export function execRefusal(hook: PlannedHook): string | null {
  return hook.name === '' ? 'hookName is required' : null;
}

export function hookResultFromExec(hook: PlannedHook, outcome: ExecOutcome): HookResult {
  const output = { stdout: outcome.stdout, stderr: outcome.stderr, outputTruncated: outcome.truncated };
  const failed = (err: string, exitCode: number | null): HookResult => ({
    phase: HookPhase.Failed,
    exitCode,
    ...output,
    error: `hook ${hook.name} in container ${hook.container} failed to execute, err: ${err}`,
  });
  switch (outcome.kind) {
    case 'exited':
      return outcome.exitCode === 0
        ? { phase: HookPhase.Succeeded, exitCode: 0, ...output, error: null }
        : failed(`command terminated with exit code ${outcome.exitCode}`, outcome.exitCode);
    case 'error':
      return failed(outcome.code === REFUSED_BEFORE_EXEC ? outcome.message : `${outcome.message} (${outcome.code})`, null);
    case 'timeout':
      return failed(
        `timed out after ${formatGoDuration(hook.execTimeoutMs)} (the process may still be running in the container)`,
        null,
      );
  }
}
