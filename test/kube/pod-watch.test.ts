// The PodWaiter over the simulated cluster: waits end on watch events, on the initial GET,
// on deletion, at the deadline or on abort; many waiters share one watch per namespace.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PodState } from '../../src/domain/types.ts';
import { KubeError } from '../../src/kube/errors.ts';
import { createPodWatchHub } from '../../src/kube/pod-watch.ts';
import type { PodWatchHub } from '../../src/kube/pod-watch.ts';
import { kubeConfigWithToken, logSink, manualPod, startSim, until } from './support.ts';
import type { SimEnv } from './support.ts';

const LIMITED_TOKEN = 'limited-token-for-pod-watch-tests';
let env: SimEnv;
let hub: PodWatchHub;
let nsCount = 0;

before(async () => {
  env = await startSim({ extraTokens: [{ token: LIMITED_TOKEN, namespaces: ['allowed'] }] });
  hub = createPodWatchHub({ kc: env.kc, log: logSink('warn').log, lingerMs: 200 });
});
after(async () => {
  await hub.stop();
  await env.sim.stop();
});

function namespace(): string {
  const ns = `pw-${process.pid}-${nsCount++}`;
  env.sim.createNamespace(ns);
  return ns;
}

const running = (container: string) => (s: PodState) =>
  s.kind === 'deleted' || s.pod.containerStatuses.some((c) => c.name === container && c.running);

const soon = (ms = 10_000) => Date.now() + ms;

describe('PodWatchHub', () => {
  test('resolves when a waiting pod becomes Running later', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('web', ['app', 'side']));
    const wait = hub.waitFor({ namespace: ns, name: 'web' }, running('side'), soon(), AbortSignal.timeout(20_000));
    await until('the subscription', () => hub.stats().subscribers >= 1);
    env.sim.setContainerState(ns, 'web', 'app', 'running');
    env.sim.setContainerState(ns, 'web', 'side', 'running', { ready: true });
    const r = await wait;
    assert.equal(r.timedOut, false);
    assert.equal(r.state.kind, 'present');
    if (r.state.kind === 'present') {
      assert.deepEqual(r.state.pod.containers, ['app', 'side']);
      assert.equal(r.state.pod.containerStatuses.find((c) => c.name === 'side')?.ready, true);
    }
  });

  test('resolves from the initial GET when the condition already holds, even with the watch unable to deliver', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('up'));
    env.sim.setContainerState(ns, 'up', 'app', 'running');
    // The informer cannot list (so it never watches): only the GET can see the pod.
    const id = env.sim.faults.add({ kind: 'error', status: 500, match: { verb: 'list', namespace: ns } });
    try {
      const r = await hub.waitFor({ namespace: ns, name: 'up' }, running('app'), soon(), AbortSignal.timeout(5_000));
      assert.equal(r.timedOut, false);
      assert.equal(env.sim.counters().watches.byNamespace[ns]?.max ?? 0, 0, 'no watch was involved');
    } finally {
      env.sim.faults.remove(id);
    }
  });

  test('a pod deleted while waiting ends the wait with { kind: deleted }', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('doomed'));
    const wait = hub.waitFor({ namespace: ns, name: 'doomed' }, running('app'), soon(), AbortSignal.timeout(20_000));
    await until('the watch', () => (env.sim.counters().watches.byNamespace[ns]?.current ?? 0) === 1);
    env.sim.deletePod(ns, 'doomed');
    const r = await wait;
    assert.deepEqual(r, { state: { kind: 'deleted' }, timedOut: false });
  });

  test('a pod that does not exist is { kind: deleted } (404 on the GET)', async () => {
    const ns = namespace();
    assert.deepEqual(await hub.get({ namespace: ns, name: 'ghost' }, AbortSignal.timeout(5_000)), { kind: 'deleted' });
    const r = await hub.waitFor({ namespace: ns, name: 'ghost' }, running('app'), soon(), AbortSignal.timeout(5_000));
    assert.deepEqual(r.state, { kind: 'deleted' });
  });

  test('the deadline resolves with the last observed state and timedOut', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('slow'));
    const t0 = Date.now();
    const r = await hub.waitFor({ namespace: ns, name: 'slow' }, running('app'), Date.now() + 400, AbortSignal.timeout(5_000));
    assert.equal(r.timedOut, true);
    assert.equal(r.state.kind, 'present');
    assert.ok(Date.now() - t0 >= 390);
    assert.equal(hub.stats().subscribers, 0);
  });

  test('a deadline already past still answers from the GET', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('past'));
    const late = await hub.waitFor({ namespace: ns, name: 'past' }, running('app'), Date.now() - 1, AbortSignal.timeout(5_000));
    assert.equal(late.timedOut, true);
    assert.equal(late.state.kind, 'present');
    const holds = await hub.waitFor({ namespace: ns, name: 'past' }, () => true, Date.now() - 1, AbortSignal.timeout(5_000));
    assert.equal(holds.timedOut, false);
  });

  test('abort rejects with the signal reason and removes the subscription', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('never'));
    const controller = new AbortController();
    const wait = hub.waitFor({ namespace: ns, name: 'never' }, running('app'), soon(), controller.signal);
    await until('the subscription', () => hub.stats().subscribers === 1);
    const reason = new Error('job cancelled');
    controller.abort(reason);
    await assert.rejects(wait, (err) => err === reason);
    assert.equal(hub.stats().subscribers, 0);
    const already = AbortSignal.abort(new Error('before'));
    await assert.rejects(hub.waitFor({ namespace: ns, name: 'never' }, running('app'), soon(), already), /before/);
  });

  test('get maps the live pod; a forbidden namespace is KUBE_FORBIDDEN', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('g', ['one', 'two'], { tier: 'db' }));
    const s = await hub.get({ namespace: ns, name: 'g' }, AbortSignal.timeout(5_000));
    assert.equal(s.kind, 'present');
    if (s.kind === 'present') {
      assert.equal(s.pod.name, 'g');
      assert.deepEqual(s.pod.labels, { tier: 'db' });
      assert.deepEqual(s.pod.containers, ['one', 'two']);
      assert.equal(s.pod.terminating, false);
      assert.ok(s.pod.uid.length > 0);
    }
    const limited = createPodWatchHub({ kc: kubeConfigWithToken(env.sim, LIMITED_TOKEN), log: logSink('silent').log, lingerMs: 0 });
    try {
      await assert.rejects(limited.get({ namespace: ns, name: 'g' }, AbortSignal.timeout(5_000)), (e) => e instanceof KubeError && e.code === 'KUBE_FORBIDDEN');
      await assert.rejects(
        limited.waitFor({ namespace: ns, name: 'g' }, running('one'), soon(), AbortSignal.timeout(5_000)),
        (e) => e instanceof KubeError && e.code === 'KUBE_FORBIDDEN',
      );
      assert.equal(limited.stats().subscribers, 0);
    } finally {
      await limited.stop();
    }
  });

  test('many waiters share one watch; the informer lingers, then stops', async () => {
    const ns = namespace();
    const n = 10_000;
    for (let i = 0; i < n; i++) env.sim.createPod(ns, manualPod(`p-${i}`));
    const controller = new AbortController();
    // One signal per waiter, as each pod job has its own.
    const waits = Array.from({ length: n }, (_, i) =>
      hub.waitFor({ namespace: ns, name: `p-${i}` }, running('app'), soon(60_000), AbortSignal.any([controller.signal])),
    );
    await until('all subscriptions', () => hub.stats().subscribers >= n);
    await until('the reads', () => Object.keys(env.sim.counters().requests.byPod).filter((k) => k.startsWith(`${ns}/`)).length >= n, 60_000);
    const t0 = Date.now();
    for (let i = 0; i < n; i++) env.sim.setContainerState(ns, `p-${i}`, 'app', 'running');
    const results = await Promise.all(waits);
    assert.ok(Date.now() - t0 < 5_000, `${n} waits resolved in ${Date.now() - t0} ms`);
    assert.ok(results.every((r) => !r.timedOut && r.state.kind === 'present'));
    const gauge = env.sim.counters().watches.byNamespace[ns];
    assert.equal(gauge?.max, 1, 'one watch for the whole namespace');
    assert.equal(hub.stats().subscribers, 0);
    // A new waiter within lingerMs reuses the running informer...
    const before = env.sim.counters().watches.started;
    await hub.waitFor({ namespace: ns, name: 'p-0' }, running('app'), soon(), controller.signal);
    assert.equal(env.sim.counters().watches.started, before);
    // ...and lingerMs after the last one leaves, the watch is closed.
    await until('the watch to close', () => (env.sim.counters().watches.byNamespace[ns]?.current ?? 0) === 0);
  });

  test('stop() rejects pending waits and closes the watches', async () => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('w'));
    const own = createPodWatchHub({ kc: env.kc, log: logSink('silent').log });
    const wait = own.waitFor({ namespace: ns, name: 'w' }, running('app'), soon(), AbortSignal.timeout(20_000));
    await until('the watch', () => (env.sim.counters().watches.byNamespace[ns]?.current ?? 0) === 1);
    await own.stop();
    await assert.rejects(wait, (e) => e instanceof KubeError && e.code === 'KUBE_UNAVAILABLE');
    await until('the watch to close', () => (env.sim.counters().watches.byNamespace[ns]?.current ?? 0) === 0);
    await assert.rejects(own.waitFor({ namespace: ns, name: 'w' }, running('app'), soon(), AbortSignal.timeout(1_000)), /stopped/);
  });
});

describe('PodWatchHub read-ahead', () => {
  test("known: a pod named to expect is known once its page of the list arrives, before the list's last page", async (t) => {
    const ns = namespace();
    const names = Array.from({ length: 6 }, (_, i) => `p${i}`);
    for (const name of names) env.sim.createPod(ns, manualPod(name));
    const own = createPodWatchHub({ kc: env.kc, log: logSink('warn').log, lingerMs: 60_000, informer: { pageSize: 2 } });
    t.after(() => own.stop());
    // The namespace's informer lists first (with p0 expected); then the others are named to
    // it, which it had passed without keeping: they cost one list made for them, in pages of 2.
    await own.expect(ns, ['p0']);
    const id = env.sim.faults.add({ kind: 'latency', ms: 300, match: { verb: 'list', resource: 'pods', namespace: ns } });
    t.after(() => env.sim.faults.remove(id));
    let listed = false;
    const all = own.expect(ns, [...names.slice(1), 'ghost']).then(() => (listed = true));
    const first = own.known({ namespace: ns, name: 'p1' });
    const ghost = own.known({ namespace: ns, name: 'ghost' });
    await first;
    assert.equal(listed, false, 'p1 (first page) is known while the list goes on');
    let ghostKnown = false;
    void ghost.then(() => (ghostKnown = true));
    await all;
    await ghost;
    assert.ok(ghostKnown, 'a pod the list does not bring is waited for until the list ends');
    // Known, or never expected: at once.
    await Promise.race([own.known({ namespace: ns, name: 'p5' }), new Promise((_, reject) => setTimeout(() => reject(new Error('p5 not at once')), 50))]);
    await Promise.race([own.known({ namespace: ns, name: 'other' }), new Promise((_, reject) => setTimeout(() => reject(new Error('other not at once')), 50))]);
  });

  test('known: a pod read (its track released) while its list still runs no longer holds a waiter', async (t) => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('a'));
    const own = createPodWatchHub({ kc: env.kc, log: logSink('warn').log, lingerMs: 60_000 });
    t.after(() => own.stop());
    const id = env.sim.faults.add({ kind: 'latency', ms: 2_000, match: { verb: 'list', resource: 'pods', namespace: ns } });
    t.after(() => env.sim.faults.remove(id));
    void own.expect(ns, ['a']);
    let woken = false;
    void own.known({ namespace: ns, name: 'a' }).then(() => (woken = true));
    // The pod's run gave up waiting and read it itself; its track is released.
    own.track?.({ namespace: ns, name: 'a' }).release();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(woken, true, 'released before its list ended');
  });
});
