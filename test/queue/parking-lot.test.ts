// The parking lot alone, with its store, messages, watch and promotion as fakes: which
// observations wake a parked pod, and interleavings in which a pod whose container is up
// would otherwise sleep to its deadline (a wake during a promotion on its way, reads of the
// whole index that overlap parks, promotions that fail).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldRead, lotHarness, parked, settle, withApp } from './parking-lot-harness.ts';

/** Promotions the test answers itself, in order. */
function heldPromotions(): { promote: () => Promise<boolean>; answers: Array<(moved: boolean) => void> } {
  const answers: Array<(moved: boolean) => void> = [];
  return { promote: () => new Promise<boolean>((resolve) => answers.push(resolve)), answers };
}

test('a parked pod is woken by an event that shows an awaited container up, not by one that does not', async (t) => {
  const held = heldPromotions();
  const h = await lotHarness({ promote: held.promote });
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(false));
  assert.equal(h.promotions.length, 0);
  h.event(withApp(true));
  assert.equal(h.promotions.length, 1);
  held.answers[0]?.(true);
  await settle();
  assert.equal(h.lot.size, 0, 'woken: out of the index until its run parks it again');
  assert.deepEqual(h.lot.takeWoken(parked), withApp(true), 'the observation that woke it is handed to its run');
});

test('a wake that comes while an earlier promotion of the pod is on its way is not lost when that one finds nothing to move', async (t) => {
  // The race: the event reaches the lot right after the pod parks, while the worker is still
  // moving its queue job to delayed; that promotion reaches Redis first and moves nothing.
  // The worker's own look after the move wakes the pod again while the first is unanswered.
  const held = heldPromotions();
  const h = await lotHarness({ promote: held.promote });
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(true));
  assert.equal(h.promotions.length, 1);
  h.lot.wake(parked, withApp(true));
  assert.equal(h.promotions.length, 1, 'one promotion at a time per pod');
  held.answers[0]?.(false);
  await settle();
  assert.equal(h.promotions.length, 2, 'promoted again once the first found the job not delayed');
  held.answers[1]?.(true);
  await settle();
  assert.equal(h.lot.size, 0);
});

test('a wake while a promotion is on its way asks nothing more when that promotion moved the job', async (t) => {
  const held = heldPromotions();
  const h = await lotHarness({ promote: held.promote });
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(true));
  h.event(withApp(true));
  held.answers[0]?.(true);
  await settle();
  assert.equal(h.promotions.length, 1);
});

test('a namespace first wanted for a pod parked here is listened without a catch-up; one learned from a message, with one', async (t) => {
  // The run that parks a pod read it and looks again after its move to delayed; a pod known
  // from a message may have come up before this process listened to a watch already running.
  const h = await lotHarness();
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.message({ kind: 'parked', pod: { ...parked, jobId: 'other', namespace: 'ns2' } });
  assert.deepEqual(h.listens, [
    { namespace: 'ns', catchUp: false },
    { namespace: 'ns2', catchUp: true },
  ]);
});

test('a parked pod that the catch-up list does not show (deleted before the lot listened) is woken without a state; one it shows is not', async (t) => {
  const h = await lotHarness();
  t.after(() => h.lot.stop());
  h.message({ kind: 'parked', pod: parked });
  h.message({ kind: 'parked', pod: { ...parked, podIndex: 1, name: 'q' } });
  await settle();
  h.listed(['q']);
  await settle();
  assert.deepEqual(h.promotions.map((p) => p.name), ['p'], 'only the pod the list did not show');
  // No observation is kept for its run: it reads the pod itself (a stale list costs that read).
  assert.equal(h.lot.takeWoken({ jobId: 'j', podIndex: 0 }), null);
});

test('a pod parked while a read of the whole index is on its way stays in the index and is woken', async (t) => {
  // The read (after a gap in the messages, or on its timer) listed the namespaces before the
  // park's SADD: it answers without the pod's namespace, and must not drop what was parked meanwhile.
  const read = heldRead(() => undefined);
  const h = await lotHarness({ rescan: read.rescan });
  t.after(() => h.lot.stop());
  h.resubscribe();
  await settle();
  await h.lot.park(parked);
  read.release();
  await settle();
  await settle();
  assert.equal(h.lot.size, 1, 'the pod parked during the read is still indexed');
  h.event(withApp(true));
  await settle();
  assert.equal(h.promotions.length, 1, 'its container up wakes it');
});

test('a park message that comes while a read of the whole index is on its way is kept', async (t) => {
  const read = heldRead((each) => each('ns', [])); // its hash was read before the other process's HSET
  const h = await lotHarness({ rescan: read.rescan });
  t.after(() => h.lot.stop());
  h.resubscribe();
  await settle();
  h.message({ kind: 'parked', pod: parked });
  read.release();
  await settle();
  await settle();
  assert.equal(h.lot.size, 1);
  h.event(withApp(true));
  await settle();
  assert.equal(h.promotions.length, 1);
});

test('an unpark message that comes while a read of the whole index is on its way is not undone by it', async (t) => {
  const read = heldRead((each) => each('ns', [parked])); // read before the other process's HDEL
  const h = await lotHarness({ rescan: read.rescan });
  t.after(() => h.lot.stop());
  h.message({ kind: 'parked', pod: parked });
  h.resubscribe();
  await settle();
  h.message({ kind: 'unparked', slot: parked, token: parked.token });
  read.release();
  await settle();
  await settle();
  assert.equal(h.lot.size, 0);
});

test('a promotion that fails (Redis away) is tried again while the pod is parked', async (t) => {
  let calls = 0;
  const h = await lotHarness({
    promoteRetryMs: 5,
    promote: async () => {
      if (calls++ === 0) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return true;
    },
  });
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(true)); // the only event: the container stays up
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(calls, 2, 'asked again after the failure');
  assert.equal(h.lot.size, 0, 'woken');
});

test('an unpark message of an earlier park of the slot leaves the newer park indexed here, and it is woken', async (t) => {
  // The run woken from the first park lost its lock in a long stall; this worker took the job
  // over and parked the pod again; the first run's late unpark is announced with its token.
  const h = await lotHarness();
  t.after(() => h.lot.stop());
  await h.lot.park({ ...parked, token: 2 });
  h.message({ kind: 'unparked', slot: parked, token: 1 });
  assert.equal(h.lot.size, 1, 'the newer park is kept');
  h.event(withApp(true));
  await settle();
  assert.equal(h.promotions.length, 1, 'its container up wakes it');
});

test('an unpark message of a version without tokens drops whatever park the slot has (that unpark deleted it)', async (t) => {
  const h = await lotHarness();
  t.after(() => h.lot.stop());
  h.message({ kind: 'parked', pod: { ...parked, token: 2 } });
  h.message({ kind: 'unparked', slot: parked, token: null });
  assert.equal(h.lot.size, 0);
});

test('a late unpark by a run woken from an earlier park leaves the newer park in the index; the store is asked with its token', async (t) => {
  const h = await lotHarness();
  t.after(() => h.lot.stop());
  await h.lot.park({ ...parked, token: 2 });
  await h.lot.unpark({ namespace: 'ns', jobId: 'j', podIndex: 0, token: 1 });
  assert.equal(h.lot.size, 1);
  assert.deepEqual(h.unparks, [{ namespace: 'ns', jobId: 'j', podIndex: 0, token: 1 }]);
  await h.lot.unpark({ namespace: 'ns', jobId: 'j', podIndex: 0, token: 2 });
  assert.equal(h.lot.size, 0, 'its own unpark removes it');
});

test('a read of the whole index removes the entries long past their deadline, with their token, and no other', async (t) => {
  // A park whose move to delayed failed, retried by a run that did not park again, is never
  // unparked by a run: without this it stayed forever, its namespace watched.
  const now = 50_000_000;
  const leaked = { ...parked, untilMs: now - 1001, token: 7 };
  const late = { ...parked, jobId: 'j2', untilMs: now - 999, token: 8 }; // within the grace: its woken run unparks it
  const live = { ...parked, jobId: 'j3', namespace: 'ns2', untilMs: now + 60_000, token: 9 };
  const h = await lotHarness({ clock: () => now, staleAfterMs: 1000, rescan: async (each) => {
    each('ns', [leaked, late]);
    each('ns2', [live]);
  } });
  t.after(() => h.lot.stop());
  h.resubscribe();
  await settle();
  await settle();
  assert.deepEqual(h.unparks, [leaked], 'removed in the store, compared with the token it was read with');
  assert.deepEqual(h.lot.jobIds().sort(), ['j2', 'j3']);
});
