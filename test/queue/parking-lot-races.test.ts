// The parking lot against reads of the whole index (resync) that overlap parks, and
// promotions that fail: interleavings in which a parked pod whose container is up would
// otherwise sleep to its deadline.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { PodState } from '../../src/domain/types.ts';
import { createParkingLot } from '../../src/queue/parking-lot.ts';
import type { ParkChange, ParkedPod } from '../../src/store/parked-pods.ts';

const parked: ParkedPod = { jobId: 'j', podIndex: 0, namespace: 'ns', name: 'p', awaited: [{ name: 'app', ready: false }], untilMs: 10_000_000, sinceMs: 0 };

const up: PodState = {
  kind: 'present',
  pod: {
    namespace: 'ns',
    name: 'p',
    uid: 'u',
    labels: {},
    annotations: {},
    containers: ['app'],
    phase: 'Running',
    containerStatuses: [{ name: 'app', running: true, terminated: false, ready: true }],
    terminating: false,
  },
};

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a pod parked while a read of the whole index is on its way stays in the index and is woken', async (t) => {
  // The read (after a gap in the messages, or on its timer) listed the namespaces before the
  // park's SADD: it answers without the pod's namespace, and must not drop what was parked meanwhile.
  const listeners = new Map<string, (name: string, state: PodState) => void>();
  let resubscribed: (() => void) | null = null;
  let releaseScan: (() => void) | null = null;
  let scans = 0;
  const promoted: ParkedPod[] = [];
  const lot = createParkingLot({
    store: {
      park: async () => undefined,
      unpark: async () => undefined,
      scan: async () => {
        if (scans++ === 0) return; // start(): nothing parked
        await new Promise<void>((r) => (releaseScan = r)); // the second read: listed before the park
      },
    },
    changes: { onParkChange: () => () => undefined, onResubscribed: (cb) => ((resubscribed = cb), () => undefined) },
    watch: {
      listen(namespace, onPod) {
        listeners.set(namespace, onPod);
        return () => listeners.delete(namespace);
      },
    },
    promote: async (pod) => (promoted.push(pod), true),
    log: pino({ level: 'silent' }),
  });
  await lot.start();
  t.after(() => lot.stop());
  (resubscribed as (() => void) | null)?.();
  await settle();
  await lot.park(parked);
  (releaseScan as (() => void) | null)?.();
  await settle();
  await settle();
  assert.equal(lot.size, 1, 'the pod parked during the read is still indexed');
  listeners.get('ns')?.('p', up);
  await settle();
  assert.equal(promoted.length, 1, 'its container up wakes it');
});

test('a park message that comes while a read of the whole index is on its way is kept', async (t) => {
  const listeners = new Map<string, (name: string, state: PodState) => void>();
  let onChange: ((c: ParkChange) => void) | null = null;
  let resubscribed: (() => void) | null = null;
  let releaseScan: (() => void) | null = null;
  let scans = 0;
  const promoted: ParkedPod[] = [];
  const lot = createParkingLot({
    store: {
      park: async () => undefined,
      unpark: async () => undefined,
      scan: async (each) => {
        if (scans++ === 0) return;
        await new Promise<void>((r) => (releaseScan = r));
        each('ns', []); // its hash was read before the other process's HSET
      },
    },
    changes: { onParkChange: (cb) => ((onChange = cb), () => undefined), onResubscribed: (cb) => ((resubscribed = cb), () => undefined) },
    watch: {
      listen(namespace, onPod) {
        listeners.set(namespace, onPod);
        return () => listeners.delete(namespace);
      },
    },
    promote: async (pod) => (promoted.push(pod), true),
    log: pino({ level: 'silent' }),
  });
  await lot.start();
  t.after(() => lot.stop());
  (resubscribed as (() => void) | null)?.();
  await settle();
  (onChange as ((c: ParkChange) => void) | null)?.({ kind: 'parked', pod: parked });
  (releaseScan as (() => void) | null)?.();
  await settle();
  await settle();
  assert.equal(lot.size, 1);
  listeners.get('ns')?.('p', up);
  await settle();
  assert.equal(promoted.length, 1);
});

test('an unpark message that comes while a read of the whole index is on its way is not undone by it', async (t) => {
  let onChange: ((c: ParkChange) => void) | null = null;
  let resubscribed: (() => void) | null = null;
  let releaseScan: (() => void) | null = null;
  let scans = 0;
  const lot = createParkingLot({
    store: {
      park: async () => undefined,
      unpark: async () => undefined,
      scan: async (each) => {
        if (scans++ === 0) return;
        await new Promise<void>((r) => (releaseScan = r));
        each('ns', [parked]); // read before the other process's HDEL
      },
    },
    changes: { onParkChange: (cb) => ((onChange = cb), () => undefined), onResubscribed: (cb) => ((resubscribed = cb), () => undefined) },
    watch: { listen: () => () => undefined },
    promote: async () => true,
    log: pino({ level: 'silent' }),
  });
  await lot.start();
  t.after(() => lot.stop());
  const change = (c: ParkChange): void => (onChange as ((c: ParkChange) => void) | null)?.(c);
  change({ kind: 'parked', pod: parked });
  (resubscribed as (() => void) | null)?.();
  await settle();
  change({ kind: 'unparked', slot: parked });
  (releaseScan as (() => void) | null)?.();
  await settle();
  await settle();
  assert.equal(lot.size, 0);
});

test('a promotion that fails (Redis away) is tried again while the pod is parked', async (t) => {
  const listeners = new Map<string, (name: string, state: PodState) => void>();
  let calls = 0;
  const lot = createParkingLot({
    store: { park: async () => undefined, unpark: async () => undefined, scan: async () => undefined },
    changes: { onParkChange: () => () => undefined },
    watch: {
      listen(namespace, onPod) {
        listeners.set(namespace, onPod);
        return () => listeners.delete(namespace);
      },
    },
    promote: async () => {
      if (calls++ === 0) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return true;
    },
    log: pino({ level: 'silent' }),
    promoteRetryMs: 5,
  });
  await lot.start();
  t.after(() => lot.stop());
  await lot.park(parked);
  listeners.get('ns')?.('p', up); // the only event: the container stays up
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(calls, 2, 'asked again after the failure');
  assert.equal(lot.size, 0, 'woken');
});
