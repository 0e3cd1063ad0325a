// NamespaceInformer against the simulated cluster with the real client-node Watch:
// list+watch, resume after a cut, relist on 410, a list whose continue token expires
// mid-pagination (410 through the lean client), backoff on 500s, the inactivity watchdog,
// and that stop() leaves no watch open and is not held by a credential plugin that hangs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { createJsonClient, type JsonClient } from '../../src/kube/json-request.ts';
import { NamespaceInformer } from '../../src/kube/namespace-informer.ts';
import { createPodLists } from '../../src/kube/pod-lists.ts';
import type { NamespaceInformerOptions } from '../../src/kube/namespace-informer.ts';
import { countApplies, kubeConfigWithToken, logSink, manualPod, startSim, until } from './support.ts';
import type { LogSink, SimEnv } from './support.ts';

let env: SimEnv;
let http: JsonClient;
let nsCount = 0;

before(async () => {
  env = await startSim({ watchHistory: 5 });
  http = createJsonClient(env.kc);
});
after(async () => {
  http.close();
  await env.sim.stop();
});

interface Recorder {
  informer: NamespaceInformer;
  upserts: string[];
  /** The last object upserted per name. */
  last: Map<string, V1Pod>;
  deletes: string[];
  sink: LogSink;
  /** Resolves when `name` has been upserted (or deleted) `n` times in all. */
  seen(kind: 'upsert' | 'delete', name: string, n?: number): Promise<void>;
}

function namespace(): string {
  const ns = `inf-${process.pid}-${nsCount++}`;
  env.sim.createNamespace(ns);
  return ns;
}

function record(ns: string, opts: Partial<NamespaceInformerOptions> = {}): Recorder {
  const upserts: string[] = [];
  const last = new Map<string, V1Pod>();
  const deletes: string[] = [];
  const waiters: Array<() => void> = [];
  const sink = logSink();
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const informer = new NamespaceInformer({
    kc: env.kc,
    namespace: ns,
    log: sink.log,
    lists: createPodLists(http),
    backoff: { initialMs: 100, maxMs: 400 },
    ...opts,
    handlers: {
      upsert: (pod: V1Pod) => {
        upserts.push(pod.metadata?.name ?? '');
        last.set(pod.metadata?.name ?? '', pod);
        notify();
      },
      delete: (name: string) => {
        deletes.push(name);
        notify();
      },
    },
  });
  const seen = async (kind: 'upsert' | 'delete', name: string, n = 1): Promise<void> => {
    const list = kind === 'upsert' ? upserts : deletes;
    const deadline = Date.now() + 10_000;
    while (list.filter((x) => x === name).length < n) {
      if (Date.now() > deadline) throw new Error(`no ${kind} of ${name} (seen ${kind}s: ${list.join(',')})`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200); // re-check the deadline even when nothing arrives
      });
    }
  };
  return { informer, upserts, last, deletes, sink, seen };
}

function watchGauge(ns: string): { current: number; max: number } {
  return env.sim.counters().watches.byNamespace[ns] ?? { current: 0, max: 0 };
}

describe('NamespaceInformer', () => {
  test('lists, then watches: adds, changes and deletes arrive; one watch per namespace', async (t) => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('a'));
    env.sim.createPod(ns, manualPod('b'));
    const r = record(ns);
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    assert.deepEqual([...r.upserts].sort(), ['a', 'b']);
    const listed = r.informer.versionOf('a');
    assert.ok(listed !== undefined && listed !== '');

    env.sim.createPod(ns, manualPod('c'));
    await r.seen('upsert', 'c');
    env.sim.setContainerState(ns, 'a', 'app', 'running', { ready: true });
    await r.seen('upsert', 'a', 2);
    assert.notEqual(r.informer.versionOf('a'), listed, 'the change moved the resourceVersion');
    assert.equal(r.last.get('a')?.status?.containerStatuses?.[0]?.ready, true);
    env.sim.deletePod(ns, 'b');
    await r.seen('delete', 'b');
    assert.equal(r.informer.versionOf('b'), undefined);

    await until('the watch to be open', () => watchGauge(ns).current === 1);
    assert.equal(watchGauge(ns).max, 1);
    assert.equal(r.informer.stats().lists, 1);
  });

  test('resumes from the last resourceVersion when the server cuts the watch, without relisting or losing events', async (t) => {
    const ns = namespace();
    // The first watch is cut after one event; the others arrive while the informer reconnects.
    const id = env.sim.faults.add({ kind: 'watch-cut', match: { verb: 'watch', namespace: ns }, afterEvents: 1, times: 1 });
    t.after(() => env.sim.faults.remove(id));
    const r = record(ns);
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    await until('the first watch', () => watchGauge(ns).current === 1);
    for (const name of ['p1', 'p2', 'p3']) env.sim.createPod(ns, manualPod(name));
    for (const name of ['p1', 'p2', 'p3']) await r.seen('upsert', name);
    assert.equal(r.informer.stats().lists, 1, 'a cut watch is resumed, not relisted');
    assert.ok(r.informer.stats().watches >= 2);
    assert.equal(r.informer.stats().failures, 0, 'a cut after an event is a normal reconnect');
    for (const name of ['p1', 'p2', 'p3']) assert.equal(r.upserts.filter((x) => x === name).length, 1, `${name} once`);
  });

  test('relists on 410 and emits the differences, deletes included', async (t) => {
    const ns = namespace();
    env.sim.createPod(ns, manualPod('old'));
    env.sim.createPod(ns, manualPod('kept'));
    // The first watch fails once, so the informer is away while history rolls past its resourceVersion.
    const id = env.sim.faults.add({ kind: 'error', status: 500, match: { verb: 'watch', namespace: ns }, times: 1 });
    t.after(() => env.sim.faults.remove(id));
    const r = record(ns, { backoff: { initialMs: 300, maxMs: 300 } });
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    env.sim.deletePod(ns, 'old');
    for (let i = 0; i < 8; i++) env.sim.createPod(ns, manualPod(`new-${i}`)); // more than watchHistory (5)
    await r.seen('delete', 'old');
    for (let i = 0; i < 8; i++) await r.seen('upsert', `new-${i}`);
    assert.equal(r.informer.stats().lists, 2);
    assert.equal(r.upserts.filter((x) => x === 'kept').length, 1, 'an unchanged pod is not re-emitted by the relist');
    assert.ok(r.sink.lines.some((l) => l['namespace'] === ns && String(l['reason']).includes('410')), 'the relist is logged with its reason');
    env.sim.createPod(ns, manualPod('after'));
    await r.seen('upsert', 'after');
  });

  test("a first list emits each page as it arrives: a pod on the first page is not held until the last", async (t) => {
    const ns = namespace();
    const names = Array.from({ length: 6 }, (_, i) => `p${i}`);
    for (const name of names) env.sim.createPod(ns, manualPod(name));
    // Pages of 2, each 300 ms late: the last page comes some 600 ms after the first.
    const id = env.sim.faults.add({ kind: 'latency', ms: 300, match: { verb: 'list', resource: 'pods', namespace: ns } });
    t.after(() => env.sim.faults.remove(id));
    const r = record(ns, { pageSize: 2 });
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.seen('upsert', 'p0');
    assert.equal(r.informer.synced, false, 'the list has not ended');
    assert.ok(!r.upserts.includes('p5'), `p5 is on the last page: ${r.upserts.join(',')}`);
    await r.informer.whenSynced();
    assert.deepEqual(r.upserts, names, 'each pod once, in list order');
  });

  test('a first list whose continue token expires mid-pagination (410) is listed again: synced with every pod once', async (t) => {
    const ns = namespace();
    const names = Array.from({ length: 7 }, (_, i) => `p${i}`);
    for (const name of names) env.sim.createPod(ns, manualPod(name));
    // Pages of 2: the second page's request is the first to carry a continue token.
    const id = env.sim.faults.add({ kind: 'continue-expired', match: { verb: 'list', resource: 'pods', namespace: ns }, times: 1 });
    t.after(() => env.sim.faults.remove(id));
    const r = record(ns, { pageSize: 2 });
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    assert.equal(env.sim.faults.list().find((f) => f.id === id)?.hits, 1, 'a continued page was answered 410');
    assert.deepEqual([...r.upserts].sort(), names, 'each pod once: nothing of the broken list was emitted');
    assert.deepEqual(r.deletes, []);
    assert.equal(r.informer.stats().lists, 2);
    assert.ok(
      r.sink.lines.some((l) => l['namespace'] === ns && l['level'] === 40 && /continue parameter is too old/.test(String(l['reason']))),
      "the failed list is logged with the API server's reason",
    );
  });

  test('a relist whose continue token expires mid-pagination emits no delete for pods it had not reached, and ends with the full set', async (t) => {
    const ns = namespace();
    const names = Array.from({ length: 9 }, (_, i) => `p${i}`);
    for (const name of names) env.sim.createPod(ns, manualPod(name));
    // The first watch fails once, so the informer is away while history rolls past its resourceVersion.
    const watchFault = env.sim.faults.add({ kind: 'error', status: 500, match: { verb: 'watch', namespace: ns }, times: 1 });
    t.after(() => env.sim.faults.remove(watchFault));
    const r = record(ns, { pageSize: 2, backoff: { initialMs: 300, maxMs: 300 } });
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    assert.equal(r.informer.stats().lists, 1);
    // The relist that the watch's 410 brings is cut at its second page: it had seen p0 and p1 only.
    const expire = env.sim.faults.add({ kind: 'continue-expired', match: { verb: 'list', namespace: ns }, times: 1 });
    t.after(() => env.sim.faults.remove(expire));
    env.sim.deletePod(ns, 'p4');
    const added = Array.from({ length: 6 }, (_, i) => `q${i}`); // more than watchHistory (5)
    for (const name of added) env.sim.createPod(ns, manualPod(name));
    // A relist emits its deletes together, before its upserts.
    await r.seen('delete', 'p4');
    assert.deepEqual(r.deletes, ['p4'], 'only the pod that went is deleted');
    for (const name of added) await r.seen('upsert', name);
    assert.equal(env.sim.faults.list().find((f) => f.id === expire)?.hits, 1, "the relist's continued page was answered 410");
    assert.equal(r.informer.stats().lists, 3, 'the first list, the one cut by the 410, and the one after it');
    const live = [...names.filter((n) => n !== 'p4'), ...added];
    for (const name of live) assert.ok(r.informer.versionOf(name) !== undefined, `${name} is known`);
    assert.equal(r.informer.versionOf('p4'), undefined);
    assert.equal(r.informer.stats().pods, live.length);
    for (const name of names.filter((n) => n !== 'p4')) assert.equal(r.upserts.filter((x) => x === name).length, 1, `${name}, unchanged, is not emitted again`);
    for (const name of added) assert.equal(r.upserts.filter((x) => x === name).length, 1, `${name} once`);
    // Still watching from the good list's resourceVersion.
    env.sim.createPod(ns, manualPod('after'));
    await r.seen('upsert', 'after');
  });

  test('backs off exponentially on 500s (no hot loop), then recovers', async (t) => {
    const ns = namespace();
    const id = env.sim.faults.add({ kind: 'error', status: 500, match: { verb: 'list', namespace: ns } });
    const r = record(ns, { backoff: { initialMs: 100, maxMs: 400 } });
    t.after(() => r.informer.stop());
    r.informer.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the span being measured
    const attempts = r.sink.lines.filter((l) => l['msg'] === 'pod watch reconnecting' && l['namespace'] === ns);
    // 100, 200, 400, 400 ... (each halved at worst by jitter): at most ~10 tries in 1.5 s, never hundreds.
    assert.ok(attempts.length >= 3 && attempts.length <= 12, `attempts: ${attempts.length}`);
    const delays = attempts.map((l) => Number(l['delayMs']));
    assert.ok(delays.every((d) => d >= 50 && d <= 400), `delays ${delays.join(',')}`);
    assert.ok(attempts.every((l) => l['level'] === 40), 'errors are logged as warnings');
    assert.match(String(attempts[0]?.['reason']), /list pods in .*: /);
    assert.deepEqual(
      attempts.slice(0, 3).map((l) => l['attempt']),
      [1, 2, 3],
    );
    env.sim.faults.remove(id);
    await r.informer.whenSynced();
    env.sim.createPod(ns, manualPod('late'));
    await r.seen('upsert', 'late');
  });

  test('a watch that gets no data within inactivityMs is restarted from its resourceVersion', async (t) => {
    const ns = namespace();
    const r = record(ns, { inactivityMs: 1_200 });
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    await until('three watches', () => r.informer.stats().watches >= 3, 8_000);
    assert.equal(r.informer.stats().lists, 1);
    assert.equal(r.informer.stats().failures, 0);
    await until('old watches to be closed', () => watchGauge(ns).current === 1);
    env.sim.createPod(ns, manualPod('x'));
    await r.seen('upsert', 'x');
  });

  test('server-side timeoutSeconds ends are normal reconnects', async (t) => {
    const ns = namespace();
    const r = record(ns, { timeoutSeconds: 2 });
    t.after(() => r.informer.stop());
    r.informer.start();
    await r.informer.whenSynced();
    await until('a reconnect', () => r.informer.stats().watches >= 2, 6_000);
    assert.equal(r.informer.stats().failures, 0);
    assert.equal(r.informer.stats().lists, 1);
  });

  test('stop() ends the watch and returns promptly even during a backoff wait', async () => {
    const ns = namespace();
    const r = record(ns, { backoff: { initialMs: 10_000, maxMs: 10_000 } });
    r.informer.start();
    await r.informer.whenSynced();
    await until('the watch', () => watchGauge(ns).current === 1);
    const started = Date.now();
    await r.informer.stop();
    assert.ok(Date.now() - started < 1_000);
    await until('the watch to close', () => watchGauge(ns).current === 0);

    const id = env.sim.faults.add({ kind: 'error', status: 503, match: { verb: 'list', namespace: ns } });
    try {
      const r2 = record(ns, { backoff: { initialMs: 10_000, maxMs: 10_000 } });
      r2.informer.start();
      await until('a failed list', () => r2.informer.stats().failures >= 1);
      const t0 = Date.now();
      await r2.informer.stop();
      assert.ok(Date.now() - t0 < 500, 'stop interrupts the backoff sleep');
    } finally {
      env.sim.faults.remove(id);
    }
  });

  test("stop() returns promptly while the list waits on a credential plugin that hangs (not at the list's deadline)", async (t) => {
    const ns = namespace();
    const kc = kubeConfigWithToken(env.sim, env.sim.token);
    const counted = countApplies(kc, () => true);
    const client = createJsonClient(kc);
    t.after(() => client.close());
    const r = record(ns, { kc, lists: createPodLists(client) });
    r.informer.start();
    await until('the list to wait on the plugin', () => counted.applied === 1);
    const started = Date.now();
    const stopped = await Promise.race([r.informer.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(resolve, 2_000, 'stuck').unref())]);
    assert.equal(stopped, 'stopped', 'the list waits 60 s for credentials unless the stop ends the wait');
    assert.ok(Date.now() - started < 500, `stopped ${Date.now() - started} ms after stop()`);
    assert.equal(r.informer.stats().lists, 1);
    assert.equal(r.informer.synced, false);
  });
});
