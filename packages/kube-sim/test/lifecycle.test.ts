// The kubelet's part: pods move by themselves from Pending to Running to ready unless the
// pod (annotation) or its namespace (label) opts out; setContainerState derives phase and
// conditions; a graceful delete shows deletionTimestamp before DELETED; the timeline
// records when containers started running.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { collectWatch, podManifest } from './support.ts';

const { sim, kc } = await startSim({ lifecycle: { scheduleMs: 20, startMs: 40, readyMs: 40, terminateMs: 50 } });
const core = kc.makeApiClient(CoreV1Api);

function summary(p: V1Pod): string {
  const cs = p.status?.containerStatuses?.[0];
  const state = cs?.state?.running ? 'running' : cs?.state?.waiting ? `waiting:${cs.state.waiting.reason}` : cs?.state?.terminated ? 'terminated' : '-';
  return `${p.status?.phase} ${state} ready=${cs?.ready ?? '-'}`;
}

describe('automatic lifecycle', () => {
  it('moves a created pod Pending -> scheduled -> Running -> ready, in order and after the delays', async () => {
    sim.createNamespace('auto');
    const w = await collectWatch(kc, '/api/v1/namespaces/auto/pods', {});
    const created = Date.now();
    await core.createNamespacedPod({ namespace: 'auto', body: podManifest('a') });
    const ready = await w.next((e) => e.object.status?.containerStatuses?.[0]?.ready === true);
    const elapsed = Date.now() - created;
    w.abort();
    assert.deepEqual(w.events.map((e) => summary(e.object)), [
      'Pending - ready=-',
      'Pending waiting:ContainerCreating ready=false',
      'Running running ready=false',
      'Running running ready=true',
    ]);
    assert.ok(elapsed >= 95, `ready after ${elapsed} ms, delays sum to 100`);
    assert.equal(ready.object.spec?.nodeName, 'sim-node');
    assert.ok(ready.object.status?.podIP);
    const conditions = Object.fromEntries(ready.object.status?.conditions?.map((c) => [c.type, c.status]) ?? []);
    assert.deepEqual([conditions['PodScheduled'], conditions['Ready'], conditions['ContainersReady']], ['True', 'True', 'True']);
  });

  it('leaves a pod annotated sim.hookd.io/lifecycle=manual, or in a namespace labelled so, Pending', async () => {
    sim.createNamespace('manual-ns', { 'sim.hookd.io/lifecycle': 'manual' });
    sim.createNamespace('mixed');
    await core.createNamespacedPod({ namespace: 'mixed', body: podManifest('by-annotation', { manual: true }) });
    await core.createNamespacedPod({ namespace: 'manual-ns', body: podManifest('by-namespace') });
    await core.createNamespacedPod({ namespace: 'mixed', body: podManifest('auto') });
    const w = await collectWatch(kc, '/api/v1/namespaces/mixed/pods', { fieldSelector: 'metadata.name=auto' });
    await w.next((e) => e.object.status?.containerStatuses?.[0]?.ready === true);
    w.abort();
    // The automatic pod, created last, is ready: the manual ones would have moved by now.
    assert.equal((await core.readNamespacedPod({ namespace: 'mixed', name: 'by-annotation' })).status?.phase, 'Pending');
    const byNs = await core.readNamespacedPod({ namespace: 'manual-ns', name: 'by-namespace' });
    assert.equal(byNs.status?.phase, 'Pending');
    assert.equal(byNs.status?.containerStatuses, undefined);
  });

  it('derives phase and readiness from setContainerState', () => {
    sim.createPod('mixed', podManifest('driven', { containers: ['a', 'b'], manual: true }));
    const phase = (): string => `${(sim.getPod('mixed', 'driven') as V1Pod).status?.phase}`;
    const ready = (): string | undefined => (sim.getPod('mixed', 'driven') as V1Pod).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    sim.setContainerState('mixed', 'driven', 'a', 'running', { ready: true });
    assert.deepEqual([phase(), ready()], ['Running', 'False']);
    sim.setContainerState('mixed', 'driven', 'b', 'running', { ready: true });
    assert.deepEqual([phase(), ready()], ['Running', 'True']);
    sim.setContainerState('mixed', 'driven', 'a', 'terminated', { exitCode: 0 });
    sim.setContainerState('mixed', 'driven', 'b', 'terminated', { exitCode: 2 });
    assert.equal(phase(), 'Failed');
    assert.throws(() => sim.setContainerState('mixed', 'driven', 'zz', 'running'), /container zz is not valid/);
  });
});

describe('deletion', () => {
  it('shows deletionTimestamp first, then DELETED, for a graceful delete through the API', async () => {
    sim.createNamespace('del');
    sim.createPod('del', podManifest('g', { manual: true }));
    const w = await collectWatch(kc, '/api/v1/namespaces/del/pods', {});
    const answer = await core.deleteNamespacedPod({ namespace: 'del', name: 'g', gracePeriodSeconds: 30 });
    assert.ok(answer.metadata?.deletionTimestamp, 'the DELETE answer is the terminating pod');
    assert.equal(answer.metadata?.deletionGracePeriodSeconds, 30);
    await w.next((e) => e.type === 'DELETED');
    w.abort();
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata?.deletionTimestamp ? 'terminating' : 'live'}`), [
      'ADDED live',
      'MODIFIED terminating',
      'DELETED terminating',
    ]);
  });

  it('deletes at once with gracePeriodSeconds=0, and after graceMs programmatically', async () => {
    sim.createPod('del', podManifest('now', { manual: true }));
    sim.createPod('del', podManifest('later', { manual: true }));
    const w = await collectWatch(kc, '/api/v1/namespaces/del/pods', {});
    await core.deleteNamespacedPod({ namespace: 'del', name: 'now', gracePeriodSeconds: 0 });
    const started = Date.now();
    sim.deletePod('del', 'later', { graceMs: 150 });
    assert.ok((sim.getPod('del', 'later') as V1Pod).metadata?.deletionTimestamp);
    await w.next((e) => e.type === 'DELETED' && e.object.metadata?.name === 'later');
    assert.ok(Date.now() - started >= 140);
    w.abort();
    assert.deepEqual(
      w.events.filter((e) => e.object.metadata?.name === 'now').map((e) => e.type),
      ['ADDED', 'DELETED'],
    );
    assert.equal(sim.getPod('del', 'later'), undefined);
  });
});

describe('timeline', () => {
  it('records each container becoming running, once, on the shared clock', async () => {
    sim.resetCounters();
    sim.createNamespace('tl');
    const before = performance.timeOrigin + performance.now();
    sim.createPod('tl', podManifest('t', { containers: ['x', 'y'] }));
    const w = await collectWatch(kc, '/api/v1/namespaces/tl/pods', {});
    await w.next((e) => e.object.status?.containerStatuses?.every((c) => c.ready) === true && e.object.status.containerStatuses.length === 2);
    w.abort();
    sim.patchPodStatus('tl', 't', { message: 'an unrelated status change records nothing' });
    const running = sim.timeline().containerRunning.filter((e) => e.namespace === 'tl');
    assert.deepEqual(running.map((e) => e.container).sort(), ['x', 'y']);
    assert.ok(running.every((e) => e.atMs > before && e.atMs < performance.timeOrigin + performance.now()));
  });
});
