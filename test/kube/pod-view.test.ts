// The view kept per pod: what the rules read, no more, and shared between pods alike.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { planPodHooks } from '../../src/domain/plan.ts';
import { toPodView } from '../../src/kube/pod-view.ts';

function pod(name: string, annotations: Record<string, string>, labels: Record<string, string> = { app: 'db', tier: 'data' }): V1Pod {
  return {
    metadata: { namespace: 'shop', name, uid: `uid-${name}`, labels: { ...labels }, annotations: { ...annotations } },
    spec: { containers: [{ name: 'db' }, { name: 'sidecar' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'db', ready: true, state: { running: {} } } as never] },
  } as V1Pod;
}

test('annotations other than hook keys are left out; hook keys and misspelt ones stay', () => {
  const v = toPodView(
    pod('a', {
      'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(10_000),
      'post.hook.restore.velero.io/command': '["/bin/true"]',
      'post.hook.restore.velero.io/contianer': 'db',
      'post.hooks.restore.velero.io/command': '["/bin/false"]',
    }),
  );
  assert.deepEqual(Object.keys(v.annotations).sort(), ['post.hook.restore.velero.io/command', 'post.hook.restore.velero.io/contianer', 'post.hooks.restore.velero.io/command']);
});

test('the plan from the kept view is the plan from the whole pod: same hook, same warnings', () => {
  const annotations = {
    'post.hook.restore.velero.io/command': '["/bin/sh","-c","echo hi"]',
    'post.hook.restore.velero.io/container': 'db',
    'post.hook.restore.velero.io/wait-timeout': '1m',
    'post.hook.restore.velero.io/contianer': 'db',
    'other.example.com/note': 'kept out',
  };
  const v = toPodView(pod('b', annotations));
  const whole = { ...v, annotations };
  assert.deepEqual(planPodHooks(v, null), planPodHooks(whole, null));
  assert.ok(planPodHooks(v, null).warnings.some((w) => w.includes('contianer')), 'the misspelt key is still warned about');
});

test('pods alike share their label set, container list and strings', () => {
  const a = toPodView(pod('c', {}));
  const b = toPodView(pod('d', {}));
  assert.equal(a.labels, b.labels);
  assert.equal(a.containers, b.containers);
  assert.equal(a.annotations, b.annotations);
  assert.equal(a.containerStatuses, b.containerStatuses);
  assert.deepEqual(a.labels, { app: 'db', tier: 'data' });
  assert.deepEqual(a.containers, ['db', 'sidecar']);
  const other = toPodView(pod('e', {}, { app: 'web' }));
  assert.notEqual(other.labels, a.labels);
  assert.deepEqual(other.labels, { app: 'web' });
  assert.ok(Object.isFrozen(a.labels) && Object.isFrozen(a.containers) && Object.isFrozen(a.containerStatuses[0]), 'a shared value cannot be changed through one pod');
});

test('the rest of the view is as before', () => {
  const v = toPodView(pod('f', {}));
  assert.equal(v.namespace, 'shop');
  assert.equal(v.name, 'f');
  assert.equal(v.uid, 'uid-f');
  assert.equal(v.phase, 'Running');
  assert.deepEqual(v.containerStatuses, [{ name: 'db', running: true, terminated: false, ready: true }]);
  assert.equal(v.terminating, false);
});
