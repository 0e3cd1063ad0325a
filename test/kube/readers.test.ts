// Pod listing (selector, pagination, order, a continue token that expires), Velero Restore
// reading (found, 404, 403) and the health check, over the simulated cluster.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { KubeError } from '../../src/kube/errors.ts';
import { createKubeHealth } from '../../src/kube/health.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { createPodReader } from '../../src/kube/pods.ts';
import { createRestoreReader } from '../../src/kube/restores.ts';
import { kubeConfigWithToken, manualPod, startSim } from './support.ts';
import type { SimEnv } from './support.ts';

const LIMITED = 'limited-token-for-reader-tests';
let env: SimEnv;
const nsA = `ra-${process.pid}`;
const nsB = `rb-${process.pid}`;

before(async () => {
  env = await startSim({ extraTokens: [{ token: LIMITED, namespaces: [nsA] }] });
  env.sim.createNamespace(nsA);
  env.sim.createNamespace(nsB);
  env.sim.createNamespace('velero');
});
after(async () => {
  await env.sim.stop();
});

describe('createPodReader', () => {
  test('lists by selector across pages, sorted by name', async () => {
    // More than one page (500) of matching pods, created out of order.
    const names = Array.from({ length: 1_203 }, (_, i) => `m-${String(i).padStart(4, '0')}`).reverse();
    for (const name of names) env.sim.createPod(nsA, manualPod(name, ['app'], { 'velero.io/restore-name': 'r1' }));
    env.sim.createPod(nsA, manualPod('other', ['app'], { 'velero.io/restore-name': 'r2' }));
    env.sim.createPod(nsB, manualPod('b-1', ['app'], { 'velero.io/restore-name': 'r1' }));
    const before = env.sim.counters().requests.byRoute['list /api/v1/namespaces/{namespace}/pods'] ?? 0;
    const refs = await createPodReader(env.kc).list(nsA, 'velero.io/restore-name=r1');
    assert.equal(refs.length, 1_203);
    assert.deepEqual(refs.map((r) => r.name), [...names].sort());
    assert.ok(refs.every((r) => r.namespace === nsA));
    const pages = (env.sim.counters().requests.byRoute['list /api/v1/namespaces/{namespace}/pods'] ?? 0) - before;
    assert.equal(pages, 3, 'three pages of 500');
  });

  test('listAll spans namespaces, sorted by namespace then name', async () => {
    const refs = await createPodReader(env.kc).listAll('velero.io/restore-name=r1');
    assert.equal(refs.length, 1_204);
    assert.deepEqual(refs.at(-1), { namespace: nsB, name: 'b-1' });
    assert.deepEqual(refs[0], { namespace: nsA, name: 'm-0000' });
  });

  test('an empty selector lists everything; no match is an empty list', async () => {
    assert.equal((await createPodReader(env.kc).list(nsB, '')).length, 1);
    assert.deepEqual(await createPodReader(env.kc).list(nsB, 'velero.io/restore-name=none'), []);
  });

  test('a token limited to other namespaces gets KUBE_FORBIDDEN', async () => {
    const reader = createPodReader(kubeConfigWithToken(env.sim, LIMITED));
    assert.equal((await reader.list(nsA, 'velero.io/restore-name=r2')).length, 1);
    await assert.rejects(reader.list(nsB, ''), (e) => e instanceof KubeError && e.code === 'KUBE_FORBIDDEN' && e.statusCode === 403);
    await assert.rejects(reader.listAll(''), (e) => e instanceof KubeError && e.code === 'KUBE_FORBIDDEN');
  });

  test('a continue token that expires (410) mid-list starts the selection again: each pod exactly once, sorted; past the attempts the 410 is the answer', async (t) => {
    const ns = `rc-${process.pid}`;
    env.sim.createNamespace(ns);
    const selector = 'velero.io/restore-name=r410';
    // Three pages of 500, created out of order, and pods the selector leaves out.
    const names = Array.from({ length: 1_001 }, (_, i) => `e-${String(i).padStart(4, '0')}`).reverse();
    for (const name of names) env.sim.createPod(ns, manualPod(name, ['app'], { 'velero.io/restore-name': 'r410' }));
    for (const name of ['x-1', 'x-2']) env.sim.createPod(ns, manualPod(name, ['app'], { 'velero.io/restore-name': 'other' }));
    const listRoute = 'list /api/v1/namespaces/{namespace}/pods';
    const lists = (): number => env.sim.counters().requests.byRoute[listRoute] ?? 0;
    const reader = createPodReader(env.kc);
    t.after(() => env.sim.faults.clear());

    // The first two attempts are each cut at their second page; the third lists all three.
    const twice = env.sim.faults.add({ kind: 'continue-expired', match: { verb: 'list', resource: 'pods', namespace: ns }, times: 2 });
    const before = lists();
    const refs = await reader.list(ns, selector);
    assert.equal(env.sim.faults.list().find((f) => f.id === twice)?.hits, 2);
    assert.equal(refs.length, names.length);
    assert.equal(new Set(refs.map((r) => r.name)).size, names.length, 'no pod twice');
    assert.deepEqual(refs.map((r) => r.name), [...names].sort());
    assert.ok(refs.every((r) => r.namespace === ns));
    assert.equal(lists() - before, 2 + 2 + 3, 'each attempt starts again from the first page, not from the answered token');
    env.sim.faults.remove(twice);

    // Across namespaces the same (the all-namespaces list has no namespace to match).
    const once = env.sim.faults.add({ kind: 'continue-expired', match: { verb: 'list', resource: 'pods' }, times: 1 });
    assert.deepEqual(await reader.listAll(selector), refs);
    assert.equal(env.sim.faults.list().find((f) => f.id === once)?.hits, 1);
    env.sim.faults.remove(once);

    // A token that keeps expiring: the attempts are bounded and the 410 comes out with its reason.
    const always = env.sim.faults.add({ kind: 'continue-expired', match: { verb: 'list', namespace: ns } });
    const start = lists();
    await assert.rejects(
      reader.list(ns, selector),
      (e) => e instanceof KubeError && e.code === 'KUBE_GONE' && e.statusCode === 410 && /continue parameter is too old/.test(e.message),
    );
    assert.equal(lists() - start, 3 * 2, 'three attempts of two pages each');
    env.sim.faults.remove(always);
  });
});

describe('createRestoreReader', () => {
  const hooks = {
    resources: [{ name: 'freeze', includedNamespaces: [nsA], postHooks: [{ exec: { container: 'app', command: ['/bin/true'], onError: 'Fail' } }] }],
  };

  before(async () => {
    // Created through the API with client-node, as Velero would.
    const api = env.kc.makeApiClient(CustomObjectsApi);
    const restore = (name: string, spec: object) => ({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name }, spec });
    const target = { group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores' };
    await api.createNamespacedCustomObject({ ...target, body: restore('nightly', { backupName: 'b', hooks }) });
    await api.createNamespacedCustomObject({ ...target, body: restore('bare', { backupName: 'b' }) });
  });

  test('reads spec.hooks', async () => {
    const r = await createRestoreReader(env.kc).read('velero', 'nightly');
    assert.deepEqual(r.hooks, hooks);
    assert.equal((r.raw as { metadata: { name: string } }).metadata.name, 'nightly');
  });

  test('a Restore without hooks has hooks null', async () => {
    assert.equal((await createRestoreReader(env.kc).read('velero', 'bare')).hooks, null);
  });

  test('404 is KUBE_NOT_FOUND, 403 is KUBE_FORBIDDEN', async () => {
    await assert.rejects(createRestoreReader(env.kc).read('velero', 'missing'), (e) => e instanceof KubeError && e.code === 'KUBE_NOT_FOUND' && /missing/.test(e.message));
    await assert.rejects(createRestoreReader(kubeConfigWithToken(env.sim, LIMITED)).read('velero', 'nightly'), (e) => e instanceof KubeError && e.code === 'KUBE_FORBIDDEN');
  });
});

describe('createKubeHealth', () => {
  test('ok against the sim, names the server', async () => {
    assert.deepEqual(await createKubeHealth(env.kc).check(), { ok: true, server: env.sim.url });
  });

  test('a wrong token or an unreachable server is not ok, with a reason, and never throws', async () => {
    const bad = await createKubeHealth(kubeConfigWithToken(env.sim, 'wrong-token')).check();
    assert.equal(bad.ok, false);
    assert.match(bad.error ?? '', /401/);
    const text = env.sim.kubeconfig.replace(env.sim.url, 'https://127.0.0.1:1');
    const down = await createKubeHealth(loadKubeConfig({ kind: 'kubeconfig-text', text }).kc).check();
    assert.equal(down.ok, false);
    assert.match(down.error ?? '', /unreachable/);
  });

  test('a server that never answers is not ok within the timeout', async (t) => {
    // The sim injects faults on resource routes only, not on /version: a socket that
    // accepts and never speaks stands in for a hung API server.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const port = (silent.address() as AddressInfo).port;
    const text = env.sim.kubeconfig.replace(env.sim.url, `https://127.0.0.1:${port}`);
    const t0 = Date.now();
    const r = await createKubeHealth(loadKubeConfig({ kind: 'kubeconfig-text', text }).kc, 200).check();
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /no answer within 200 ms/);
    assert.ok(Date.now() - t0 < 1_000);
    const aborted = await createKubeHealth(env.kc).check(AbortSignal.abort(new Error('shutting down')));
    assert.deepEqual(aborted, { ok: false, server: env.sim.url, error: 'shutting down' });
  });
});
