// The worker's idle-time collection: once, a moment after a busy spell ends, never while a
// pod runs, and not after a spell too small to have left much garbage.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIdleCollector, exposedGc } from '../../src/queue/idle-gc.ts';
import { logSink } from '../kube/support.ts';

const log = logSink('silent').log;

test('collects once, quietMs after the last of a busy spell of runs ended', async () => {
  let collections = 0;
  const c = createIdleCollector({ gc: () => collections++, log, quietMs: 30, minRuns: 3 });
  for (let i = 0; i < 3; i++) c.started();
  c.ended();
  c.ended();
  await sleep(60);
  assert.equal(collections, 0, 'a run is still going');
  c.ended();
  await sleep(15);
  assert.equal(collections, 0, 'not before quietMs');
  await sleep(45);
  assert.equal(collections, 1);
  await sleep(60);
  assert.equal(collections, 1, 'once per spell');
  c.stop();
});

test('a run that starts in the quiet moment puts the collection off; a small spell is not collected after', async () => {
  let collections = 0;
  const c = createIdleCollector({ gc: () => collections++, log, quietMs: 40, minRuns: 2 });
  c.started();
  c.ended();
  await sleep(60);
  assert.equal(collections, 0, 'one run is not a busy spell');
  c.started();
  c.ended(); // two runs now: the quiet moment begins
  await sleep(20);
  c.started(); // ...and is cut short
  await sleep(60);
  assert.equal(collections, 0);
  c.ended();
  await sleep(70);
  assert.equal(collections, 1);
  c.stop();
});

test('stopped, or without an exposed collector, it does nothing', async () => {
  let collections = 0;
  const c = createIdleCollector({ gc: () => collections++, log, quietMs: 20, minRuns: 1 });
  c.started();
  c.ended();
  c.stop();
  await sleep(50);
  assert.equal(collections, 0);
  const none = createIdleCollector({ gc: null, log, quietMs: 1, minRuns: 1 });
  none.started();
  none.ended();
  none.stop();
  // This test process runs without --expose-gc.
  assert.equal(exposedGc(), null);
});
