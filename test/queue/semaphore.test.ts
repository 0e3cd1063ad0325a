// A pod waiting for an exec slot leaves the queue at once when the shutdown begins.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSemaphore } from '../../src/queue/semaphore.ts';

test('a wait for a slot ends with the signal; the slot goes to the next in line', async () => {
  const slots = createSemaphore(1);
  let release = (): void => {};
  const holder = slots.run(() => new Promise<void>((r) => (release = r)));
  const shutdown = new AbortController();
  const waiter = slots.run(async () => 'ran', shutdown.signal);
  const other = slots.run(async () => 'other ran');
  assert.equal(slots.queued, 2);
  shutdown.abort(new Error('SIGTERM'));
  await assert.rejects(waiter, /SIGTERM/);
  assert.equal(slots.queued, 1, 'the aborted wait left the line');
  release();
  await holder;
  assert.equal(await other, 'other ran');
  assert.equal(slots.active, 0);
});
