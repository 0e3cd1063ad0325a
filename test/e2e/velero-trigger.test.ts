// POST /v1/velero/restores/{namespace}/{name}/jobs end to end (issue 5 point 5, api.md):
// a velero.io/v1 Restore created in the simulated cluster through client-node, its
// spec.hooks run on the pods labelled velero.io/restore-name={name} (init hooks left out,
// said so in the job), 404 for a missing Restore, 403 when hookd's token may not read it.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { JobView } from '../../src/domain/views.ts';
import { api, startHookd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';
import { A, createPod, ended, execArrivals, hookOf, podOf, sh } from './velero-support.ts';

const LIMITED = 'velero-trigger-token-limited-to-app-ns';
const VELERO_NS = 'velero';
const APP_NS = 'app-ns';
const OTHER_NS = 'other-ns';
const RESTORE_LABEL = 'velero.io/restore-name';

// Started at module level so its cleanup is registered with the file, not with a hook.
const env: StartedSim = await startSim({
  lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 },
  extraTokens: [{ token: LIMITED, namespaces: [APP_NS] }],
});
const sim = env.sim;
const custom = env.kc.makeApiClient(CustomObjectsApi);

async function createRestore(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  const body = { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace }, spec };
  await custom.createNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace, plural: 'restores', body });
}

interface Created {
  id: string;
  status: string;
  links: { self: string };
}
interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

const trigger = (base: string, namespace: string, name: string) => api<Created & ErrorBody>(base, 'POST', `/v1/velero/restores/${namespace}/${name}/jobs`);

describe('the Velero trigger on the simulated cluster', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_MAX_WAIT: '10m' } });
    for (const ns of [VELERO_NS, APP_NS, OTHER_NS]) sim.createNamespace(ns);
  });
  after(async () => hookd?.stop());

  test("a Restore's exec post hooks run on the pods it restored; its init hook is left out with a job warning", async () => {
    await createRestore(VELERO_NS, 'nightly', {
      backupName: 'nightly-backup',
      hooks: {
        resources: [
          {
            name: 'db-hooks',
            includedNamespaces: [APP_NS],
            includedResources: ['deployments'], // Velero replaces resource lists with pods: no effect
            postHooks: [
              { init: { initContainers: [{ name: 'restore-init', image: 'busybox', command: ['sh', '-c', 'true'] }] } },
              { exec: { container: 'side', command: sh('echo restored $HOSTNAME'), onError: 'Fail', execTimeout: '10s' } },
            ],
          },
        ],
      },
    });
    const restored = { [RESTORE_LABEL]: 'nightly', 'velero.io/backup-name': 'nightly-backup' };
    createPod(sim, APP_NS, 'db-0', { manual: false, labels: restored });
    createPod(sim, OTHER_NS, 'cache-0', { manual: false, labels: restored, annotations: { [`${A}command`]: '["/bin/sh", "-c", "echo annotated"]' } });
    createPod(sim, APP_NS, 'db-1', { manual: false, labels: { [RESTORE_LABEL]: 'another-restore' } });
    createPod(sim, APP_NS, 'unlabelled', { manual: false });

    const post = await trigger(hookd.url, VELERO_NS, 'nightly');
    assert.equal(post.status, 202, JSON.stringify(post.body));
    assert.equal(post.body.status, 'queued');
    assert.equal(post.headers.get('location'), `/v1/jobs/${post.body.id}`);

    const job = await ended(hookd.url, post.body.id);
    assert.equal(job.restore, 'nightly');
    assert.deepEqual(job.warnings, [
      `Restore ${VELERO_NS}/nightly spec.hooks: 1 init hook left out: Velero injects init hooks when it restores a pod; hookd runs exec post hooks only`,
    ]);
    assert.deepEqual(job.pods.map((p) => `${p.namespace}/${p.name}`).sort(), [`${APP_NS}/db-0`, `${OTHER_NS}/cache-0`], 'only the pods of this restore, in every namespace');

    const db = hookOf(job, 'db-0', 0);
    assert.equal(podOf(job, 'db-0').hooks.length, 1, 'the init hook is not run');
    assert.deepEqual([db.name, db.source, db.container, db.onError, db.phase, db.stdout], ['db-hooks', 'spec', 'side', 'Fail', 'succeeded', 'restored db-0\n']);
    // cache-0 is outside the entry's namespaces, and its annotation hook is its own.
    const cache = hookOf(job, 'cache-0', 0);
    assert.deepEqual([cache.name, cache.source, cache.phase, cache.stdout], ['<from-annotation>', 'annotation', 'succeeded', 'annotated\n']);
    assert.deepEqual(execArrivals(sim, APP_NS, 'db-1'), []);
    assert.equal(job.status, 'completed');
    assert.deepEqual(job.summary, { pods: 2, hooksTotal: 2, hooksAttempted: 2, hooksSucceeded: 2, hooksFailed: 0, hooksPending: 0, hooksSkipped: 0 });
  });

  test('a Restore whose name is longer than a label value selects its pods by the label Velero writes (57 characters + 6 hex of SHA-256)', async () => {
    const name = `restore-with-a-very-long-generated-name-${'x'.repeat(40)}`;
    assert.ok(name.length > 63);
    const label = name.slice(0, 57) + createHash('sha256').update(name).digest('hex').slice(0, 6);
    await createRestore(VELERO_NS, name, { backupName: 'b', hooks: { resources: [{ name: 'long', postHooks: [{ exec: { command: sh('echo long') } }] }] } });
    createPod(sim, APP_NS, 'long-0', { manual: false, labels: { [RESTORE_LABEL]: label } });
    const post = await trigger(hookd.url, VELERO_NS, name);
    assert.equal(post.status, 202, JSON.stringify(post.body));
    const job: JobView = await ended(hookd.url, post.body.id);
    assert.deepEqual(job.pods.map((p) => p.name), ['long-0']);
    assert.equal(hookOf(job, 'long-0', 0).stdout, 'long\n');
    assert.deepEqual(job.warnings, []);
  });

  test("a Restore Velero runs is run as Velero reads it: an empty container is the first, a negative execTimeout 30s, an empty name fails unrun", async () => {
    await createRestore(VELERO_NS, 'lenient', {
      backupName: 'b',
      hooks: {
        resources: [
          { name: 'neg', postHooks: [{ exec: { container: '', command: sh('echo neg'), execTimeout: '-1s' } }, { init: {} }] },
          { name: '', postHooks: [{ exec: { command: sh('echo never') } }] },
        ],
      },
    });
    createPod(sim, APP_NS, 'lenient-0', { manual: false, labels: { [RESTORE_LABEL]: 'lenient' } });
    const post = await trigger(hookd.url, VELERO_NS, 'lenient');
    assert.equal(post.status, 202, JSON.stringify(post.body));
    const job = await ended(hookd.url, post.body.id);
    const [neg, unnamed] = podOf(job, 'lenient-0').hooks;
    assert.deepEqual([neg?.name, neg?.container, neg?.phase, neg?.stdout], ['neg', 'app', 'succeeded', 'neg\n']);
    assert.deepEqual([unnamed?.name, unnamed?.phase, unnamed?.error], ['', 'failed', 'hook  in container app failed to execute, err: hookName is required']);
    assert.ok(podOf(job, 'lenient-0').warnings.some((w) => /execTimeout: "-1s" is negative; Velero's exec takes its default 30s/.test(w)));
    assert.ok(job.warnings.some((w) => /resources\[1\]\.name: empty/.test(w)));
    assert.equal(execArrivals(sim, APP_NS, 'lenient-0').length, 1, 'only the named hook was executed');
  });

  test('a missing Restore is a 404 with a clear message', async () => {
    const res = await trigger(hookd.url, VELERO_NS, 'no-such-restore');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, {
      statusCode: 404,
      code: 'HOOKD_RESTORE_NOT_FOUND',
      error: 'Not Found',
      message: `Velero Restore ${VELERO_NS}/no-such-restore not found (velero.io/v1 restores): check the namespace and the name`,
    });
  });
});

describe('the Velero trigger with a token limited to one namespace', () => {
  let hookd: TestHookd;
  before(async () => {
    // The same cluster, seen through a token that may read only app-ns.
    assert.ok(sim.kubeconfig.includes(sim.token));
    hookd = await startHookd({ kubeconfig: sim.kubeconfig.replace(sim.token, LIMITED) });
  });
  after(async () => hookd?.stop());

  test("a Restore hookd may not read is a 403 that says what to grant", async () => {
    const res = await trigger(hookd.url, VELERO_NS, 'nightly');
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, {
      statusCode: 403,
      code: 'HOOKD_RESTORE_FORBIDDEN',
      error: 'Forbidden',
      message: `hookd may not read Velero Restore ${VELERO_NS}/nightly: grant its service account get on restores.velero.io`,
    });
  });

  test('a Restore it may read, whose pods it may not list cluster-wide: the job fails, saying why', async () => {
    await createRestore(APP_NS, 'local', { backupName: 'b' });
    const post = await trigger(hookd.url, APP_NS, 'local');
    assert.equal(post.status, 202, JSON.stringify(post.body));
    const job = await ended(hookd.url, post.body.id);
    assert.equal(job.status, 'failed');
    assert.match(job.error ?? '', /^pods could not be listed: .*forbidden/i);
    assert.deepEqual(job.pods, []);
  });
});
