import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextStep } from '../../src/domain/next-step.ts';
import { awaitedContainers, waitOver } from '../../src/domain/wait-over.ts';
import type { HookOutcome, PlannedHook, PodState, PodView } from '../../src/domain/types.ts';
import { planOf, planned } from '../fixtures/plan.ts';
import { seededRandom } from '@hookd/kube-sim';

// A parked pod is woken by waitOver alone: it must agree with nextStep on every observation,
// or a pod would sleep through its container coming up (or wake for nothing, forever).

const NAMES = ['a', 'b', 'c'];
const PHASES = ['', 'Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function randomState(r: () => number): PodState {
  if (r() < 0.1) return { kind: 'deleted' };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const pod: PodView = {
    namespace: 'ns',
    name: 'p',
    uid: 'u',
    labels: {},
    annotations: {},
    containers: NAMES,
    phase: pick(PHASES),
    containerStatuses: NAMES.filter(() => r() < 0.8).map((name) => ({ name, running: r() < 0.4, terminated: r() < 0.2, ready: r() < 0.3 })),
    terminating: r() < 0.1,
  };
  return { kind: 'present', pod };
}

test('waitOver agrees with nextStep on what ends a wait, over random plans and observations', () => {
  const r = seededRandom(20261204);
  let waits = 0;
  let checked = 0;
  for (let round = 0; round < 3000; round++) {
    const hooks: PlannedHook[] = [];
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      hooks.push(planned(i, { container: NAMES[Math.floor(r() * NAMES.length)] ?? 'a', waitForReady: r() < 0.4, onError: r() < 0.3 ? 'Fail' : 'Continue', waitTimeoutMs: r() < 0.5 ? null : 60_000 }));
    }
    const plan = planOf(...hooks);
    const outcomes = new Map<number, HookOutcome>();
    const base = { plan, outcomes, waitStartMs: 0, nowMs: 1000, jobMaxWaitMs: 3_600_000, stopReason: null };
    const first = randomState(r);
    if (nextStep({ ...base, state: first }).kind !== 'wait') continue;
    waits++;
    const awaited = awaitedContainers(plan, outcomes);
    for (let k = 0; k < 20; k++) {
      const s = randomState(r);
      assert.equal(waitOver(awaited, s), nextStep({ ...base, state: s }).kind !== 'wait', JSON.stringify({ hooks, s }));
      checked++;
    }
  }
  assert.ok(waits > 100 && checked > 2000, `enough waits were checked (${waits} waits, ${checked} observations)`);
});

test('awaitedContainers: in plan order, ready when any of the container hooks wants it, ended and unrunnable hooks left out', () => {
  const plan = planOf(
    planned(0, { container: 'b' }),
    planned(1, { container: 'a', waitForReady: true }),
    planned(2, { container: 'b', waitForReady: true }),
    planned(3, { container: 'gone', skipReason: 'no container' }),
    planned(4, { container: 'c' }),
  );
  assert.deepEqual(awaitedContainers(plan, new Map([[4, { index: 4, phase: 'succeeded' }]])), [
    { name: 'b', ready: true },
    { name: 'a', ready: true },
  ]);
});
