import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerUp, waitDeadlineMs } from '../../src/domain/readiness.ts';
import { pod } from '../fixtures/pod.ts';
import { planOf, planned } from '../fixtures/plan.ts';

const up: { name: string; build: () => ReturnType<ReturnType<typeof pod>['build']>; wantReady: boolean; want: boolean }[] = [
  { name: 'up: running container is up', build: () => pod('n', 'p').container('app').running().build(), wantReady: false, want: true },
  { name: 'up: running but not ready is not up when a hook wants ready', build: () => pod('n', 'p').container('app').running().build(), wantReady: true, want: false },
  { name: 'up: ready container is up when a hook wants ready', build: () => pod('n', 'p').container('app').ready().build(), wantReady: true, want: true },
  { name: 'up: waiting container is not up', build: () => pod('n', 'p').container('app').waiting().build(), wantReady: false, want: false },
  { name: 'up: terminated container is not up', build: () => pod('n', 'p').container('app').terminated().build(), wantReady: false, want: false },
  { name: 'up: container without a status entry is not up', build: () => pod('n', 'p').container('app').build(), wantReady: false, want: false },
];
for (const c of up) test(c.name, () => assert.equal(containerUp(c.build(), 'app', c.wantReady), c.want));

const deadlines: { name: string; plan: ReturnType<typeof planOf>; want: number }[] = [
  {
    name: 'deadline: largest waitTimeout of the pod (maxHookWait)',
    plan: planOf(planned(0, { waitTimeoutMs: 60_000 }), planned(1, { container: 'b', waitTimeoutMs: 120_000 })),
    want: 1_000 + 120_000,
  },
  {
    name: 'deadline: any hook without waitTimeout means no limit, bounded by the job maximum',
    plan: planOf(planned(0, { waitTimeoutMs: 60_000 }), planned(1, { waitTimeoutMs: null })),
    want: 1_000 + 3_600_000,
  },
  {
    name: 'deadline: a negative waitTimeout means no limit too (Velero <= 0)',
    plan: planOf(planned(0, { waitTimeoutMs: -5_000 })),
    want: 1_000 + 3_600_000,
  },
  {
    name: 'deadline: waitTimeout above the job maximum is bounded by it',
    plan: planOf(planned(0, { waitTimeoutMs: 7_200_000 })),
    want: 1_000 + 3_600_000,
  },
  {
    name: 'deadline: skipped hooks (missing container) do not count, as Velero discards them first',
    plan: planOf(planned(0, { waitTimeoutMs: 60_000 }), planned(1, { container: 'gone', skipReason: 'x' })),
    want: 1_000 + 60_000,
  },
];
for (const c of deadlines) test(c.name, () => assert.equal(waitDeadlineMs(c.plan, 1_000, 3_600_000), c.want));
