// The event stream behind SSE, the notifier, and the 10,000-pod path, on real Redis.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { JobSpec } from '../../src/domain/views.ts';
import { createNotifier, type Notifier } from '../../src/store/notifier.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { JobStore } from '../../src/store/types.ts';
import { planned, planOf } from '../fixtures/plan.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix, testSealer } from '../helpers/redis.ts';

const prefix = testPrefix();
let redis: Redis;
let subscriber: Redis;
let store: JobStore;
let notifier: Notifier;

before(async () => {
  redis = new Redis(TEST_REDIS_URL);
  subscriber = new Redis(TEST_REDIS_URL);
  store = createRedisStore({ redis, prefix, retentionMs: 60_000, sealer: testSealer() });
  notifier = createNotifier({ subscriber, publisher: redis, prefix });
  await notifier.ready;
});
after(async () => {
  await notifier.close();
  await notifier.close();
  await removePrefix(prefix);
  redis.disconnect();
  subscriber.disconnect();
});

function spec(pods: number): JobSpec {
  return {
    id: `j-${randomUUID()}`,
    restore: null,
    source: { kind: 'pods', pods: Array.from({ length: pods }, (_, i) => ({ namespace: 'ns', name: `pod-${i}` })) },
    hooks: null,
    failFast: false,
    warnings: [],
    createdAtMs: Date.now(),
  };
}

/** Counts the writes on the client's socket: one per round trip (a pipeline or MULTI is one write). */
function countRoundTrips(client: Redis): { readonly count: number; stop(): void } {
  const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
  const original = stream.write;
  const counter = { count: 0, stop: () => void (stream.write = original) };
  stream.write = function (this: unknown, ...args: unknown[]) {
    counter.count++;
    return original.apply(this, args);
  };
  return counter;
}

describe('events', () => {
  test('each hook change and the end are events, in order, resumable after any id', async () => {
    const s = spec(1);
    await store.createJob(s);
    await store.setPods(s.id, [{ namespace: 'ns', name: 'pod-0' }], 1000);
    await store.recordPlan(s.id, 0, planOf(planned(0, { container: 'c' }), planned(1, { skipReason: 'no container x' })), 1000);
    await store.markHooksWaiting(s.id, 0, [0], 1001);
    await store.markHookRunning(s.id, 0, 0, 1002);
    await store.recordHookResult(s.id, 0, 0, { phase: 'failed', exitCode: 2, stdout: 'out', stderr: 'err', outputTruncated: true, error: 'exit code 2' }, 1010);
    await store.setPodStatus(s.id, 0, 'failed', null, 1010);
    await store.finishJob(s.id, 1011);

    const all = await store.readEvents(s.id, null, 100);
    assert.deepEqual(
      all.map((e) => [e.event, (e.data as { index?: number }).index, (e.data as { phase?: string }).phase]),
      [['hook', 0, 'pending'], ['hook', 1, 'skipped'], ['hook', 0, 'waiting'], ['hook', 0, 'running'], ['hook', 0, 'failed'], ['done', undefined, undefined]],
    );
    const ids = all.map((e) => e.id);
    assert.deepEqual([...ids].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]) || Number(a.split('-')[1]) - Number(b.split('-')[1])), ids);
    const ended = all[4]?.data;
    assert.deepEqual(ended, {
      index: 0, name: 'h0', source: 'spec', container: 'c', command: ['true'], onError: 'Continue', phase: 'failed',
      exitCode: 2, stdout: 'out', stderr: 'err', outputTruncated: true, error: 'exit code 2',
      startedAt: new Date(1002).toISOString(), finishedAt: new Date(1010).toISOString(), durationMs: 8, namespace: 'ns', pod: 'pod-0',
    });
    assert.deepEqual(all[5]?.data, { status: 'partially_failed', summary: (await store.getJob(s.id))?.summary });
    assert.deepEqual(await store.readEvents(s.id, ids[2] ?? '', 100), all.slice(3));
    assert.deepEqual(await store.readEvents(s.id, ids[0] ?? '', 2), all.slice(1, 3));
    assert.deepEqual(await store.readEvents(s.id, ids[5] ?? '', 100), []);
    assert.deepEqual(await store.readEvents('unknown', null, 100), []);
    await assert.rejects(store.readEvents(s.id, 'garbage', 10));
  });
});

describe('notifier', () => {
  test('a store write wakes the listeners of that job only', async () => {
    const s = spec(1);
    await store.createJob(s);
    let other = 0;
    const offOther = notifier.onJobEvent('another-job', () => other++);
    const woke = new Promise<void>((resolve) => {
      const off = notifier.onJobEvent(s.id, () => {
        off();
        resolve();
      });
    });
    await store.setPods(s.id, [{ namespace: 'ns', name: 'pod-0' }], 1);
    await woke;
    offOther();
    assert.equal(other, 0);
  });

  test('publishStop reaches every onStop listener, across connections', async () => {
    const sub2 = new Redis(TEST_REDIS_URL);
    const second = createNotifier({ subscriber: sub2, publisher: redis, prefix });
    await second.ready;
    try {
      const heard = Promise.all([
        new Promise<string>((resolve) => notifier.onStop(resolve)),
        new Promise<string>((resolve) => second.onStop(resolve)),
      ]);
      await notifier.publishStop('job-x');
      assert.deepEqual(await heard, ['job-x', 'job-x']);
    } finally {
      await second.close();
      sub2.disconnect();
    }
  });

  test('a listener that throws does not keep the message from the others', async () => {
    const s = spec(1);
    await store.createJob(s);
    const offBad = notifier.onJobEvent(s.id, () => {
      throw new Error('listener bug');
    });
    const woke = new Promise<void>((resolve) => notifier.onJobEvent(s.id, resolve));
    await store.setPods(s.id, [], 1);
    await woke;
    offBad();
  });
});

describe('a 10,000-pod job', () => {
  test('setPods is one round trip, getJob one, listJobs reads no pods', async () => {
    const s = spec(0);
    const big = { ...s, source: { kind: 'selector', namespaces: [], labelSelector: 'app=x' } } as const;
    await store.createJob(big);
    const pods = Array.from({ length: 10_000 }, (_, i) => ({ namespace: `ns-${i % 7}`, name: `pod-${i}` }));
    let rt = countRoundTrips(redis);
    await store.setPods(big.id, pods, 5);
    rt.stop();
    assert.equal(rt.count, 1, 'setPods: one round trip');
    await store.setPods(big.id, pods, 6); // a retried resolve step: changes nothing
    for (let start = 0; start < pods.length; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => store.recordPlan(big.id, start + j, planOf(planned(0), planned(1)), 7)));
    }
    rt = countRoundTrips(redis);
    const started = performance.now();
    const job = await store.getJob(big.id);
    const ms = performance.now() - started;
    rt.stop();
    assert.equal(rt.count, 1, 'getJob: one round trip');
    assert.ok(ms < 5000, `getJob of 20,000 hooks took ${ms} ms`);
    assert.equal(job?.pods.length, 10_000);
    assert.deepEqual(job?.pods[9_999], { namespace: 'ns-3', name: 'pod-9999', status: 'pending', error: null, warnings: [], hooks: job?.pods[9_999]?.hooks });
    assert.equal(job?.summary.hooksTotal, 20_000);
    assert.equal(job?.summary.hooksPending, 20_000);
    rt = countRoundTrips(redis);
    const listed = (await store.listJobs({ limit: 500 })).jobs.find((j) => j.id === big.id);
    rt.stop();
    assert.ok(rt.count <= 3, `listJobs: ${rt.count} round trips`);
    assert.deepEqual(listed?.summary, job?.summary);
    assert.equal(await store.cancelJob(big.id, 8), 'cancelled');
    const cancelled = await store.getJob(big.id);
    assert.equal(cancelled?.summary.hooksSkipped, 20_000);
    assert.ok(cancelled?.pods.every((p) => p.hooks.every((h) => h.phase === 'skipped' && h.error === (cancelled.pods[0]?.hooks[0]?.error ?? ''))));
    assert.match(cancelled?.pods[0]?.hooks[0]?.error ?? '', /cancelled/);
  });
});
