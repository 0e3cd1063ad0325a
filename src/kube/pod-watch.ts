// The PodWaiter of src/queue/ports.ts: one NamespaceInformer per namespace, shared by every
// waiting pod of that namespace (never a watch per pod, never a poll). Subscribers are
// indexed by pod name, so an event costs a map lookup however many pods wait.
// The informer starts with its first subscriber and stops `lingerMs` after its last one
// leaves. Each wait also GETs its pod once: client-node's informer has been seen to lag
// tens of seconds after a relist, so the wait must not trust the watch alone.

import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { PodRef, PodState } from '../domain/types.ts';
import type { PodTrack, PodWaiter, WaitResult } from '../queue/ports.ts';
import { KubeError } from './errors.ts';
import { createLimiter } from './limiter.ts';
import { NamespaceInformer } from './namespace-informer.ts';
import type { NamespaceInformerOptions } from './namespace-informer.ts';
import { podListsFor } from './pod-lists.ts';
import { toPodView } from './pod-view.ts';
import { retryRead } from './request.ts';

export interface ListenOptions {
  readonly catchUp?: boolean;
  readonly onListed?: (seen: (name: string) => boolean) => void;
}

export interface PodWatchHubDeps {
  readonly kc: KubeConfig;
  readonly log: Logger;
  /** How long an informer outlives its last subscriber. Default 30 s. */
  readonly lingerMs?: number;
  /** Tuning of each namespace's informer (tests shorten these). */
  readonly informer?: Pick<NamespaceInformerOptions, 'timeoutSeconds' | 'inactivityMs' | 'backoff' | 'pageSize'>;
  /** GETs in flight at once across all waits. Default 32. */
  readonly maxConcurrentGets?: number;
}

export type PodWatchHub = PodWaiter & {
  /**
   * These pods are about to be worked on here: keep their state from the namespace's list and
   * watch, so their first read costs no request. Resolves once the state of each is known
   * from the watch's list (or a list made for them), or could not be.
   */
  expect(namespace: string, names: readonly string[]): Promise<void>;
  /**
   * Resolves once the state of a pod named to `expect` is known (a page of the list or an
   * event brought it), or once that list ended without it; at once for a pod whose state is
   * known or that is not expected. A pod on a list's first page need not wait for its last.
   */
  known(ref: PodRef): Promise<void>;
  /**
   * Every event of the namespace's pods, while the returned function has not been called.
   * `catchUp` (default true): when the namespace's informer has listed already, the listener
   * is also told the pods as one list shows them (see listen); false when the caller has the
   * pods it cares about from a read of its own since before it listens. `onListed`, after a
   * catch-up list that completed: whether a pod name was in it or an event told of it since
   * the listener joined (answered during the call only). A name that is neither was deleted
   * before the listener joined (or the list was stale): no event will ever tell of it.
   */
  listen(namespace: string, onPod: (name: string, state: PodState) => void, opts?: ListenOptions): () => void;
  stop(): Promise<void>;
  stats(): { namespaces: number; subscribers: number; expected: number };
};

interface Subscriber {
  deliver(state: PodState): void;
  fail(err: Error): void;
}

interface NamespaceEntry {
  readonly informer: NamespaceInformer;
  readonly byPod: Map<string, Set<Subscriber>>;
  readonly listeners: Set<(name: string, state: PodState) => void>;
  /** Pods expected soon: their latest state (null until seen) and until when they are kept. */
  readonly expected: Map<string, { state: PodState | null; untilMs: number }>;
  /** Expected pods whose state is not known yet -> who waits for it (see known). */
  readonly awaited: Map<string, (() => void)[]>;
  /** A list made for expected pods the informer had already passed; at most one runs. */
  refilling: Promise<void> | null;
  refillAgain: boolean;
  count: number;
  linger: NodeJS.Timeout | null;
}

// setTimeout fires at once beyond 2^31-1 ms: long deadlines are reached in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
// A failed initial GET with one of these will not get better by waiting for the watch.
const PERMANENT = new Set(['KUBE_UNAUTHORIZED', 'KUBE_FORBIDDEN', 'KUBE_BAD_REQUEST']);
const DELETED: PodState = { kind: 'deleted' };
/** Sockets for the namespaces' lists (informers' relists and the read-ahead's). */
const LIST_SOCKETS = 16;
/** How long a pod expected by a read-ahead is kept waiting for its run. */
const EXPECT_MS = 120_000;
/** Lists made for listeners that join a listed namespace: at most this many at once. */
const CATCH_UPS = 2;
/** Pods per page of the lists made here (expected pods, catch-ups). */
const LIST_PAGE = 500;

export function createPodWatchHub(deps: PodWatchHubDeps): PodWatchHub {
  const { kc, log } = deps;
  const lingerMs = deps.lingerMs ?? 30_000;
  const maxGets = deps.maxConcurrentGets ?? 32;
  const limiter = createLimiter(maxGets);
  const catchUps = createLimiter(CATCH_UPS);
  // The GETs of waits have sockets of their own: a relist of every namespace at once (after an
  // API server restart) holds the list client's for seconds, and a request's deadline runs
  // while it waits for a socket.
  const lists = podListsFor(kc, { maxSockets: LIST_SOCKETS });
  const reads = podListsFor(kc, { maxSockets: maxGets });
  const entries = new Map<string, NamespaceEntry>();
  const stopping = new Set<Promise<void>>();
  let subscribers = 0;
  let stopped = false;

  /** Those who wait for an expected pod's state are told it is known, or that it will not be. */
  const wakeAwaiting = (entry: NamespaceEntry, name: string): void => {
    const waiters = entry.awaited.get(name);
    if (waiters === undefined) return;
    entry.awaited.delete(name);
    for (const wake of waiters) wake();
  };

  const dispatch = (entry: NamespaceEntry, name: string, state: () => PodState): void => {
    const subs = entry.byPod.get(name);
    const expected = entry.expected.get(name);
    if (subs === undefined && entry.listeners.size === 0 && expected === undefined) return;
    const value = state(); // mapped once per event, not once per subscriber
    if (expected !== undefined) {
      expected.state = value;
      wakeAwaiting(entry, name);
    }
    for (const sub of subs ?? []) sub.deliver(value);
    for (const listener of entry.listeners) listener(name, value);
  };

  const stopInformer = (informer: NamespaceInformer): void => {
    const p = informer.stop().finally(() => stopping.delete(p));
    stopping.add(p);
  };

  /** The namespace's entry, its informer started; the caller counts itself in `count`. */
  const entryOf = (namespace: string): NamespaceEntry => {
    let entry = entries.get(namespace);
    if (entry === undefined) {
      const byPod = new Map<string, Set<Subscriber>>();
      const created: NamespaceEntry = {
        byPod,
        listeners: new Set(),
        expected: new Map(),
        awaited: new Map(),
        refilling: null,
        refillAgain: false,
        count: 0,
        linger: null,
        informer: new NamespaceInformer({
          ...deps.informer,
          kc,
          namespace,
          log,
          lists,
          handlers: {
            upsert: (pod: V1Pod) => dispatch(created, pod.metadata?.name ?? '', () => ({ kind: 'present', pod: toPodView(pod) })),
            delete: (podName: string) => dispatch(created, podName, () => DELETED),
          },
        }),
      };
      entry = created;
      entries.set(namespace, entry);
      entry.informer.start();
    }
    if (entry.linger !== null) {
      clearTimeout(entry.linger);
      entry.linger = null;
    }
    return entry;
  };

  const lingerOut = (namespace: string, entry: NamespaceEntry): void => {
    if (entry.count !== 0 || entry.expected.size !== 0 || entry.linger !== null || stopped) return;
    entry.linger = setTimeout(() => {
      if (entry.count !== 0 || entry.expected.size !== 0 || entries.get(namespace) !== entry) return;
      entries.delete(namespace);
      stopInformer(entry.informer);
    }, lingerMs);
  };

  const subscribe = (namespace: string, name: string, sub: Subscriber): void => {
    const entry = entryOf(namespace);
    let subs = entry.byPod.get(name);
    if (subs === undefined) {
      subs = new Set();
      entry.byPod.set(name, subs);
    }
    subs.add(sub);
    entry.count++;
    subscribers++;
  };

  const unsubscribe = (namespace: string, name: string, sub: Subscriber): void => {
    const entry = entries.get(namespace);
    const subs = entry?.byPod.get(name);
    if (entry === undefined || subs === undefined || !subs.delete(sub)) return;
    if (subs.size === 0) entry.byPod.delete(name);
    entry.count--;
    subscribers--;
    lingerOut(namespace, entry);
  };

  /** One list of the namespace, page by page, each pod handed to `visit`; ends early when `visit` says false or the hub stops. */
  const listEach = async (namespace: string, visit: (pod: V1Pod) => boolean, signal?: AbortSignal): Promise<void> => {
    const what = `list pods in ${namespace}`;
    let cont: string | undefined;
    do {
      const page = await retryRead(() => lists.page({ namespace, limit: LIST_PAGE, continue: cont }, what, { signal }), { signal });
      for (const pod of page.items) if (!visit(pod)) return;
      cont = page.continue;
    } while (cont !== undefined && !stopped);
  };

  const listen = (namespace: string, onPod: (name: string, state: PodState) => void, opts?: ListenOptions): (() => void) => {
    if (stopped) return () => undefined;
    const entry = entryOf(namespace);
    // An informer that has listed already emits only changes from now on: a listener that
    // joins it (the parking lot learning of a parked pod from a message or a read of the
    // index) would never be told of a pod whose container came up before. It gets the pods
    // as one list shows them, but not one an event has told it of since it joined (newer).
    const catchUp = (opts?.catchUp ?? true) && entry.informer.synced;
    const told = new Set<string>();
    const listed = new Set<string>();
    const abort = new AbortController();
    let done = false;
    const listener = catchUp
      ? (name: string, state: PodState): void => {
          told.add(name);
          onPod(name, state);
        }
      : onPod;
    entry.listeners.add(listener);
    entry.count++;
    if (catchUp) {
      // Few at a time: every namespace may be joined at once (a read of 100,000 parked pods),
      // and a page of pods is large until it is reduced to views.
      catchUps
        .run(async () => {
          await listEach(
            namespace,
            (pod) => {
              if (done) return false;
              const name = pod.metadata?.name ?? '';
              listed.add(name);
              if (!told.has(name)) onPod(name, { kind: 'present', pod: toPodView(pod) });
              return true;
            },
            abort.signal,
          );
          if (!done && !stopped) opts?.onListed?.((name) => listed.has(name) || told.has(name));
          told.clear();
          listed.clear();
        }, abort.signal)
        .catch((err: unknown) => {
          if (!done) log.warn({ namespace, err: err instanceof Error ? err.message : String(err) }, 'pods could not be listed for a new listener; it hears of them at their next change');
        });
    }
    return () => {
      if (done || !entry.listeners.delete(listener)) return;
      done = true;
      abort.abort();
      entry.count--;
      lingerOut(namespace, entry);
    };
  };

  const get = async (ref: PodRef, signal: AbortSignal): Promise<PodState> => {
    try {
      const pod = await limiter.run(() => retryRead(() => reads.get(ref, `read pod ${ref.namespace}/${ref.name}`, { signal }), { signal }), signal);
      return { kind: 'present', pod: toPodView(pod) };
    } catch (err) {
      if (err instanceof KubeError && err.code === 'KUBE_NOT_FOUND') return DELETED;
      throw err;
    }
  };

  const waitFor = (ref: PodRef, until: (state: PodState) => boolean, deadlineMs: number, signal: AbortSignal): Promise<WaitResult> =>
    new Promise<WaitResult>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      if (stopped) return reject(new KubeError('KUBE_UNAVAILABLE', 'pod watch is stopped'));
      let settled = false;
      let last: PodState | null = null;
      let watchSeen = false;
      let deadlinePassed = false;
      let timer: NodeJS.Timeout | undefined;
      const getController = new AbortController();

      // Every exit path goes through here: timer, listener, GET and subscription are released.
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        getController.abort();
        unsubscribe(ref.namespace, ref.name, sub);
        settle();
      };
      const observe = (state: PodState, fromWatch: boolean): void => {
        if (settled) return;
        // A GET answer that arrives after a watch event may be older than it: keep the event as `last`.
        if (fromWatch || !watchSeen) last = state;
        if (fromWatch) watchSeen = true;
        let holds: boolean;
        try {
          holds = until(state);
        } catch (err) {
          finish(() => reject(err));
          return;
        }
        if (holds) finish(() => resolve({ state, timedOut: false }));
        else if (deadlinePassed) finish(() => resolve({ state: last ?? state, timedOut: true }));
      };
      const onAbort = (): void => finish(() => reject(signal.reason));
      const sub: Subscriber = { deliver: (state) => observe(state, true), fail: (err) => finish(() => reject(err)) };
      const onDeadline = (): void => {
        const remaining = deadlineMs - Date.now();
        if (remaining > 0) {
          timer = setTimeout(onDeadline, Math.min(remaining, MAX_TIMER_MS));
          return;
        }
        deadlinePassed = true;
        const state = last;
        // Nothing observed yet: the GET in flight (bounded by its request timeout) gives the answer.
        if (state !== null) finish(() => resolve({ state, timedOut: true }));
      };

      subscribe(ref.namespace, ref.name, sub);
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(onDeadline, Math.min(Math.max(0, deadlineMs - Date.now()), MAX_TIMER_MS));
      get(ref, getController.signal).then(
        (state) => {
          observe(state, false);
          const final = last ?? state;
          if (deadlinePassed) finish(() => resolve({ state: final, timedOut: true }));
        },
        (err: unknown) => {
          if (settled) return;
          const error = err instanceof Error ? err : new Error(String(err));
          if (deadlinePassed && last === null) return finish(() => reject(error));
          if (err instanceof KubeError && PERMANENT.has(err.code)) return finish(() => reject(error));
          // Transient: the shared watch can still deliver the pod's state.
          log.warn({ namespace: ref.namespace, pod: ref.name, err: error.message }, 'initial pod read failed; relying on the watch');
        },
      );
    });

  const track = (ref: PodRef): PodTrack => {
    let latest: PodState | null = entries.get(ref.namespace)?.expected.get(ref.name)?.state ?? null;
    const sub: Subscriber = { deliver: (state) => (latest = state), fail: () => undefined };
    if (!stopped) subscribe(ref.namespace, ref.name, sub);
    return {
      latest: () => latest,
      release: () => {
        const entry = entries.get(ref.namespace);
        entry?.expected.delete(ref.name); // read: its expectation is used up
        // Whoever still waits for it (a read-ahead that gave up at its deadline) waits no longer.
        if (entry !== undefined) wakeAwaiting(entry, ref.name);
        unsubscribe(ref.namespace, ref.name, sub);
      },
    };
  };

  /** Lists the namespace once for expected pods not seen yet (the informer's own list came before them). */
  const listFor = (namespace: string, entry: NamespaceEntry): Promise<void> =>
    listEach(namespace, (pod) => {
      const name = pod.metadata?.name ?? '';
      const e = entry.expected.get(name);
      // Only a pod no event has shown yet: an event that came meanwhile is newer than this page.
      if (e !== undefined && e.state === null) {
        e.state = { kind: 'present', pod: toPodView(pod) };
        wakeAwaiting(entry, name);
      }
      return true;
    });

  const refill = (namespace: string, entry: NamespaceEntry): Promise<void> => {
    entry.refillAgain = true;
    entry.refilling ??= (async () => {
      while (entry.refillAgain && !stopped) {
        entry.refillAgain = false;
        await listFor(namespace, entry).catch((err: unknown) =>
          log.warn({ namespace, err: err instanceof Error ? err.message : String(err) }, 'pods expected here could not be listed; each is read on its own'),
        );
      }
    })().finally(() => (entry.refilling = null));
    return entry.refilling;
  };

  const expect = async (namespace: string, names: readonly string[]): Promise<void> => {
    if (stopped || names.length === 0) return;
    const entry = entryOf(namespace);
    const untilMs = Date.now() + EXPECT_MS;
    let missing = false;
    for (const name of names) {
      const e = entry.expected.get(name);
      if (e === undefined) entry.expected.set(name, { state: null, untilMs });
      else e.untilMs = untilMs;
      missing ||= (e?.state ?? null) === null;
    }
    // Not listed yet: the informer's first list brings them. Listed already: list for them.
    try {
      if (!entry.informer.synced) await entry.informer.whenSynced();
      else if (missing) await refill(namespace, entry);
    } finally {
      // The list has ended: a pod it did not bring (gone, or failed to list) is waited for no longer.
      if (entry.awaited.size > 0) for (const name of names) wakeAwaiting(entry, name);
    }
  };

  const known = (ref: PodRef): Promise<void> => {
    const entry = entries.get(ref.namespace);
    const e = entry?.expected.get(ref.name);
    if (entry === undefined || e === undefined || e.state !== null || stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiters = entry.awaited.get(ref.name);
      if (waiters === undefined) entry.awaited.set(ref.name, [resolve]);
      else waiters.push(resolve);
    });
  };

  // Expectations of pods that another process took, or that never came, are dropped.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [namespace, entry] of entries) {
      for (const [name, e] of entry.expected) {
        if (e.untilMs >= now) continue;
        entry.expected.delete(name);
        wakeAwaiting(entry, name);
      }
      lingerOut(namespace, entry);
    }
  }, EXPECT_MS / 2);
  sweep.unref();

  return {
    get,
    waitFor,
    track,
    listen,
    expect,
    known,
    stats: () => ({ namespaces: entries.size, subscribers, expected: [...entries.values()].reduce((n, e) => n + e.expected.size, 0) }),
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(sweep);
      const err = new KubeError('KUBE_UNAVAILABLE', 'pod watch is stopping');
      for (const entry of entries.values()) {
        if (entry.linger !== null) clearTimeout(entry.linger);
        for (const name of [...entry.awaited.keys()]) wakeAwaiting(entry, name);
        for (const subs of [...entry.byPod.values()]) for (const sub of [...subs]) sub.fail(err);
        stopInformer(entry.informer);
      }
      entries.clear();
      await Promise.all([...stopping]);
      lists.close();
      reads.close();
    },
  };
}
