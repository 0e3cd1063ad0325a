// The wait / run / fail state machine of one pod, as Velero's DefaultWaitExecHookHandler
// (internal/hook/wait_exec_hook_handler.go HandleHooks) runs it, made a pure function of
// the plan, the outcomes so far, the latest pod observation and the time.
// The processor calls it in a loop: do what the step says, record the outcome, ask again.

import { formatGoDuration } from './duration.ts';
import { containerUp, maxHookWaitMs, waitDeadlineMs } from './readiness.ts';
import { HookPhase, OnError } from './types.ts';
import type { HookOutcome, PlannedHook, PodPlan, PodState, Settlement, Step } from './types.ts';

export interface NextStepInput {
  readonly plan: PodPlan;
  /** Hooks that have ended, by index. */
  readonly outcomes: ReadonlyMap<number, HookOutcome>;
  /** Latest observation of the pod. */
  readonly state: PodState;
  readonly waitStartMs: number;
  readonly nowMs: number;
  readonly jobMaxWaitMs: number;
  /** Job cancelled or failFast tripped: every hook not yet ended is skipped with this reason. */
  readonly stopReason: string | null;
}

/** Velero's wording for a hook that never ran: "hook NAME in container C ... not executed: cause". */
function notExecuted(hook: PlannedHook, cause: string, expired = false): Settlement {
  const reason = `hook ${hook.name} in container ${hook.container} not executed: ${cause}`;
  return expired ? { index: hook.index, phase: HookPhase.Failed, reason, expired: true } : { index: hook.index, phase: HookPhase.Failed, reason };
}

function failAll(remaining: readonly PlannedHook[], cause: string): Step {
  return { kind: 'settle', settlements: remaining.map((h) => notExecuted(h, cause)) };
}

/** Containers in plan order (first appearance), each with its hooks not yet ended. */
function byContainer(remaining: readonly PlannedHook[]): Map<string, PlannedHook[]> {
  const groups = new Map<string, PlannedHook[]>();
  for (const h of remaining) groups.set(h.container, [...(groups.get(h.container) ?? []), h]);
  return groups;
}

/**
 * The chosen container's next hook. Before each hook Velero checks its own wait timeout
 * (waitTimeout != 0 and time since the wait began > waitTimeout: expired). Velero then still
 * runs an expired hook whose onError is Continue; hookd records it failed and does not run it.
 * ExecutePodCommand's own checks (podexec) fail a hook without a name or command the same way.
 */
function runOrSettle(hook: PlannedHook, input: NextStepInput): Step {
  const failed = (reason: string): Step => ({ kind: 'settle', settlements: [{ index: hook.index, phase: HookPhase.Failed, reason }] });
  if (hook.waitTimeoutMs !== null && hook.waitTimeoutMs !== 0 && input.nowMs - input.waitStartMs > hook.waitTimeoutMs) {
    return { kind: 'settle', settlements: [{ index: hook.index, phase: HookPhase.Failed, reason: `hook ${hook.name} in container ${hook.container} expired before executing`, expired: true }] };
  }
  if (hook.name === '') return failed(`hook ${hook.name} in container ${hook.container} failed to execute, err: hookName is required`);
  if (hook.command.length === 0) return failed(`hook ${hook.name} in container ${hook.container} failed to execute, err: command is required`);
  return { kind: 'exec', hook };
}

function waitLimitText(plan: PodPlan, jobMaxWaitMs: number): string {
  const max = maxHookWaitMs(plan);
  if (max !== null && max <= jobMaxWaitMs) return `${formatGoDuration(max)} (the largest waitTimeout of the pod's hooks)`;
  const why = max === null ? 'a hook of this pod has no waitTimeout' : `shorter than the largest waitTimeout, ${formatGoDuration(max)}`;
  return `${formatGoDuration(jobMaxWaitMs)} (the job-wide maximum wait; ${why})`;
}

export function nextStep(input: NextStepInput): Step {
  const { plan, outcomes, state } = input;
  const remaining = plan.hooks.filter((h) => !outcomes.has(h.index));
  if (remaining.length === 0) return { kind: 'finished' };

  // 1. The job stops this pod (cancelled, or failFast tripped by another pod).
  if (input.stopReason !== null) {
    const reason = input.stopReason;
    return {
      kind: 'settle',
      settlements: remaining.map((h) => ({ index: h.index, phase: HookPhase.Skipped, reason: h.skipReason ?? reason })),
    };
  }

  // 2. Hooks that can never run (container not in the pod): skipped with their reason.
  const unrunnable = remaining.filter((h) => h.skipReason !== null);
  if (unrunnable.length > 0) {
    return {
      kind: 'settle',
      settlements: unrunnable.map((h) => ({ index: h.index, phase: HookPhase.Skipped, reason: h.skipReason ?? '' })),
    };
  }

  // 3. onError Fail and that hook failed (expired included): the pod's processing stops, and
  //    its remaining hooks in every container fail as not executed.
  const stopper = plan.hooks.find((h) => h.onError === OnError.Fail && outcomes.get(h.index)?.phase === HookPhase.Failed);
  if (stopper) {
    return failAll(remaining, `hook ${stopper.name} in container ${stopper.container} failed and its onError is Fail`);
  }

  // 4. The pod ended or went away before all hooks ran.
  if (state.kind === 'deleted') return failAll(remaining, 'pod deleted before all hooks were executed');
  const pod = state.pod;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
    return failAll(remaining, `pod entered phase ${pod.phase} before some post-restore exec hooks ran`);
  }

  // 5. Velero runs all hooks of a container in one go once it is up: a container whose hooks
  //    have started goes on, whatever its state now.
  const groups = byContainer(remaining);
  for (const [container, hooks] of groups) {
    const started = plan.hooks.some((h) => h.container === container && outcomes.has(h.index));
    const next = hooks[0];
    if (started && next) return runOrSettle(next, input);
  }

  // 6. Once the wait has ended no other container starts (Velero's watch is over).
  const deadline = waitDeadlineMs(plan, input.waitStartMs, input.jobMaxWaitMs);
  const wantReady = (hooks: readonly PlannedHook[]): boolean => hooks.some((h) => h.waitForReady);
  if (input.nowMs >= deadline) {
    const limit = waitLimitText(plan, input.jobMaxWaitMs);
    return {
      kind: 'settle',
      settlements: remaining.map((h) => {
        const ready = wantReady(groups.get(h.container) ?? []);
        const cause = containerUp(pod, h.container, ready)
          ? `the wait ended after ${limit}, as container ${h.container} came up`
          : `the wait ended after ${limit} before container ${h.container} was ${ready ? 'ready' : 'running'}`;
        return notExecuted(h, cause, true);
      }),
    };
  }

  // 7. The first container (in plan order) that is up: its next hook.
  for (const [container, hooks] of groups) {
    const next = hooks[0];
    if (next && containerUp(pod, container, wantReady(hooks))) return runOrSettle(next, input);
  }

  // 8. Nothing is up: wait for the pod to change, at most until the deadline.
  //    (A hook's own waitTimeout is checked only when its container comes up, as in Velero.)
  return { kind: 'wait', untilMs: deadline, containers: [...groups.keys()] };
}
