// The read-ahead of a job's pods, with fakes for the store and the watch: a pod waits for its
// own state, not for the end of its window's list; a job started here is read ahead from the
// pods in hand; nothing waits longer than waitMs, and nothing rejects.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { PodRef } from '../../src/domain/types.ts';
import { createReadAhead } from '../../src/queue/read-ahead.ts';

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function fakes(pods: readonly PodRef[]) {
  const reads: string[] = [];
  const expected: string[][] = [];
  const lists = new Map<string, Deferred>();
  const states = new Map<string, Deferred>();
  const stateOf = (name: string): Deferred => {
    let d = states.get(name);
    if (d === undefined) {
      d = deferred();
      states.set(name, d);
    }
    return d;
  };
  return {
    reads,
    expected,
    lists,
    stateOf,
    deps: {
      refs: async (jobId: string, from: number, count: number) => {
        reads.push(`${jobId} ${from}+${count}`);
        return pods.slice(from, from + count);
      },
      expect: (namespace: string, names: readonly string[]) => {
        expected.push([namespace, ...names]);
        const d = deferred();
        lists.set(namespace, d);
        return d.promise;
      },
      known: (ref: PodRef) => stateOf(ref.name).promise,
      log: pino({ level: 'silent' }),
    },
  };
}

const pods: PodRef[] = Array.from({ length: 10 }, (_, i) => ({ namespace: i < 5 ? 'a' : 'b', name: `p${i}` }));
const settled = async (p: Promise<void>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30))]);

describe('read-ahead', () => {
  test("a pod goes on once its own state is known, while its window's lists go on", async () => {
    const f = fakes(pods);
    const ra = createReadAhead({ ...f.deps, windowPods: 10 });
    const first = ra.before('j', 0, pods[0] as PodRef);
    const other = ra.before('j', 1, pods[1] as PodRef);
    assert.equal(await settled(first), false, 'nothing known yet');
    f.stateOf('p0').resolve();
    assert.equal(await settled(first), true, 'p0 known: it goes on');
    assert.equal(await settled(other), false, 'p1 still waits for its own state');
    f.lists.get('a')?.resolve();
    f.lists.get('b')?.resolve();
    assert.equal(await settled(other), true, "its window's lists have ended: p1 waits no longer");
    assert.deepEqual(f.reads, ['j 0+10'], 'one read of the window');
    assert.deepEqual(f.expected, [['a', 'p0', 'p1', 'p2', 'p3', 'p4'], ['b', 'p5', 'p6', 'p7', 'p8', 'p9']]);
  });

  test('a job started here is read ahead from the pods in hand, not read back', async () => {
    const f = fakes(pods);
    const ra = createReadAhead({ ...f.deps, windowPods: 4 });
    ra.start('j', pods);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(f.expected, [['a', 'p0', 'p1', 'p2', 'p3']], 'the first window only');
    f.stateOf('p1').resolve();
    assert.equal(await settled(ra.before('j', 1, pods[1] as PodRef)), true);
    assert.deepEqual(f.reads, [], 'no read of the store');
    // Past the middle of the window, the next one is read ahead (from the store).
    void ra.before('j', 2, pods[2] as PodRef);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(f.reads, ['j 4+4']);
  });

  test('waits at most waitMs, and a failed read lets the pod go on', async () => {
    const f = fakes(pods);
    const ra = createReadAhead({ ...f.deps, windowPods: 10, waitMs: 50 });
    const t0 = Date.now();
    await ra.before('j', 0, pods[0] as PodRef);
    assert.ok(Date.now() - t0 >= 45, 'the wait ended at waitMs');
    const failing = createReadAhead({ ...f.deps, refs: async () => Promise.reject(new Error('redis down')), windowPods: 10 });
    assert.equal(await settled(failing.before('k', 0, pods[0] as PodRef)), true);
  });
});
