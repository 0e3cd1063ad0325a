// What a job would run, without running it (a dry run): each pod's plan, from the
// same rules a worker applies (plan.ts), reduced to the hooks that would be executed.
// Hooks a plan already marks skipped (their container is not in the pod) are not listed:
// they would never run, and the pod's warnings say so.

import { planPodHooks } from './plan.ts';
import type { PlannedHook, PodRef, PodView, RestoreHooks } from './types.ts';

export const DryRunPodStatus = { Planned: 'planned', NotFound: 'not found', Forbidden: 'forbidden' } as const;
export type DryRunPodStatus = (typeof DryRunPodStatus)[keyof typeof DryRunPodStatus];

/** What a dry run shows of a planned hook: the plan's own fields, without its place and skip reason. */
export type DryRunHook = Pick<PlannedHook, 'name' | 'source' | 'container' | 'command' | 'onError' | 'execTimeoutMs' | 'waitTimeoutMs' | 'waitForReady'>;

export interface DryRunPod extends PodRef {
  readonly status: DryRunPodStatus;
  readonly warnings: readonly string[];
  readonly hooks: readonly DryRunHook[];
}

export interface DryRunView {
  readonly dryRun: true;
  readonly warnings: readonly string[];
  readonly pods: readonly DryRunPod[];
  readonly summary: { readonly pods: number; readonly hooksTotal: number };
}

const shown = (h: PlannedHook): DryRunHook => ({
  name: h.name,
  source: h.source,
  container: h.container,
  command: h.command,
  onError: h.onError,
  execTimeoutMs: h.execTimeoutMs,
  waitTimeoutMs: h.waitTimeoutMs,
  waitForReady: h.waitForReady,
});

/** A pod as a job would plan it now, and the hooks that plan would execute. */
export function plannedPod(pod: PodView, hooks: RestoreHooks | null): { readonly pod: DryRunPod; readonly runs: boolean } {
  const plan = planPodHooks(pod, hooks);
  const runnable = plan.hooks.filter((h) => h.skipReason === null).map(shown);
  return {
    pod: { namespace: pod.namespace, name: pod.name, status: DryRunPodStatus.Planned, warnings: plan.warnings, hooks: runnable },
    runs: runnable.length > 0,
  };
}

/** An explicit pod the cluster does not have: a job records it failed ("not found"). */
export function missingPod(ref: PodRef): DryRunPod {
  return { namespace: ref.namespace, name: ref.name, status: DryRunPodStatus.NotFound, warnings: [], hooks: [] };
}

/** A pod whose hooks the job's owner may not run: a job skips them with this reason. */
export function forbiddenPod(planned: DryRunPod, reason: string): DryRunPod {
  return { ...planned, status: DryRunPodStatus.Forbidden, warnings: [...planned.warnings, `${reason}: its hooks would be skipped`], hooks: [] };
}

export function dryRunView(warnings: readonly string[], pods: readonly DryRunPod[]): DryRunView {
  return { dryRun: true, warnings, pods, summary: { pods: pods.length, hooksTotal: pods.reduce((n, p) => n + p.hooks.length, 0) } };
}
