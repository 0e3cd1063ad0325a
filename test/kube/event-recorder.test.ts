// The Event writer on the simulated cluster: what it creates (read back through both API
// versions), series for repeats (one Event, count > 1; a new Event after the window or when
// the old one is gone), the per-job token bucket, and failures that are counted, never thrown.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, EventsV1Api } from '@kubernetes/client-node';
import { hookEvent, type HookEnd } from '../../src/domain/hook-event.ts';
import { createEventRecorder, microTime, type EventRecorderMetrics, type EventRecorderOptions } from '../../src/kube/event-recorder.ts';
import { logSink, startSim, type SimEnv } from './support.ts';

let env: SimEnv;
const NS = 'rec';

before(async () => {
  env = await startSim();
  env.sim.createNamespace(NS);
});
after(async () => env.sim.stop());

function counting(): EventRecorderMetrics & { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const bump = (k: string): void => void (counts[k] = (counts[k] ?? 0) + 1);
  return { counts, written: (v) => bump(`written:${v}`), failed: (v) => bump(`failed:${v}`), dropped: (r) => bump(`dropped:${r}`) };
}

const spec = (pod: string, end: HookEnd = { kind: 'exited', exitCode: 0 }, jobId = 'job-1') =>
  hookEvent({ jobId, hook: { name: 'h', container: 'app' }, pod: { namespace: NS, name: pod, uid: `uid-${pod}` }, end, restore: { apiVersion: 'velero.io/v1', kind: 'Restore', namespace: 'velero', name: 'r1', uid: 'r-uid' } });

async function eventsOf(pod: string) {
  const api = env.kc.makeApiClient(EventsV1Api);
  return (await api.listNamespacedEvent({ namespace: NS, fieldSelector: `regarding.name=${pod}` })).items;
}

function recorder(extra: Partial<EventRecorderOptions> = {}) {
  const metrics = counting();
  const sink = logSink('info');
  const r = createEventRecorder({ kc: env.kc, log: sink.log, instance: 'host-1-w0123', burst: 100, perSecond: 10, metrics, ...extra });
  return { r, metrics, lines: sink.lines };
}

describe('createEventRecorder', () => {
  test('creates an events.k8s.io/v1 Event that core/v1 readers see, with the reporting fields and the Restore as related', async () => {
    const { r, metrics } = recorder();
    r.record('job-1', spec('p-create', { kind: 'exited', exitCode: 3 }));
    await r.flush();
    const [e, ...rest] = await eventsOf('p-create');
    assert.equal(rest.length, 0);
    assert.ok(e);
    assert.equal(e.reason, 'HookFailed');
    assert.equal(e.type, 'Warning');
    assert.equal(e.action, 'ExecHook');
    assert.equal(e.reportingController, 'hookd.io/hookd');
    assert.equal(e.reportingInstance, 'host-1-w0123');
    assert.equal(e.note, 'hook h in container app failed, exit code 3 (job job-1)');
    assert.equal(e.regarding?.uid, 'uid-p-create');
    assert.equal(e.related?.kind, 'Restore');
    assert.match(e.metadata?.name ?? '', /^p-create\.[0-9a-f]+$/);
    const core = await env.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=p-create,involvedObject.uid=uid-p-create' });
    assert.equal(core.items[0]?.message, e.note);
    assert.deepEqual(metrics.counts, { 'written:create': 1 });
  });

  test('a repeated Event is one Event whose series counts the repeats', async () => {
    const { r, metrics } = recorder();
    for (let i = 0; i < 3; i++) r.record('job-1', spec('p-repeat'));
    await r.flush();
    r.record('job-1', spec('p-repeat'));
    await r.flush();
    const events = await eventsOf('p-repeat');
    assert.equal(events.length, 1, 'one Event');
    assert.equal(events[0]?.series?.count, 4);
    assert.ok((metrics.counts['written:patch'] ?? 0) >= 1, JSON.stringify(metrics.counts));
    assert.equal(metrics.counts['written:create'], 1);
    // A different note (another exit code) is another Event.
    r.record('job-1', spec('p-repeat', { kind: 'exited', exitCode: 1 }));
    await r.flush();
    assert.equal((await eventsOf('p-repeat')).length, 2);
  });

  test('a repeat after the series window, or after its Event was deleted, creates a new Event', async () => {
    let now = 1_000_000_000_000;
    const { r } = recorder({ clock: () => now, seriesWindowMs: 60_000 });
    r.record('job-1', spec('p-window'));
    await r.flush();
    now += 61_000;
    r.record('job-1', spec('p-window'));
    await r.flush();
    assert.equal((await eventsOf('p-window')).length, 2);

    r.record('job-1', spec('p-gone'));
    await r.flush();
    const [first] = await eventsOf('p-gone');
    await env.kc.makeApiClient(EventsV1Api).deleteNamespacedEvent({ namespace: NS, name: first?.metadata?.name ?? '' });
    now += 1000;
    r.record('job-1', spec('p-gone'));
    await r.flush();
    const again = await eventsOf('p-gone');
    assert.equal(again.length, 1);
    assert.equal(again[0]?.series?.count, 2, 'the series goes on in a new Event');
    // client-node leaves a MicroTime as the string the server sent.
    assert.equal(String(again[0]?.series?.lastObservedTime), microTime(now));
  });

  test("a job's writes are rate-limited by its own bucket; the dropped ones are counted and logged once", async () => {
    let now = 2_000_000_000_000;
    const { r, metrics, lines } = recorder({ clock: () => now, burst: 2, perSecond: 1 });
    for (let i = 0; i < 5; i++) r.record('job-busy', spec(`p-rl-${i}`, { kind: 'exited', exitCode: 0 }, 'job-busy'));
    r.record('job-calm', spec('p-rl-calm', { kind: 'exited', exitCode: 0 }, 'job-calm'));
    await r.flush();
    assert.equal(metrics.counts['written:create'], 3);
    assert.equal(metrics.counts['dropped:rate_limited'], 3);
    assert.equal(lines.filter((l) => l['msg'] === 'hook Events dropped for this job (see hookd_events_dropped_total); its results stay in hookd').length, 1);
    now += 1000;
    r.record('job-busy', spec('p-rl-late', { kind: 'exited', exitCode: 0 }, 'job-busy'));
    await r.flush();
    assert.equal(metrics.counts['written:create'], 4, 'the bucket refills');
    assert.equal((await eventsOf('p-rl-4')).length, 0);
  });

  test('an Events API failure is counted and logged, never thrown; the next Event is written', async () => {
    const { r, metrics, lines } = recorder();
    const fault = env.sim.faults.add({ kind: 'error', status: 500, match: { resource: 'events', verb: 'create' } });
    r.record('job-1', spec('p-fail'));
    await r.flush();
    env.sim.faults.remove(fault);
    assert.equal(metrics.counts['failed:create'], 1);
    const line = lines.find((l) => l['msg'] === 'hook Event not written');
    assert.equal(line?.['jobId'], 'job-1');
    assert.equal(line?.['pod'], 'p-fail');
    assert.equal((await eventsOf('p-fail')).length, 0);
    r.record('job-1', spec('p-fail'));
    await r.flush();
    assert.equal((await eventsOf('p-fail')).length, 1, 'a failed CREATE is not followed by a PATCH of nothing');
  });

  test('writes beyond the queue bound are dropped and counted', async () => {
    const { r, metrics } = recorder({ maxPending: 2, concurrency: 1 });
    for (let i = 0; i < 5; i++) r.record('job-q', spec(`p-q-${i}`, { kind: 'exited', exitCode: 0 }, 'job-q'));
    await r.flush();
    assert.equal(metrics.counts['written:create'], 2);
    assert.equal(metrics.counts['dropped:queue_full'], 3);
    await r.close();
    r.record('job-q', spec('p-q-after-close'));
    await r.flush();
    assert.equal(metrics.counts['written:create'], 2, 'nothing after close');
  });
});
