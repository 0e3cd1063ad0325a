// What ends a pod's wait, in a form small enough to keep for every parked pod: the containers
// the wait is for, each with whether its hooks want it ready or only running. With the plan
// and the outcomes fixed (a parked pod runs nothing), nextStep leaves its 'wait' step only
// when the pod goes away, ends (Succeeded or Failed), one of these containers comes up, the
// deadline passes or the job stops; the last two wake a parked pod by other means.

import { containerUp } from './readiness.ts';
import type { HookOutcome, PodPlan, PodState } from './types.ts';

export interface AwaitedContainer {
  readonly name: string;
  /** Some hook of this container has waitForReady: it is up when ready, not merely running. */
  readonly ready: boolean;
}

/** The containers a 'wait' step of nextStep is for, in plan order. */
export function awaitedContainers(plan: PodPlan, outcomes: ReadonlyMap<number, HookOutcome>): AwaitedContainer[] {
  const byName = new Map<string, boolean>();
  for (const h of plan.hooks) {
    if (outcomes.has(h.index) || h.skipReason !== null) continue;
    byName.set(h.container, (byName.get(h.container) ?? false) || h.waitForReady);
  }
  return [...byName].map(([name, ready]) => ({ name, ready }));
}

/** True when this observation of the pod ends the wait (nextStep would no longer say 'wait'). */
export function waitOver(awaited: readonly AwaitedContainer[], state: PodState): boolean {
  if (state.kind === 'deleted') return true;
  const pod = state.pod;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return true;
  return awaited.some((c) => containerUp(pod, c.name, c.ready));
}
