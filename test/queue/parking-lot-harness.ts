// A parking lot with its store, messages, watch and promotion as fakes the test drives: the
// events and messages it delivers, the reads of the whole index it holds open, the
// promotions it answers.

import pino from 'pino';
import type { PodState } from '../../src/domain/types.ts';
import { createParkingLot, type ParkingLot } from '../../src/queue/parking-lot.ts';
import type { OwnedPark, ParkChange, ParkedPod } from '../../src/store/parked-pods.ts';

export const parked: ParkedPod = { jobId: 'j', podIndex: 0, namespace: 'ns', name: 'p', awaited: [{ name: 'app', ready: false }], untilMs: 10_000_000, sinceMs: 0, token: 1 };

/** Pod ns/p with its container app running (and ready) or not. */
export const withApp = (running: boolean): PodState => ({
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

export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface LotHarness {
  readonly lot: ParkingLot;
  /** Delivers a watch event of ns/p to whoever listens to ns. */
  event(state: PodState): void;
  /** Delivers a park or unpark message as another process's would. */
  message(change: ParkChange): void;
  /** Reports a gap in the messages: the lot reads the whole index again. */
  resubscribe(): void;
  /** Each listen asked of the watch: namespace and whether it asked for a catch-up. */
  readonly listens: Array<{ namespace: string; catchUp: boolean | undefined }>;
  /** Ends the catch-up list of ns as the watch would: these names were in it (or told since). */
  listed(names: readonly string[]): void;
  /** One entry per promotion asked, in order; its outcome is the promote option's. */
  readonly promotions: ParkedPod[];
  /** Each unpark asked of the store, in order. */
  readonly unparks: OwnedPark[];
}

export interface LotHarnessOptions {
  /** Each read of the whole index after the first (start's, which finds nothing). */
  readonly rescan?: (each: (namespace: string, pods: ParkedPod[]) => void) => Promise<void>;
  /** Answers a promotion: true when the job was delayed (default), or throws. */
  readonly promote?: (pod: ParkedPod) => Promise<boolean>;
  readonly promoteRetryMs?: number;
  readonly clock?: () => number;
  readonly staleAfterMs?: number;
}

export async function lotHarness(opts: LotHarnessOptions = {}): Promise<LotHarness> {
  const listeners = new Map<string, (name: string, state: PodState) => void>();
  const onListed = new Map<string, (seen: (name: string) => boolean) => void>();
  const listens: LotHarness['listens'] = [];
  const promotions: ParkedPod[] = [];
  const unparks: OwnedPark[] = [];
  let onChange: ((change: ParkChange) => void) | null = null;
  let onGap: (() => void) | null = null;
  let scans = 0;
  const lot = createParkingLot({
    store: {
      park: async () => undefined,
      unpark: async (park) => {
        unparks.push(park);
        return true;
      },
      scan: async (each) => {
        if (scans++ > 0) await opts.rescan?.(each);
      },
    },
    changes: {
      onParkChange: (cb) => {
        onChange = cb;
        return () => undefined;
      },
      onResubscribed: (cb) => {
        onGap = cb;
        return () => undefined;
      },
    },
    watch: {
      listen(namespace, onPod, listenOpts) {
        listens.push({ namespace, catchUp: listenOpts?.catchUp });
        listeners.set(namespace, onPod);
        if (listenOpts?.onListed) onListed.set(namespace, listenOpts.onListed);
        return () => listeners.delete(namespace);
      },
    },
    promote: (pod) => {
      promotions.push(pod);
      return opts.promote ? opts.promote(pod) : Promise.resolve(true);
    },
    log: pino({ level: 'silent' }),
    ...(opts.promoteRetryMs !== undefined ? { promoteRetryMs: opts.promoteRetryMs } : {}),
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    ...(opts.staleAfterMs !== undefined ? { staleAfterMs: opts.staleAfterMs } : {}),
  });
  await lot.start();
  return {
    lot,
    event: (state) => listeners.get('ns')?.('p', state),
    message: (change) => (onChange as ((c: ParkChange) => void) | null)?.(change),
    resubscribe: () => (onGap as (() => void) | null)?.(),
    listens,
    listed: (names) => onListed.get('ns')?.((n) => names.includes(n)),
    promotions,
    unparks,
  };
}

/** A read of the whole index that the test holds open, then lets answer. */
export function heldRead(answer: (each: (namespace: string, pods: ParkedPod[]) => void) => void): {
  readonly rescan: NonNullable<LotHarnessOptions['rescan']>;
  release(): void;
} {
  let release: (() => void) | null = null;
  return {
    rescan: async (each) => {
      await new Promise<void>((r) => (release = r));
      answer(each);
    },
    release: () => (release as (() => void) | null)?.(),
  };
}
