// A lost queue marker (popped by a worker's blocked connection in the instant that worker
// dies) leaves a promoted job waiting until another worker's block times out, up to 10 s
// when delayed jobs exist. The nudge adds the marker again while jobs wait. Real BullMQ on
// the shared Redis: a raw connection blocked on the marker first plays the dying worker.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startMarkerNudge } from '../../src/queue/marker-nudge.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';

const prefix = testPrefix();
after(() => removePrefix(prefix));

/** Promotes a delayed job while a thief holds the first blocked pop of the marker; ms until a worker ran it, or null within `withinMs`. */
async function promotedWithStolenMarker(name: string, nudge: boolean, withinMs: number): Promise<number | null> {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const thief = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  const markerKey = queue.keys['marker'] ?? '';
  let ranAt = 0;
  let worker: Worker | null = null;
  const nudger = nudge ? startMarkerNudge(connection, [queue], 200) : null;
  try {
    await queue.add('x', {}, { jobId: 'j1', delay: 60_000 });
    // The delayed job's own marker is not the one this is about.
    await connection.del(markerKey);
    const stolen = thief.bzpopmin(markerKey, 30);
    await new Promise((r) => setTimeout(r, 200));
    worker = new Worker(name, async () => void (ranAt = Date.now()), { connection, prefix });
    await worker.waitUntilReady();
    // Let the worker find nothing and block on the marker, behind the thief.
    await new Promise((r) => setTimeout(r, 700));
    const promotedAt = Date.now();
    await new Job(queue, 'promote', {}, {}, 'j1').promote();
    assert.ok(await stolen, 'the thief took the marker');
    const deadline = promotedAt + withinMs;
    while (ranAt === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return ranAt === 0 ? null : ranAt - promotedAt;
  } finally {
    nudger?.stop();
    await worker?.close(true);
    await queue.close();
    thief.disconnect();
    connection.disconnect();
  }
}

test('without the nudge a stolen marker leaves the promoted job waiting (the gap this closes)', async () => {
  assert.equal(await promotedWithStolenMarker('no-nudge', false, 2000), null);
});

test('with the nudge the promoted job runs within about one nudge period', async () => {
  const ms = await promotedWithStolenMarker('nudge', true, 2000);
  assert.ok(ms !== null && ms < 1000, `ran after ${ms} ms`);
});

test('a paused queue is left alone: its marker is not added back', async () => {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('paused', { connection, prefix });
  const nudger = startMarkerNudge(connection, [queue], 50);
  try {
    await queue.pause();
    await queue.add('x', {});
    await connection.del(queue.keys['marker'] ?? '');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await connection.exists(queue.keys['marker'] ?? ''), 0);
    await queue.resume();
    await connection.del(queue.keys['marker'] ?? '');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await connection.exists(queue.keys['marker'] ?? ''), 1, 'resumed: nudged again');
  } finally {
    nudger.stop();
    await queue.close();
    connection.disconnect();
  }
});
