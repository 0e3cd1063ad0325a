// Watches through client-node's Watch and informer: events after a resourceVersion, the
// current state first without one, selectors (with objects entering and leaving them),
// all namespaces, 410 Expired beyond the retained history, bookmarks, timeoutSeconds,
// and the wire format (one JSON event per line, streamed).

import assert from 'node:assert/strict';
import { request } from 'node:https';
import { describe, it } from 'node:test';
import { CoreV1Api, makeInformer, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { collectWatch, podManifest } from './support.ts';

const { sim, kc } = await startSim({ watchHistory: 20, bookmarkIntervalMs: 50, lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const core = kc.makeApiClient(CoreV1Api);
sim.createNamespace('w1');
sim.createNamespace('w2');

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED for a namespace, from the list resourceVersion', async () => {
    const list = await core.listNamespacedPod({ namespace: 'w1' });
    const w = await collectWatch(kc, '/api/v1/namespaces/w1/pods', { resourceVersion: list.metadata?.resourceVersion ?? '' });
    await core.createNamespacedPod({ namespace: 'w1', body: podManifest('a', { manual: true }) });
    await core.createNamespacedPod({ namespace: 'w2', body: podManifest('other', { manual: true }) });
    await core.patchNamespacedPodStatus({ namespace: 'w1', name: 'a', body: [{ op: 'add', path: '/status/phase', value: 'Running' }] });
    await core.deleteNamespacedPod({ namespace: 'w1', name: 'a', gracePeriodSeconds: 0 });
    await w.next((e) => e.type === 'DELETED');
    w.abort();
    assert.deepEqual(
      w.events.map((e) => `${e.type} ${e.object.metadata?.name} ${e.object.status?.phase}`),
      ['ADDED a Pending', 'MODIFIED a Running', 'DELETED a Running'],
    );
    const rvs = w.events.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.ok(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!), `resourceVersions grow: ${rvs.join(',')}`);
  });

  it('without a resourceVersion, sends the current objects as ADDED first', async () => {
    sim.createPod('w2', podManifest('existing', { manual: true }));
    const w = await collectWatch(kc, '/api/v1/namespaces/w2/pods', {});
    const names = (await w.next((e) => e.object.metadata?.name === 'existing')) && w.events.map((e) => e.object.metadata?.name).sort();
    w.abort();
    assert.deepEqual(names, ['existing', 'other']);
    assert.ok(w.events.every((e) => e.type === 'ADDED'));
  });

  it('resumes after a resourceVersion with only the later events (watch=1 accepted)', async () => {
    const before = sim.createPod('w2', podManifest('r1', { manual: true })) as V1Pod;
    sim.createPod('w2', podManifest('r2', { manual: true }));
    const w = await collectWatch(kc, '/api/v1/namespaces/w2/pods', { resourceVersion: before.metadata?.resourceVersion ?? '' });
    await w.next((e) => e.object.metadata?.name === 'r2');
    w.abort();
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED r2']);
  });

  it('filters by labelSelector across all namespaces, with objects entering and leaving the selection', async () => {
    const list = await core.listPodForAllNamespaces();
    const w = await collectWatch(kc, '/api/v1/pods', { resourceVersion: list.metadata?.resourceVersion ?? '', labelSelector: 'team=blue' });
    sim.createPod('w1', podManifest('blue-1', { labels: { team: 'blue' }, manual: true }));
    sim.createPod('w2', podManifest('red-1', { labels: { team: 'red' }, manual: true }));
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await core.patchNamespacedPod({ namespace: 'w2', name: 'red-1', body: { metadata: { labels: { team: 'blue' } } } }, merge);
    await core.patchNamespacedPod({ namespace: 'w1', name: 'blue-1', body: { metadata: { labels: { team: 'red' } } } }, merge);
    await w.next((e) => e.type === 'DELETED');
    w.abort();
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata?.namespace}/${e.object.metadata?.name}`), [
      'ADDED w1/blue-1',
      'ADDED w2/red-1',
      'DELETED w1/blue-1',
    ]);
  });

  it('filters by fieldSelector status.phase as the kubelet moves a pod', async () => {
    const w = await collectWatch(kc, '/api/v1/namespaces/w1/pods', { fieldSelector: 'status.phase=Running' });
    sim.createPod('w1', podManifest('auto'));
    const running = await w.next((e) => e.object.metadata?.name === 'auto');
    w.abort();
    assert.equal(running.type, 'ADDED', 'entering the selection is an ADDED');
    assert.equal(running.object.status?.phase, 'Running');
  });

  it("a watch for one pod by name (metadata.name=, as Velero's per-pod informers) sees that pod only, next to unfiltered and all-namespace watches", async () => {
    // Namespaces of its own: the pods other tests started are still moving through their phases.
    sim.createNamespace('n1');
    sim.createNamespace('n2');
    const list = await core.listNamespacedPod({ namespace: 'n1' });
    const rv = list.metadata?.resourceVersion ?? '';
    const one = await collectWatch(kc, '/api/v1/namespaces/n1/pods', { fieldSelector: 'metadata.name=named-a', resourceVersion: rv });
    const other = await collectWatch(kc, '/api/v1/namespaces/n1/pods', { fieldSelector: 'metadata.name=named-b', resourceVersion: rv });
    const everywhere = await collectWatch(kc, '/api/v1/pods', { fieldSelector: 'metadata.name=named-a', resourceVersion: rv });
    const all = await collectWatch(kc, '/api/v1/namespaces/n1/pods', { resourceVersion: rv });
    // Two watches for the same name (Velero's informer relisting beside its old watch).
    const twice = await collectWatch(kc, '/api/v1/namespaces/n1/pods', { fieldSelector: 'metadata.name=named-a,status.phase=Running', resourceVersion: rv });
    for (const name of ['named-a', 'named-b', 'named-c']) sim.createPod('n1', podManifest(name, { manual: true }));
    sim.createPod('n2', podManifest('named-a', { manual: true }));
    await core.patchNamespacedPodStatus({ namespace: 'n1', name: 'named-a', body: [{ op: 'add', path: '/status/phase', value: 'Running' }] });
    await core.deleteNamespacedPod({ namespace: 'n1', name: 'named-a', gracePeriodSeconds: 0 });
    await core.deleteNamespacedPod({ namespace: 'n1', name: 'named-b', gracePeriodSeconds: 0 });
    await one.next((e) => e.type === 'DELETED');
    await other.next((e) => e.type === 'DELETED');
    await all.next((e) => e.type === 'DELETED' && e.object.metadata?.name === 'named-b');
    await twice.next((e) => e.type === 'DELETED');
    await everywhere.next((e) => e.type === 'DELETED');
    for (const w of [one, other, everywhere, all, twice]) w.abort();
    const seen = (w: typeof one): string[] => w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata?.namespace}/${e.object.metadata?.name}`);
    assert.deepEqual(seen(one), ['ADDED n1/named-a', 'MODIFIED n1/named-a', 'DELETED n1/named-a']);
    assert.deepEqual(seen(other), ['ADDED n1/named-b', 'DELETED n1/named-b']);
    assert.deepEqual(seen(everywhere), ['ADDED n1/named-a', 'ADDED n2/named-a', 'MODIFIED n1/named-a', 'DELETED n1/named-a']);
    assert.deepEqual(seen(twice), ['ADDED n1/named-a', 'DELETED n1/named-a'], 'entering the second requirement is an ADDED');
    assert.deepEqual(seen(all), ['ADDED n1/named-a', 'ADDED n1/named-b', 'ADDED n1/named-c', 'MODIFIED n1/named-a', 'DELETED n1/named-a', 'DELETED n1/named-b']);
  });

  it('answers a resourceVersion older than the retained history with a 410 Expired ERROR and ends the stream', async () => {
    const old = sim.createPod('w2', podManifest('old', { manual: true })) as V1Pod;
    for (let i = 0; i < 25; i++) sim.patchPodStatus('w2', 'old', { message: `churn ${i}` });
    const w = await collectWatch(kc, '/api/v1/namespaces/w2/pods', { resourceVersion: old.metadata?.resourceVersion ?? '' });
    const err = await w.next((e) => e.type === 'ERROR');
    assert.equal(await w.done, null, 'the server ends the stream after the ERROR');
    const status = err.object as unknown as { code: number; reason: string; message: string };
    assert.equal(status.code, 410);
    assert.equal(status.reason, 'Expired');
    assert.match(status.message, /^too old resource version: \d+ \(\d+\)$/);
  });

  it('sends BOOKMARK events when allowed, carrying only a resourceVersion', async () => {
    const w = await collectWatch(kc, '/api/v1/namespaces/w1/pods', { allowWatchBookmarks: true, resourceVersion: String(Number.MAX_SAFE_INTEGER) });
    const b = await w.next((e) => e.type === 'BOOKMARK');
    w.abort();
    assert.deepEqual(Object.keys(b.object.metadata ?? {}), ['resourceVersion']);
    assert.equal(b.object.kind, 'Pod');
    const noBookmarks = await collectWatch(kc, '/api/v1/namespaces/w1/pods', { timeoutSeconds: 1 });
    await noBookmarks.done;
    assert.ok(noBookmarks.events.every((e) => e.type !== 'BOOKMARK'));
  });

  it('with sendInitialEvents, marks the end of the initial state with an annotated BOOKMARK', async () => {
    const w = await collectWatch(kc, '/api/v1/namespaces/w2/pods', { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' });
    const end = await w.next((e) => e.type === 'BOOKMARK');
    w.abort();
    const annotations = (end.object.metadata as { annotations?: Record<string, string> }).annotations;
    assert.deepEqual(annotations, { 'k8s.io/initial-events-end': 'true' });
    const before = w.events.slice(0, w.events.indexOf(end));
    assert.ok(before.length >= 2 && before.every((e) => e.type === 'ADDED'));
  });

  it('ends the stream after timeoutSeconds', async () => {
    const started = Date.now();
    const w = await collectWatch(kc, '/api/v1/namespaces/w1/pods', { timeoutSeconds: 1, resourceVersion: String(Number.MAX_SAFE_INTEGER) });
    assert.equal(await w.done, null);
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 3000, `took ${took} ms`);
  });

  it('streams one JSON event per line as events happen', async () => {
    const lines: string[] = [];
    const firstLine = new Promise<void>((resolve, reject) => {
      const req = request(`${sim.url}/api/v1/namespaces/w1/pods?watch=1&fieldSelector=metadata.name%3Dline&timeoutSeconds=5`, {
        ca: sim.ca,
        headers: { authorization: `Bearer ${sim.token}` },
      });
      req.on('response', (res) => {
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['transfer-encoding'], 'chunked');
        // The response starts before any event: the pod is created only now.
        sim.createPod('w1', podManifest('line', { manual: true }));
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          if (buf.includes('\n')) {
            lines.push(...buf.split('\n').filter((l) => l !== ''));
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    await firstLine;
    assert.equal(lines.length, 1);
    const event = JSON.parse(lines[0]!) as { type: string; object: V1Pod };
    assert.equal(event.type, 'ADDED');
    assert.equal(event.object.metadata?.name, 'line');
  });

  it('feeds a client-node informer (list then watch)', async () => {
    sim.createNamespace('inf');
    const informer = makeInformer(kc, '/api/v1/namespaces/inf/pods', () => core.listNamespacedPod({ namespace: 'inf' }));
    const seen: string[] = [];
    const deleted = new Promise<void>((resolve) => {
      informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
      informer.on('delete', (p) => {
        seen.push(`delete ${p.metadata?.name}`);
        resolve();
      });
    });
    sim.createPod('inf', podManifest('before', { manual: true }));
    await informer.start();
    sim.createPod('inf', podManifest('after', { manual: true }));
    sim.deletePod('inf', 'before');
    await deleted;
    await informer.stop();
    assert.deepEqual(seen, ['add before', 'add after', 'delete before']);
    assert.equal(sim.counters().watches.byNamespace['inf']?.max, 1);
  });
});
