import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextStep } from '../../src/domain/next-step.ts';
import type { NextStepInput } from '../../src/domain/next-step.ts';
import type { HookOutcome, PodState, Step } from '../../src/domain/types.ts';
import { pod } from '../fixtures/pod.ts';
import { planOf, planned } from '../fixtures/plan.ts';

const T0 = 1_000_000;
const MAX = 3_600_000;
const present = (b: ReturnType<typeof pod>): PodState => ({ kind: 'present', pod: b.build() });
const done = (...o: [number, HookOutcome['phase']][]): Map<number, HookOutcome> => new Map(o.map(([index, phase]) => [index, { index, phase }]));
const input = (fields: Partial<NextStepInput> & Pick<NextStepInput, 'plan'>): NextStepInput => ({
  outcomes: new Map(),
  state: present(pod('db', 'pg-0').container('app').running()),
  waitStartMs: T0,
  nowMs: T0 + 10,
  jobMaxWaitMs: MAX,
  stopReason: null,
  ...fields,
});

const h0 = planned(0);
const h1 = planned(1);
const twoContainers = planOf(planned(0, { container: 'a' }), planned(1, { container: 'b' }), planned(2, { container: 'a' }));
const podAB = pod('db', 'p').container('a').container('b');

const cases: { name: string; input: NextStepInput; want: Step }[] = [
  { name: 'next: every hook ended is finished', input: input({ plan: planOf(h0), outcomes: done([0, 'succeeded']) }), want: { kind: 'finished' } },
  { name: 'next: empty plan is finished', input: input({ plan: planOf() }), want: { kind: 'finished' } },
  { name: 'next: running container runs its first hook', input: input({ plan: planOf(h0, h1) }), want: { kind: 'exec', hook: h0 } },
  {
    name: 'next: stopReason skips every remaining hook with that reason',
    input: input({ plan: planOf(h0, h1), outcomes: done([0, 'succeeded']), stopReason: 'job cancelled' }),
    want: { kind: 'settle', settlements: [{ index: 1, phase: 'skipped', reason: 'job cancelled' }] },
  },
  {
    name: 'next: hook with skipReason is settled skipped first',
    input: input({ plan: planOf(planned(0, { container: 'gone', skipReason: 'no container' }), h1) }),
    want: { kind: 'settle', settlements: [{ index: 0, phase: 'skipped', reason: 'no container' }] },
  },
  {
    name: 'next: Continue after a failed hook runs the next one',
    input: input({ plan: planOf(h0, h1), outcomes: done([0, 'failed']) }),
    want: { kind: 'exec', hook: h1 },
  },
  {
    name: 'next: onError Fail stops the pod, remaining hooks in every container fail as not executed',
    input: input({
      plan: planOf(planned(0, { container: 'a', onError: 'Fail' }), planned(1, { container: 'b' }), planned(2, { container: 'a' })),
      outcomes: done([0, 'failed']),
      state: present(podAB.running('a').running('b')),
    }),
    want: {
      kind: 'settle',
      settlements: [
        { index: 1, phase: 'failed', reason: 'hook h1 in container b not executed: hook h0 in container a failed and its onError is Fail' },
        { index: 2, phase: 'failed', reason: 'hook h2 in container a not executed: hook h0 in container a failed and its onError is Fail' },
      ],
    },
  },
  {
    name: 'next: onError Fail that succeeded does not stop the pod',
    input: input({ plan: planOf(planned(0, { onError: 'Fail' }), h1), outcomes: done([0, 'succeeded']) }),
    want: { kind: 'exec', hook: h1 },
  },
  {
    name: 'next: deleted pod fails remaining hooks naming the cause',
    input: input({ plan: planOf(h0), state: { kind: 'deleted' } }),
    want: { kind: 'settle', settlements: [{ index: 0, phase: 'failed', reason: 'hook h0 in container app not executed: pod deleted before all hooks were executed' }] },
  },
  {
    name: 'next: pod phase Failed fails remaining hooks naming the phase',
    input: input({ plan: planOf(h0), state: present(pod('db', 'p').container('app').terminated().phase('Failed')) }),
    want: {
      kind: 'settle',
      settlements: [{ index: 0, phase: 'failed', reason: 'hook h0 in container app not executed: pod entered phase Failed before some post-restore exec hooks ran' }],
    },
  },
  {
    name: 'next: pod phase Succeeded fails remaining hooks too',
    input: input({ plan: planOf(h0), state: present(pod('db', 'p').container('app').terminated().phase('Succeeded')) }),
    want: {
      kind: 'settle',
      settlements: [{ index: 0, phase: 'failed', reason: 'hook h0 in container app not executed: pod entered phase Succeeded before some post-restore exec hooks ran' }],
    },
  },
  {
    name: 'next: containers are served in the order they come up (b up first)',
    input: input({ plan: twoContainers, state: present(podAB.waiting('a').running('b')) }),
    want: { kind: 'exec', hook: twoContainers.hooks[1] ?? h0 },
  },
  {
    name: 'next: a started container continues first, even when no longer up',
    input: input({ plan: twoContainers, outcomes: done([0, 'succeeded']), state: present(podAB.terminated('a').running('b')) }),
    want: { kind: 'exec', hook: twoContainers.hooks[2] ?? h0 },
  },
  {
    name: 'next: wait-for-ready container that is only running is not up: wait',
    input: input({ plan: planOf(planned(0, { waitForReady: true })), state: present(pod('db', 'p').container('app').running()) }),
    want: { kind: 'wait', untilMs: T0 + MAX, containers: ['app'] },
  },
  {
    name: 'next: any hook of a container wanting ready makes the container wait for ready',
    input: input({ plan: planOf(planned(0), planned(1, { waitForReady: true })), state: present(pod('db', 'p').container('app').ready()) }),
    want: { kind: 'exec', hook: planned(0) },
  },
  {
    name: 'next: nothing up waits until the largest waitTimeout, listing waiting containers',
    input: input({ plan: planOf(planned(0, { container: 'a', waitTimeoutMs: 60_000 }), planned(1, { container: 'b', waitTimeoutMs: 90_000 })), state: present(podAB) }),
    want: { kind: 'wait', untilMs: T0 + 90_000, containers: ['a', 'b'] },
  },
  {
    name: 'next: hook whose own waitTimeout passed expires when its container comes up, and is not run',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 60_000 }), planned(1, { waitTimeoutMs: 120_000 })), nowMs: T0 + 60_001 }),
    want: { kind: 'settle', settlements: [{ index: 0, phase: 'failed', reason: 'hook h0 in container app expired before executing', expired: true }] },
  },
  {
    name: 'next: expiry is strictly after the waitTimeout (Velero time.Since > timeout)',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 60_000 }), planned(1, { waitTimeoutMs: 120_000 })), nowMs: T0 + 60_000 }),
    want: { kind: 'exec', hook: planned(0, { waitTimeoutMs: 60_000 }) },
  },
  {
    name: 'next: an expired hook with Continue lets the next hook of the container run',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 60_000 }), planned(1)), outcomes: done([0, 'failed']), nowMs: T0 + 70_000 }),
    want: { kind: 'exec', hook: planned(1) },
  },
  {
    name: 'next: an expired hook with onError Fail stops the pod',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 60_000, onError: 'Fail' }), planned(1)), outcomes: done([0, 'failed']), nowMs: T0 + 70_000 }),
    want: { kind: 'settle', settlements: [{ index: 1, phase: 'failed', reason: 'hook h1 in container app not executed: hook h0 in container app failed and its onError is Fail' }] },
  },
  {
    name: 'next: negative waitTimeout expires as soon as the container is up (Velero)',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: -1 })), nowMs: T0 }),
    want: { kind: 'settle', settlements: [{ index: 0, phase: 'failed', reason: 'hook h0 in container app expired before executing', expired: true }] },
  },
  {
    name: 'next: the wait ends at the deadline: remaining hooks fail as not executed, naming the container and limit',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 60_000 })), state: present(pod('db', 'p').container('app').waiting()), nowMs: T0 + 60_000 }),
    want: {
      kind: 'settle',
      settlements: [
        { index: 0, phase: 'failed', reason: "hook h0 in container app not executed: the wait ended after 1m0s (the largest waitTimeout of the pod's hooks) before container app was running", expired: true },
      ],
    },
  },
  {
    name: 'next: without waitTimeout the job-wide maximum ends the wait',
    input: input({ plan: planOf(planned(0, { waitForReady: true })), state: present(pod('db', 'p').container('app').running()), nowMs: T0 + MAX }),
    want: {
      kind: 'settle',
      settlements: [
        {
          index: 0,
          phase: 'failed',
          reason: 'hook h0 in container app not executed: the wait ended after 1h0m0s (the job-wide maximum wait; a hook of this pod has no waitTimeout) before container app was ready',
          expired: true,
        },
      ],
    },
  },
  {
    name: 'next: a waitTimeout above the job-wide maximum is cut to it, and the message says so',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 2 * MAX })), state: present(pod('db', 'p').container('app')), nowMs: T0 + MAX }),
    want: {
      kind: 'settle',
      settlements: [
        {
          index: 0,
          phase: 'failed',
          reason: 'hook h0 in container app not executed: the wait ended after 1h0m0s (the job-wide maximum wait; shorter than the largest waitTimeout, 2h0m0s) before container app was running',
          expired: true,
        },
      ],
    },
  },
  {
    name: 'next: after the deadline no other container starts, even one that is up now (Velero ended its watch)',
    input: input({ plan: planOf(planned(0, { waitTimeoutMs: 60_000 })), nowMs: T0 + 60_000 }),
    want: {
      kind: 'settle',
      settlements: [
        { index: 0, phase: 'failed', reason: "hook h0 in container app not executed: the wait ended after 1m0s (the largest waitTimeout of the pod's hooks), as container app came up", expired: true },
      ],
    },
  },
  {
    name: 'next: after the deadline a started container still finishes its hooks (Velero runs them in one go)',
    input: input({ plan: twoContainers, outcomes: done([0, 'succeeded']), state: present(podAB.running('a')), nowMs: T0 + MAX + 1 }),
    want: { kind: 'exec', hook: twoContainers.hooks[2] ?? h0 },
  },
  {
    name: 'next: a hook without a command fails as Velero podexec does (command is required)',
    input: input({ plan: planOf(planned(0, { command: [] })) }),
    want: { kind: 'settle', settlements: [{ index: 0, phase: 'failed', reason: 'hook h0 in container app failed to execute, err: command is required' }] },
  },
  {
    name: 'next: a spec hook with an empty name fails as Velero podexec does (hookName is required)',
    input: input({ plan: planOf(planned(0, { name: '' })) }),
    want: { kind: 'settle', settlements: [{ index: 0, phase: 'failed', reason: 'hook  in container app failed to execute, err: hookName is required' }] },
  },
  {
    name: 'next: a terminating pod whose container still runs still runs hooks (Velero reacts to deletion only)',
    input: input({ plan: planOf(h0), state: present(pod('db', 'p').container('app').running().terminating()) }),
    want: { kind: 'exec', hook: h0 },
  },
];
for (const c of cases) test(c.name, () => assert.deepEqual(nextStep(c.input), c.want));
