import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParkedIndex } from '../../src/queue/parked-index.ts';
import type { ParkedPod } from '../../src/store/parked-pods.ts';

const pod = (jobId: string, podIndex: number, namespace: string, name: string, untilMs = 1000): ParkedPod => ({
  jobId,
  podIndex,
  namespace,
  name,
  awaited: [{ name: 'app', ready: false }],
  untilMs,
  sinceMs: 500,
  token: 1,
});

test('parked index: found by pod and by job, one pod parked by two jobs, removed without a trace', () => {
  const ix = new ParkedIndex();
  ix.add(pod('j1', 0, 'a', 'p'));
  ix.add(pod('j2', 5, 'a', 'p'));
  ix.add(pod('j1', 1, 'b', 'q'));
  assert.equal(ix.size, 3);
  assert.deepEqual(ix.forPod('a', 'p').map((p) => p.jobId).sort(), ['j1', 'j2']);
  assert.deepEqual(ix.ofJob('j1').map((p) => p.podIndex).sort(), [0, 1]);
  assert.deepEqual(ix.jobIds().sort(), ['j1', 'j2']);
  assert.equal(ix.remove({ jobId: 'j2', podIndex: 5 })?.name, 'p');
  assert.deepEqual(ix.forPod('a', 'p').map((p) => p.jobId), ['j1']);
  assert.equal(ix.remove({ jobId: 'j2', podIndex: 5 }), null, 'twice is nothing');
  ix.remove({ jobId: 'j1', podIndex: 0 });
  assert.deepEqual(ix.namespaces(), ['b']);
  assert.deepEqual(ix.forPod('a', 'p'), []);
});

test('parked index: re-parking a slot replaces its entry; a fresh read of a namespace drops what it lacks and keeps what is the same', () => {
  const ix = new ParkedIndex();
  ix.add(pod('j', 0, 'a', 'p', 1000));
  ix.add(pod('j', 0, 'a', 'p', 2000));
  assert.equal(ix.size, 1);
  assert.equal(ix.forPod('a', 'p')[0]?.untilMs, 2000);
  ix.add(pod('j', 1, 'a', 'q'));
  const kept = ix.forPod('a', 'q')[0];
  ix.replaceNamespace('a', [pod('j', 1, 'a', 'q'), pod('k', 0, 'a', 'r')]);
  assert.equal(ix.forPod('a', 'q')[0], kept, 'an unchanged entry is the same object');
  assert.deepEqual(ix.forPod('a', 'p'), []);
  assert.equal(ix.forPod('a', 'r').length, 1);
  ix.compact();
  assert.equal(ix.size, 2);
});

test('parked index: a removal with a token removes only that park of the slot; a fresh read takes a re-park with a new token', () => {
  const ix = new ParkedIndex();
  ix.add({ ...pod('j', 0, 'a', 'p'), token: 2 });
  assert.equal(ix.remove({ jobId: 'j', podIndex: 0 }, 1), null, 'an earlier park of the slot');
  assert.equal(ix.size, 1);
  ix.replaceNamespace('a', [{ ...pod('j', 0, 'a', 'p'), token: 3 }]);
  assert.equal(ix.forPod('a', 'p')[0]?.token, 3, 'same times and containers, another park');
  assert.equal(ix.remove({ jobId: 'j', podIndex: 0 }, 3)?.token, 3);
  assert.equal(ix.size, 0);
});

test('parked index: times read back to the millisecond, today as well as before the epoch its whole seconds count from', () => {
  const ix = new ParkedIndex();
  const cases: Array<[number, number]> = [
    [1_800_000_123_456, 1_799_999_999_001],
    [1_000, 0],
    [1_600_000_000_000, 1_599_999_999_999],
    [4_102_444_800_999, 4_102_444_000_000],
  ];
  cases.forEach(([untilMs, sinceMs], i) => ix.add({ jobId: 'j', podIndex: i, namespace: 'a', name: `p${i}`, awaited: [], untilMs, sinceMs, token: i + 1 }));
  for (const [i, [untilMs, sinceMs]] of cases.entries()) {
    const [got] = ix.forPod('a', `p${i}`);
    assert.equal(got?.untilMs, untilMs);
    assert.equal(got?.sinceMs, sinceMs);
  }
  assert.equal(ix.oldestSinceMs(), 0);
  assert.equal(ix.ofJob('j').length, 4);
  assert.ok(ix.has({ jobId: 'j', podIndex: 3 }));
  assert.ok(!ix.has({ jobId: 'j', podIndex: 4 }));
});
