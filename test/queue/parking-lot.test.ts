// The parking lot alone, with its store, messages, watch and promotion as fakes: which
// observations wake a parked pod, and that no wake is lost to one still on its way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { PodState } from '../../src/domain/types.ts';
import { createParkingLot, type ParkingLot } from '../../src/queue/parking-lot.ts';
import type { ParkChange, ParkedPod } from '../../src/store/parked-pods.ts';

const parked: ParkedPod = { jobId: 'j', podIndex: 0, namespace: 'ns', name: 'p', awaited: [{ name: 'app', ready: false }], untilMs: 10_000_000, sinceMs: 0 };

const withApp = (running: boolean): PodState => ({
  kind: 'present',
  pod: {
    namespace: 'ns',
    name: 'p',
    uid: 'u',
    labels: {},
    annotations: {},
    containers: ['app'],
    phase: 'Running',
    containerStatuses: [{ name: 'app', running, terminated: false, ready: running }],
    terminating: false,
  },
});

interface Harness {
  lot: ParkingLot;
  /** Delivers a watch event of the namespace to whoever listens. */
  event(state: PodState): void;
  /** One entry per promotion asked; resolve it with whether the job was delayed. */
  promotions: Array<(moved: boolean) => void>;
  /** Each listen asked of the watch: namespace and whether it asked for a catch-up. */
  listens: Array<{ namespace: string; catchUp: boolean | undefined }>;
  /** Delivers a park message as another process's park would. */
  message(pod: ParkedPod): void;
}

async function harness(): Promise<Harness> {
  const listeners = new Map<string, (name: string, state: PodState) => void>();
  const promotions: Array<(moved: boolean) => void> = [];
  const listens: Harness['listens'] = [];
  let onChange: ((change: ParkChange) => void) | null = null;
  const lot = createParkingLot({
    store: { park: async () => undefined, unpark: async () => undefined, scan: async () => undefined },
    changes: {
      onParkChange: (cb) => {
        onChange = cb;
        return () => undefined;
      },
    },
    watch: {
      listen(namespace, onPod, opts) {
        listens.push({ namespace, catchUp: opts?.catchUp });
        listeners.set(namespace, onPod);
        return () => listeners.delete(namespace);
      },
    },
    promote: () => new Promise<boolean>((resolve) => promotions.push(resolve)),
    log: pino({ level: 'silent' }),
  });
  await lot.start();
  return { lot, event: (state) => listeners.get('ns')?.('p', state), promotions, listens, message: (pod) => onChange?.({ kind: 'parked', pod }) };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a parked pod is woken by an event that shows an awaited container up, not by one that does not', async (t) => {
  const h = await harness();
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(false));
  assert.equal(h.promotions.length, 0);
  h.event(withApp(true));
  assert.equal(h.promotions.length, 1);
  h.promotions[0]?.(true);
  await settle();
  assert.equal(h.lot.size, 0, 'woken: out of the index until its run parks it again');
  assert.deepEqual(h.lot.takeWoken(parked), withApp(true), 'the observation that woke it is handed to its run');
});

test('a wake that comes while an earlier promotion of the pod is on its way is not lost when that one finds nothing to move', async (t) => {
  // The race: the event reaches the lot right after the pod parks, while the worker is still
  // moving its queue job to delayed; that promotion reaches Redis first and moves nothing.
  // The worker's own look after the move wakes the pod again while the first is unanswered.
  const h = await harness();
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(true));
  assert.equal(h.promotions.length, 1);
  h.lot.wake(parked, withApp(true));
  assert.equal(h.promotions.length, 1, 'one promotion at a time per pod');
  h.promotions[0]?.(false);
  await settle();
  assert.equal(h.promotions.length, 2, 'promoted again once the first found the job not delayed');
  h.promotions[1]?.(true);
  await settle();
  assert.equal(h.lot.size, 0);
});

test('a wake while a promotion is on its way asks nothing more when that promotion moved the job', async (t) => {
  const h = await harness();
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.event(withApp(true));
  h.event(withApp(true));
  h.promotions[0]?.(true);
  await settle();
  assert.equal(h.promotions.length, 1);
});

test('a namespace first wanted for a pod parked here is listened without a catch-up; one learned from a message, with one', async (t) => {
  // The run that parks a pod read it and looks again after its move to delayed; a pod known
  // from a message may have come up before this process listened to a watch already running.
  const h = await harness();
  t.after(() => h.lot.stop());
  await h.lot.park(parked);
  h.message({ ...parked, jobId: 'other', namespace: 'ns2' });
  assert.deepEqual(h.listens, [
    { namespace: 'ns', catchUp: false },
    { namespace: 'ns2', catchUp: true },
  ]);
});
