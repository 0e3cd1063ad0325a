import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPodHooks } from '../../src/domain/plan.ts';
import type { PodPlan, PodView, RestoreHooks } from '../../src/domain/types.ts';
import { pod } from '../fixtures/pod.ts';
import { planned } from '../fixtures/plan.ts';

const P = 'post.hook.restore.velero.io/';
const pg = pod('db', 'pg-0').container('pg').container('sidecar').label('app', 'pg');

const twoEntries: RestoreHooks = {
  resources: [
    {
      name: 'first',
      includedNamespaces: ['db'],
      postHooks: [
        { exec: { command: ['a'] } },
        { init: { initContainers: [] } },
        { exec: { container: 'sidecar', command: ['b'], onError: 'Fail', execTimeout: '10s', waitTimeout: '2m', waitForReady: true } },
      ],
    },
    { name: 'second', postHooks: [{ exec: { command: ['c'] } }] },
  ],
};

const cases: { name: string; pod: PodView; hooks: RestoreHooks | null; want: PodPlan }[] = [
  { name: 'plan: no annotation and no spec hooks plans nothing', pod: pg.build(), hooks: null, want: { hooks: [], warnings: [] } },
  {
    name: 'plan: every exec post hook of every matching entry, entries then postHooks in order, init hooks ignored',
    pod: pg.build(),
    hooks: twoEntries,
    want: {
      hooks: [
        planned(0, { name: 'first', container: 'pg', command: ['a'] }),
        planned(1, { name: 'first', container: 'sidecar', command: ['b'], onError: 'Fail', execTimeoutMs: 10_000, waitTimeoutMs: 120_000, waitForReady: true }),
        planned(2, { name: 'second', container: 'pg', command: ['c'] }),
      ],
      warnings: [],
    },
  },
  {
    name: 'plan: annotation hook replaces spec hooks, named <from-annotation>, container defaults to the first',
    pod: pod('db', 'pg-0').container('pg').annotate(`${P}command`, 'echo hi').build(),
    hooks: twoEntries,
    want: {
      hooks: [planned(0, { name: '<from-annotation>', source: 'annotation', container: 'pg', command: ['echo hi'] })],
      warnings: ["the pod's annotation hook takes precedence: 3 spec hook(s) that match it are not run (Velero)"],
    },
  },
  {
    name: 'plan: entry for another namespace does not apply',
    pod: pod('web', 'w-0').container('w').build(),
    hooks: { resources: [{ name: 'first', includedNamespaces: ['db'], postHooks: [{ exec: { command: ['a'] } }] }] },
    want: { hooks: [], warnings: [] },
  },
  {
    name: 'plan: excluded namespace does not apply even when included by glob',
    pod: pg.build(),
    hooks: { resources: [{ name: 'e', includedNamespaces: ['d*'], excludedNamespaces: ['db'], postHooks: [{ exec: { command: ['a'] } }] }] },
    want: { hooks: [], warnings: [] },
  },
  {
    name: 'plan: label selector that does not match does not apply',
    pod: pg.build(),
    hooks: { resources: [{ name: 'e', labelSelector: { matchLabels: { app: 'redis' } }, postHooks: [{ exec: { command: ['a'] } }] }] },
    want: { hooks: [], warnings: [] },
  },
  {
    name: 'plan: resource lists do not matter (Velero replaces them with pods)',
    pod: pg.build(),
    hooks: { resources: [{ name: 'e', includedResources: ['deployments'], excludedResources: ['pods'], postHooks: [{ exec: { command: ['a'] } }] }] },
    want: { hooks: [planned(0, { name: 'e', container: 'pg', command: ['a'] })], warnings: [] },
  },
  {
    name: 'plan: zero durations mean defaults (exec 30s, no wait limit)',
    pod: pg.build(),
    hooks: { resources: [{ name: 'e', postHooks: [{ exec: { command: ['a'], execTimeout: '0s', waitTimeout: '0', waitForReady: null } }] }] },
    want: { hooks: [planned(0, { name: 'e', container: 'pg', command: ['a'] })], warnings: [] },
  },
  {
    name: 'plan: hook for a container the pod does not have is kept, skipped with its reason and a warning',
    pod: pg.build(),
    hooks: { resources: [{ name: 'e', postHooks: [{ exec: { container: 'nope', command: ['a'] } }, { exec: { command: ['b'] } }] }] },
    want: {
      hooks: [
        planned(0, { name: 'e', container: 'nope', command: ['a'], skipReason: 'pod db/pg-0 does not have container "nope"' }),
        planned(1, { name: 'e', container: 'pg', command: ['b'] }),
      ],
      warnings: ['pod db/pg-0 does not have container "nope": hook(s) e skipped (Velero discards them)'],
    },
  },
  {
    name: 'plan: pod with no containers skips its hooks (Velero plans nothing)',
    pod: pod('db', 'empty').annotate(`${P}command`, 'x').build(),
    hooks: null,
    want: {
      hooks: [planned(0, { name: '<from-annotation>', source: 'annotation', container: '', command: ['x'], skipReason: 'pod db/empty has no containers' })],
      warnings: ['pod db/empty has no containers: hook(s) <from-annotation> skipped (Velero discards them)'],
    },
  },
  {
    name: 'plan: onError from a Restore that is not exact case behaves as Continue, with a warning',
    pod: pg.build(),
    hooks: { resources: [{ name: 'e', postHooks: [{ exec: { command: ['a'], onError: 'fail' as 'Fail' } }] }] },
    want: {
      hooks: [planned(0, { name: 'e', container: 'pg', command: ['a'] })],
      warnings: ['hook e (hooks.resources[0].postHooks[0].exec).onError: "fail" is not Continue or Fail (exact case); Continue'],
    },
  },
  {
    name: 'plan: annotation warnings are the plan warnings',
    pod: pod('db', 'pg-0').container('pg').annotate(`${P}command`, 'x').annotate(`${P}wait-for-ready`, 'yes').build(),
    hooks: null,
    want: {
      hooks: [planned(0, { name: '<from-annotation>', source: 'annotation', container: 'pg', command: ['x'] })],
      warnings: [`${P}wait-for-ready: "yes" is not a boolean (true, false, 1, 0, t, f, ...); false`],
    },
  },
];
for (const c of cases) test(c.name, () => assert.deepEqual(planPodHooks(c.pod, c.hooks), c.want));
