// The sim's REST API through the real client-node: pods, namespaces, status patches in
// the three patch formats, Velero restores through CustomObjectsApi, errors as v1 Status
// with the API server's codes and reasons, and bearer-token auth (401, 403).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { apiError, podManifest, rawRequest, type StatusBody } from './support.ts';

const LIMITED = 'limited-token-for-tests';
const { sim, kc } = await startSim({ extraTokens: [{ token: LIMITED, namespaces: ['team-a'] }], lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

function kcWithToken(token: string | null): KubeConfig {
  const c = new KubeConfig();
  c.loadFromString(token === null ? sim.kubeconfig.replace(/\n\s+token: .*\n/, '\n') : sim.kubeconfig.replace(sim.token, token));
  return c;
}

describe('namespaces', () => {
  it('creates, gets and lists namespaces; a duplicate is 409 AlreadyExists', async () => {
    const created = await core.createNamespace({ body: { metadata: { name: 'team-a', labels: { tier: 'x' } } } });
    assert.equal(created.status?.phase, 'Active');
    assert.ok(created.metadata?.uid);
    assert.equal((await core.readNamespace({ name: 'team-a' })).metadata?.labels?.['tier'], 'x');
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    assert.ok(names.includes('default') && names.includes('team-a'));
    const dup = await apiError(() => core.createNamespace({ body: { metadata: { name: 'team-a' } } }));
    assert.equal(dup.code, 409);
    assert.equal(dup.body.reason, 'AlreadyExists');
    assert.equal(dup.body.message, 'namespaces "team-a" already exists');
  });

  it('refuses a pod in a namespace that does not exist (404)', async () => {
    const e = await apiError(() => core.createNamespacedPod({ namespace: 'nowhere', body: podManifest('p') }));
    assert.equal(e.code, 404);
    assert.equal(e.body.message, 'namespaces "nowhere" not found');
  });
});

describe('pods', () => {
  it('sets uid, creationTimestamp and a resourceVersion that grows across objects', async () => {
    const a = await core.createNamespacedPod({ namespace: 'default', body: podManifest('rv-a', { manual: true }) });
    const ns = await core.createNamespace({ body: { metadata: { name: 'rv-ns' } } });
    const b = await core.createNamespacedPod({ namespace: 'default', body: podManifest('rv-b', { manual: true }) });
    assert.match(a.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(a.metadata?.creationTimestamp instanceof Date);
    const rvs = [a, ns, b].map((o) => Number(o.metadata?.resourceVersion));
    assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `not increasing: ${rvs.join(',')}`);
    assert.equal(a.status?.phase, 'Pending');
  });

  it('gets, replaces and deletes a pod; errors are v1 Status objects', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('crud', { manual: true }) });
    const got = await core.readNamespacedPod({ namespace: 'default', name: 'crud' });
    got.metadata!.labels = { changed: 'yes' };
    const replaced = await core.replaceNamespacedPod({ namespace: 'default', name: 'crud', body: got });
    assert.equal(replaced.metadata?.labels?.['changed'], 'yes');
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(got.metadata?.resourceVersion));
    // A stale resourceVersion is a 409 Conflict.
    const stale = await apiError(() => core.replaceNamespacedPod({ namespace: 'default', name: 'crud', body: got }));
    assert.equal(stale.code, 409);
    assert.equal(stale.body.reason, 'Conflict');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'crud', gracePeriodSeconds: 0 });
    const gone = await apiError(() => core.readNamespacedPod({ namespace: 'default', name: 'crud' }));
    assert.equal(gone.code, 404);
    assert.deepEqual(
      { kind: gone.body.kind, status: gone.body.status, reason: gone.body.reason, message: gone.body.message },
      { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "crud" not found' },
    );
  });

  it('answers an invalid pod with 422 Invalid and its causes', async () => {
    const e = await apiError(() => core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'Bad_Name' }, spec: { containers: [] } } }));
    assert.equal(e.code, 422);
    assert.equal(e.body.reason, 'Invalid');
    const fields = (e.body.details?.causes ?? []).map((c) => c.field);
    assert.deepEqual(fields.sort(), ['metadata.name', 'spec.containers']);
    const dupContainers = await apiError(() =>
      core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'dup' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] } } }),
    );
    assert.equal(dupContainers.code, 422);
    assert.match(dupContainers.body.message ?? '', /Duplicate value: "a"/);
  });

  it('lists with labelSelector and fieldSelector (metadata.name, metadata.namespace, status.phase)', async () => {
    await core.createNamespace({ body: { metadata: { name: 'sel' } } });
    for (const [name, labels] of [
      ['s1', { app: 'db', tier: 'a' }],
      ['s2', { app: 'db', tier: 'b' }],
      ['s3', { app: 'web' }],
    ] as const) {
      await core.createNamespacedPod({ namespace: 'sel', body: podManifest(name, { labels, manual: true }) });
    }
    sim.setContainerState('sel', 's2', 'app', 'running', { ready: true });
    const names = async (q: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace: 'sel', ...q })).items.map((p) => p.metadata?.name ?? '').sort();
    assert.deepEqual(await names({ labelSelector: 'app=db' }), ['s1', 's2']);
    assert.deepEqual(await names({ labelSelector: 'app in (db,web),tier!=b' }), ['s1', 's3']);
    assert.deepEqual(await names({ labelSelector: '!tier' }), ['s3']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name=s3' }), ['s3']);
    assert.deepEqual(await names({ fieldSelector: 'status.phase=Running' }), ['s2']);
    assert.deepEqual(await names({ fieldSelector: 'status.phase!=Running', labelSelector: 'app=db' }), ['s1']);
    const all = await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=sel' });
    assert.equal(all.items.length, 3);
    const bad = await apiError(() => core.listNamespacedPod({ namespace: 'sel', fieldSelector: 'spec.image=x' }));
    assert.equal(bad.code, 400);
    assert.equal(bad.body.message, 'field label not supported: spec.image');
  });

  it('pages a list with limit and continue', async () => {
    const first = await core.listNamespacedPod({ namespace: 'sel', limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata?._continue);
    const rest = await core.listNamespacedPod({ namespace: 'sel', limit: 2, _continue: first.metadata._continue });
    assert.deepEqual(rest.items.map((p) => p.metadata?.name), ['s3']);
    assert.equal(rest.metadata?._continue, undefined);
  });
});

describe('pods/status', () => {
  const status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: new Date() } } }],
  };

  it('patches status with JSON Patch (client-node default) and leaves spec alone', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('st-json', { manual: true }) });
    const patched = await core.patchNamespacedPodStatus({
      namespace: 'default',
      name: 'st-json',
      body: [{ op: 'replace', path: '/status', value: status }],
    });
    assert.equal(patched.status?.phase, 'Running');
    assert.equal(patched.status?.containerStatuses?.[0]?.state?.running !== undefined, true);
    assert.equal(patched.spec?.containers[0]?.name, 'app');
  });

  it('patches status with a JSON merge patch', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('st-merge', { manual: true }) });
    const patched = await core.patchNamespacedPodStatus(
      { namespace: 'default', name: 'st-merge', body: { status: { phase: 'Running', podIP: '10.0.0.9' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(patched.status?.phase, 'Running');
    assert.equal(patched.status?.podIP, '10.0.0.9');
    assert.equal(patched.status?.qosClass, 'BestEffort', 'merge keeps the fields the patch does not name');
  });

  it('merges conditions by type and containerStatuses by name with a strategic merge patch', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('st-smp', { containers: ['a', 'b'], manual: true }) });
    sim.setContainerState('default', 'st-smp', 'a', 'running', { ready: false });
    sim.setContainerState('default', 'st-smp', 'b', 'waiting');
    const patched = await core.patchNamespacedPodStatus(
      {
        namespace: 'default',
        name: 'st-smp',
        body: {
          status: {
            conditions: [{ type: 'Ready', status: 'True' }],
            containerStatuses: [{ name: 'b', ready: true, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const byName = new Map(patched.status?.containerStatuses?.map((c) => [c.name, c]));
    assert.equal(byName.size, 2, 'container a is kept');
    assert.equal(byName.get('a')?.state?.running !== undefined, true);
    assert.equal(byName.get('b')?.ready, true);
    assert.equal(byName.get('b')?.state?.running !== undefined, true);
    // As on a cluster, the nested state map merges: waiting stays unless the patch nulls it.
    assert.equal(byName.get('b')?.state?.waiting?.reason, 'ContainerCreating');
    const types = patched.status?.conditions?.map((c) => c.type) ?? [];
    assert.ok(types.includes('PodScheduled') && types.includes('Ready'));
    assert.equal(patched.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('refuses a patch of an unknown pod (404) and an unknown patch type (415)', async () => {
    const e = await apiError(() => core.patchNamespacedPodStatus({ namespace: 'default', name: 'ghost', body: [] }));
    assert.equal(e.code, 404);
    const res = await rawRequest(sim, 'PATCH', '/api/v1/namespaces/default/pods/st-json/status', {
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(res.status, 415);
    assert.equal((res.json() as StatusBody).reason, 'UnsupportedMediaType');
  });
});

describe('Velero restores through CustomObjectsApi', () => {
  it('creates, gets and lists restores as given, per namespace and across namespaces', async () => {
    await core.createNamespace({ body: { metadata: { name: 'velero' } } });
    const body = {
      apiVersion: 'velero.io/v1',
      kind: 'Restore',
      metadata: { name: 'r1', labels: { run: '1' } },
      spec: { backupName: 'b1', hooks: { resources: [{ name: 'h', postHooks: [{ exec: { command: ['echo', 'x'] } }] }] } },
      status: { phase: 'InProgress' },
    };
    const created = (await custom.createNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores', body })) as typeof body;
    assert.deepEqual(created.spec, body.spec);
    assert.equal(created.status.phase, 'InProgress');
    const got = (await custom.getNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores', name: 'r1' })) as typeof body;
    assert.equal(got.spec.backupName, 'b1');
    const list = (await custom.listClusterCustomObject({ group: 'velero.io', version: 'v1', plural: 'restores' })) as { items: Array<typeof body> };
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]?.kind, 'Restore');
    const missing = await apiError(() => custom.getNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores', name: 'nope' }));
    assert.equal(missing.code, 404);
    assert.equal(missing.body.message, 'restores.velero.io "nope" not found');
  });
});

describe('auth', () => {
  it('answers 401 Unauthorized without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token']) {
      // client-node drops the body of a 401 (its generated code throws without it).
      const e = await apiError(() => kcWithToken(token).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' }));
      assert.equal(e.code, 401);
      const raw = await rawRequest(sim, 'GET', '/api/v1/namespaces/default/pods', { token });
      assert.equal(raw.status, 401);
      assert.deepEqual(raw.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const discovery = await rawRequest(sim, 'GET', '/api/v1', { token: null });
    assert.equal(discovery.status, 401, 'discovery needs a token too');
    assert.equal((await rawRequest(sim, 'GET', '/healthz', { token: null })).text, 'ok');
  });

  it('limits a token to its namespaces: 403 Forbidden elsewhere and at the cluster scope', async () => {
    const limited = kcWithToken(LIMITED).makeApiClient(CoreV1Api);
    await limited.createNamespacedPod({ namespace: 'team-a', body: podManifest('mine', { manual: true }) });
    assert.equal((await limited.listNamespacedPod({ namespace: 'team-a' })).items.length, 1);
    const other = await apiError(() => limited.listNamespacedPod({ namespace: 'default' }));
    assert.equal(other.code, 403);
    assert.equal(other.body.reason, 'Forbidden');
    assert.match(other.body.message ?? '', /^pods is forbidden: User ".+" cannot list resource "pods" in API group "" in the namespace "default"$/);
    const cluster = await apiError(() => limited.listPodForAllNamespaces());
    assert.equal(cluster.code, 403);
    assert.match(cluster.body.message ?? '', /at the cluster scope$/);
    const status = await apiError(() => limited.patchNamespacedPodStatus({ namespace: 'default', name: 'st-json', body: [] }));
    assert.equal(status.code, 403);
    assert.match(status.body.message ?? '', /cannot patch resource "pods\/status"/);
  });
});
