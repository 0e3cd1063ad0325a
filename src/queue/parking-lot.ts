// Wakes parked pods. Every worker process runs one: it holds the index of all parked pods
// (read from the store at start and every RESYNC_MS, kept current in between by the park and
// unpark messages), listens to the shared watch of each namespace that has any (one watch per
// namespace per process, whatever the number of pods), and when an event shows a parked pod's
// wait is over it promotes that pod's delayed queue job, so some worker runs it now. Every
// process watches every parked namespace, so a worker that dies leaves nothing unwatched:
// the others already see the same events. A promotion is idempotent (only a delayed job
// moves), so several processes waking the same pod run it once.

import { waitOver } from '../domain/wait-over.ts';
import type { PodState } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { OwnedPark, ParkChange, ParkedPod, ParkedPods, ParkedSlot } from '../store/parked-pods.ts';
import { slotField } from '../store/parked-pods.ts';
import { ParkedIndex } from './parked-index.ts';

/** The namespace-wide event feed of the shared watch. */
export interface NamespaceEvents {
  /**
   * catchUp: also tell the pods as they are now, when the watch has listed them before;
   * onListed, after that list: whether it (or an event since) showed a pod of that name.
   */
  listen(
    namespace: string,
    onPod: (name: string, state: PodState) => void,
    opts?: { readonly catchUp?: boolean; readonly onListed?: (seen: (name: string) => boolean) => void },
  ): () => void;
}

export interface ParkingLotDeps {
  readonly store: ParkedPods;
  readonly changes: {
    onParkChange(cb: (change: ParkChange) => void): () => void;
    /** After a gap in the messages (the subscription was lost): the index is read again. */
    onResubscribed?(cb: () => void): () => void;
  };
  readonly watch: NamespaceEvents;
  /** Moves the pod's delayed queue job to the waiting list: true when it was delayed. */
  readonly promote: (pod: ParkedPod) => Promise<boolean>;
  readonly log: Logger;
  readonly clock?: () => number;
  /**
   * How often the whole index is read again, besides after a gap in the messages: a message
   * lost some other way is repaired by then. Default 5 min (a read of 100,000 entries is
   * work: it is not done often).
   */
  readonly resyncMs?: number;
  /**
   * After a promotion fails (Redis away), it is asked again this long later, doubling up to
   * 30 s, while the pod is still parked here. Default 1 s.
   */
  readonly promoteRetryMs?: number;
  /**
   * A read of the whole index removes entries whose deadline passed this long ago (see
   * pruneStale). Default 70 s: a minute for the woken run to unpark it itself and for clocks
   * that differ between processes, plus the worker's lock (8 s) and stalled-check (2 s)
   * window in which a killed run's pod is taken over and unparked by another worker.
   */
  readonly staleAfterMs?: number;
}

export interface ParkingLot {
  /** Reads every parked pod and starts watching their namespaces. */
  start(): Promise<void>;
  park(pod: ParkedPod): Promise<void>;
  /** Removes this park (its token), not a later park of the same slot. */
  unpark(park: OwnedPark): Promise<void>;
  /** Wakes this pod now (its wait is over, or its job stops). */
  wake(pod: ParkedPod, state: PodState | null): void;
  /** Wakes every parked pod of the job: it stops. */
  wakeJob(jobId: string): void;
  /** The observation that woke this pod, if this process saw it (spares the pod a read). */
  takeWoken(slot: Pick<ParkedSlot, 'jobId' | 'podIndex'>): PodState | null;
  jobIds(): string[];
  oldestSinceMs(): number | null;
  readonly size: number;
  stop(): void;
}

/** A woken pod's observation is kept this long for the run that follows. */
const WOKEN_TTL_MS = 60_000;
const STALE_AFTER_MS = 60_000 + 8_000 + 2_000;
const PROMOTE_RETRY_MAX_MS = 30_000;

export function createParkingLot(deps: ParkingLotDeps): ParkingLot {
  const { log } = deps;
  const clock = deps.clock ?? Date.now;
  const index = new ParkedIndex();
  const listening = new Map<string, () => void>();
  // A pod's promotion on its way, and whether another wake came meanwhile (see wake).
  const waking = new Map<string, { again: boolean }>();
  const woken = new Map<string, { state: PodState; atMs: number }>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const retryMs = deps.promoteRetryMs ?? 1000;
  const retries = new Set<NodeJS.Timeout>();
  // Changes to the index seen while a full read is on its way, in order: that read may have
  // passed the namespace or the hash before them, so they are applied again on top of it.
  const replaying = new Set<Array<(ix: ParkedIndex) => unknown>>();
  /** Applies a change to the index, and again on top of every full read on its way. */
  const change = <T>(op: (ix: ParkedIndex) => T): T => {
    for (const ops of replaying) ops.push(op);
    return op(index);
  };

  const onPod = (namespace: string) => (name: string, state: PodState): void => {
    for (const pod of index.forPod(namespace, name)) {
      try {
        if (waitOver(pod.awaited, state)) wake(pod, state);
      } catch (err) {
        log.error({ jobId: pod.jobId, namespace, pod: name, err: err instanceof Error ? err.message : String(err) }, 'parked pod could not be checked');
      }
    }
  };

  /**
   * A parked pod that the catch-up list does not show was deleted before this lot listened: no
   * event will tell of it, and it would sleep to its deadline. It is woken without a state, so
   * its run reads the pod itself (a stale list only costs that read and a park again).
   */
  const onListed = (namespace: string) => (seen: (name: string) => boolean): void => {
    for (const pod of index.inNamespace(namespace)) if (!seen(pod.name)) wake(pod, null);
  };

  /**
   * One listener per namespace with parked pods; none for the others. A listener made for a
   * pod this process parks itself needs no catch-up: its run read the pod and looks once more
   * after the move to delayed. One made for pods learned from a message or a read of the index
   * does: their containers may have come up before it joined a watch already running here.
   */
  const follow = (catchUp = true): void => {
    const wanted = new Set(index.namespaces());
    for (const ns of wanted) if (!listening.has(ns) && !stopped) listening.set(ns, deps.watch.listen(ns, onPod(ns), { catchUp, onListed: onListed(ns) }));
    for (const [ns, off] of listening) {
      if (wanted.has(ns)) continue;
      off();
      listening.delete(ns);
    }
  };

  const wake = (pod: ParkedPod, state: PodState | null, attempt = 0): void => {
    const field = slotField(pod);
    if (state !== null) woken.set(field, { state, atMs: clock() });
    // One promotion at a time per pod, but a wake that comes meanwhile is kept: the event
    // can reach this lot while the pod's run is still moving its job to delayed, so that
    // promotion finds nothing to move, and the run's own look after the move is this second
    // wake. Dropped, the pod would sleep to its deadline.
    const flight = waking.get(field);
    if (flight) {
      flight.again = true;
      return;
    }
    const mine = { again: false };
    waking.set(field, mine);
    const log1 = { jobId: pod.jobId, namespace: pod.namespace, pod: pod.name, podIndex: pod.podIndex };
    let moved = false;
    let failed = false;
    deps.promote(pod).then(
      (done) => {
        moved = done;
        if (moved) {
          // Its run unparks it in the store; until then no event needs to wake it again.
          if (index.remove(pod, pod.token)) follow();
          log.debug(log1, 'parked pod woken');
        }
      },
      (err: unknown) => {
        failed = true;
        log.warn({ ...log1, err: err instanceof Error ? err.message : String(err) }, 'parked pod could not be woken; asking again');
      },
    ).finally(() => {
      waking.delete(field);
      if (stopped || moved) return;
      if (mine.again) return wake(pod, null);
      // The event that showed the container up may be the last one the pod has: without
      // another ask it would sleep to its deadline. Asked while it is still parked here.
      if (failed) {
        const t = setTimeout(() => {
          retries.delete(t);
          if (!stopped && index.has(pod)) wake(pod, null, attempt + 1);
        }, Math.min(PROMOTE_RETRY_MAX_MS, retryMs * 2 ** attempt));
        t.unref();
        retries.add(t);
      }
    });
  };

  /**
   * Removes entries whose deadline passed long ago. Nothing else would: a park whose job
   * update or move to delayed failed, retried by a run that did not park again (its job data
   * has no waitStartMs, so its run never unparks), stayed forever, its namespace watched in
   * every process. Removing one loses no hook: the entry only lets the watch promote the
   * delayed job early, and park() in worker.ts delays the job until the entry's own untilMs,
   * so a job still delayed is moved to waiting by BullMQ at that deadline whatever the index
   * holds. The unpark is the same compare-and-delete on the token read: a park made since (a
   * new token) stays.
   */
  const pruneStale = async (stale: readonly ParkedPod[]): Promise<void> => {
    for (const pod of stale) {
      if (stopped) return;
      const log1 = { jobId: pod.jobId, namespace: pod.namespace, pod: pod.name, podIndex: pod.podIndex, untilMs: pod.untilMs };
      try {
        if (await deps.store.unpark(pod)) log.warn(log1, 'parked pod long past its deadline removed from the parked pods');
      } catch (err) {
        // Redis away: the next read of the index tries again.
        log.warn({ ...log1, err: err instanceof Error ? err.message : String(err) }, 'stale parked pod could not be removed; the next read tries again');
        return;
      }
      // Removed here, by another process (its message removes it too), or parked again: the token decides.
      if (change((ix) => ix.remove(pod, pod.token))) follow();
    }
  };

  const resync = async (): Promise<void> => {
    const seen = new Set<string>();
    const meanwhile: Array<(ix: ParkedIndex) => unknown> = [];
    const staleBefore = clock() - (deps.staleAfterMs ?? STALE_AFTER_MS);
    const stale: ParkedPod[] = [];
    replaying.add(meanwhile);
    try {
      await deps.store.scan((namespace, pods) => {
        seen.add(namespace);
        index.replaceNamespace(namespace, pods);
        for (const pod of pods) if (pod.untilMs < staleBefore) stale.push(pod);
      });
      for (const ns of index.namespaces()) if (!seen.has(ns)) index.replaceNamespace(ns, []);
      // A park, unpark or message since the read began is newer than what it read.
      for (const op of meanwhile) op(index);
    } finally {
      replaying.delete(meanwhile);
    }
    index.compact();
    const now = clock();
    for (const [field, w] of woken) if (now - w.atMs > WOKEN_TTL_MS) woken.delete(field);
    follow();
    await pruneStale(stale);
  };

  const unsubscribe = deps.changes.onParkChange((c) => {
    if (stopped) return;
    if (c.kind === 'parked') change((ix) => ix.add(c.pod));
    // A message without a token (an older version's) mirrors an unpark that deleted whatever was there.
    else change((ix) => ix.remove(c.slot, c.token ?? undefined));
    follow();
  });
  const unsubscribeGap =
    deps.changes.onResubscribed?.(() => {
      if (stopped) return;
      resync().then(
        () => log.info({ parked: index.size }, 'parked pods read again after a gap in their messages'),
        (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'parked pods could not be read again; the next read repairs the index'),
      );
    }) ?? (() => undefined);

  return {
    async start() {
      await resync();
      const every = deps.resyncMs ?? 300_000;
      const loop = (): void => {
        timer = setTimeout(() => {
          resync().then(
            () => undefined,
            (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'parked pods could not be read again; retrying'),
          ).finally(() => {
            if (!stopped) loop();
          });
        }, every);
        timer.unref();
      };
      loop();
      log.info({ parked: index.size, namespaces: listening.size }, 'parked pods loaded');
    },
    async park(pod) {
      // Known here before the store has it: an event that comes meanwhile already finds it.
      change((ix) => ix.add(pod));
      follow(false);
      await deps.store.park(pod);
    },
    async unpark(park) {
      woken.delete(slotField(park));
      if (change((ix) => ix.remove(park, park.token))) follow();
      await deps.store.unpark(park);
    },
    wake,
    wakeJob(jobId) {
      for (const pod of index.ofJob(jobId)) wake(pod, null);
    },
    takeWoken(slot) {
      const field = slotField(slot);
      const w = woken.get(field);
      woken.delete(field);
      return w && clock() - w.atMs <= WOKEN_TTL_MS ? w.state : null;
    },
    jobIds: () => index.jobIds(),
    oldestSinceMs: () => index.oldestSinceMs(),
    get size() {
      return index.size;
    },
    stop() {
      stopped = true;
      unsubscribe();
      unsubscribeGap();
      if (timer) clearTimeout(timer);
      for (const t of retries) clearTimeout(t);
      retries.clear();
      for (const off of listening.values()) off();
      listening.clear();
    },
  };
}
