// Writes the hooks' Events (domain/hook-event.ts) to the cluster through events.k8s.io/v1,
// as client-go's events broadcaster does: an Event that repeats (same object, reason,
// action, related object and note) within the series window is not created again; its
// series.count and series.lastObservedTime are PATCHed instead, and a series whose Event is
// gone (404) is created anew.
//
// Best effort, never in a hook's way: record() returns at once; writes run in the
// background, a few at a time. A job's writes are rate-limited by a token bucket of its
// own, so a 10,000-pod job cannot flood the API server; what the bucket or a full queue
// refuses is dropped and counted, and a write that fails is logged and counted. The job's
// results in hookd stay the record; Events are a view of them for kubectl users.
//
// A write is one JSON request over node:https (json-request.ts), not client-node's
// EventsV1Api, whose fetch, streams and model (de)serialization cost several times the CPU
// of the request itself on every hook that ends.

import type { EventsV1Event, KubeConfig } from '@kubernetes/client-node';
import { EventsV1Api, setHeaderOptions } from './client-node.ts';
import { aggregationKey, HOOK_EVENT_CONTROLLER, type HookEventSpec } from '../domain/hook-event.ts';
import type { Logger } from '../log.ts';
import { KubeError } from './errors.ts';
import { createJsonClient } from './json-request.ts';
import { createLimiter } from './limiter.ts';
import { callKube } from './request.ts';

export type EventWriteVerb = 'create' | 'patch';
export type EventDropReason = 'rate_limited' | 'queue_full';

export interface EventRecorderMetrics {
  written(verb: EventWriteVerb): void;
  failed(verb: EventWriteVerb): void;
  dropped(reason: EventDropReason): void;
}

export interface EventRecorderOptions {
  readonly kc: KubeConfig;
  readonly log: Logger;
  /** reportingInstance: this worker's name (at most 128 characters). */
  readonly instance: string;
  /** Writes a job may make at once, then `perSecond` more each second. */
  readonly burst: number;
  readonly perSecond: number;
  readonly metrics?: EventRecorderMetrics;
  readonly clock?: () => number;
  /** A repeat after this long since the last one starts a new Event (client-go: 6 minutes). */
  readonly seriesWindowMs?: number;
  /** Writes waiting or running; more are dropped. */
  readonly maxPending?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
}

/** What the pod processor needs: hand over an Event and go on. */
export interface HookEventSink {
  record(jobId: string, event: HookEventSpec): void;
}

export interface EventRecorder extends HookEventSink {
  /** Resolves once every write handed over so far has ended (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const SERIES_WINDOW_MS = 6 * 60_000;
const SWEEP_MS = 60_000;
/** Bucket entries idle this long are forgotten (a full bucket is the same as none). */
const BUCKET_IDLE_MS = 10 * 60_000;
const MAX_SERIES = 10_000;
const MAX_NAME = 253;

/** metav1.MicroTime's wire form: the API server wants exactly six digits of fraction. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A Date that client-node serializes as a MicroTime (it calls toISOString). */
class MicroDate extends Date {
  override toISOString(): string {
    return microTime(this.getTime());
  }
}

interface Series {
  readonly name: string;
  readonly namespace: string;
  readonly event: HookEventSpec;
  readonly firstMs: number;
  count: number;
  lastMs: number;
  /** A write of this Event is queued and has not started: a repeat only raises the count it will send. */
  pendingWrite: boolean;
  /** The last write, so the next one (a PATCH) goes after it (the CREATE). */
  tail: Promise<void>;
  /** The Event exists on the server (its CREATE answered). */
  created: boolean;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The Event as events.k8s.io/v1 takes it, its MicroTimes given by `time`; series only once it repeated. */
function eventOf<T>(s: Series, instance: string, time: (ms: number) => T) {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: s.name, namespace: s.namespace },
    eventTime: time(s.firstMs),
    ...(s.count > 1 ? { series: { count: s.count, lastObservedTime: time(s.lastMs) } } : {}),
    regarding: { ...s.event.regarding },
    ...(s.event.related ? { related: { ...s.event.related } } : {}),
    reason: s.event.reason,
    action: s.event.action,
    note: s.event.note,
    type: s.event.type,
    reportingController: HOOK_EVENT_CONTROLLER,
    reportingInstance: instance,
  };
}

const seriesPatch = (s: Series) => ({ series: { count: s.count, lastObservedTime: microTime(s.lastMs) } });

/**
 * The series PATCH is a JSON merge patch, as client-go's events broadcaster sends: it sets
 * two scalars of `series` and no list, so strategic merge patch would do the same, and
 * merge patch is taken by any server that serves events.k8s.io.
 */
const MERGE_PATCH = 'application/merge-patch+json';

interface EventWriter {
  create(s: Series, what: string): Promise<void>;
  patch(s: Series, what: string): Promise<void>;
  close(): void;
}

const eventsPath = (namespace: string): string => `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;

/**
 * node:https with the body as JSON text (json-request.ts): a fraction of the CPU of
 * client-node's generated API per write (bench/event-write-cpu.ts), which matters at
 * hundreds of hooks a second.
 */
function leanWriter(kc: KubeConfig, instance: string, timeoutMs: number, maxSockets: number): EventWriter {
  const http = createJsonClient(kc, { timeoutMs, maxSockets });
  return {
    create: (s, what) => http.send('POST', eventsPath(s.namespace), 'application/json', JSON.stringify(eventOf(s, instance, microTime)), what),
    patch: (s, what) => http.send('PATCH', `${eventsPath(s.namespace)}/${encodeURIComponent(s.name)}`, MERGE_PATCH, JSON.stringify(seriesPatch(s)), what),
    close: () => http.close(),
  };
}

/** client-node's EventsV1Api, for a cluster behind a proxy-url, which client-node can reach and the lean writer cannot. */
function clientNodeWriter(kc: KubeConfig, instance: string, timeoutMs: number): EventWriter {
  const api = kc.makeApiClient(EventsV1Api);
  return {
    create: async (s, what) => {
      const body: EventsV1Event = eventOf(s, instance, (ms) => new MicroDate(ms));
      await callKube(kc, what, (o) => api.createNamespacedEvent({ namespace: s.namespace, body }, o), { timeoutMs });
    },
    patch: async (s, what) => {
      await callKube(kc, what, (o) => api.patchNamespacedEvent({ namespace: s.namespace, name: s.name, body: seriesPatch(s) }, setHeaderOptions('Content-Type', MERGE_PATCH, o)), { timeoutMs });
    },
    close: () => undefined,
  };
}

export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const clock = opts.clock ?? Date.now;
  const window = opts.seriesWindowMs ?? SERIES_WINDOW_MS;
  const maxPending = opts.maxPending ?? 1000;
  const concurrency = opts.concurrency ?? 4;
  const limiter = createLimiter(concurrency);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const writer = (opts.kc.getCurrentCluster()?.proxyUrl ?? '') !== '' ? clientNodeWriter(opts.kc, opts.instance, timeoutMs) : leanWriter(opts.kc, opts.instance, timeoutMs, concurrency);
  const metrics = opts.metrics;
  const log = opts.log.child({ component: 'events' });
  const series = new Map<string, Series>();
  const buckets = new Map<string, Bucket>();
  const warnedJobs = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  let closed = false;

  const take = (jobId: string, now: number): boolean => {
    const b = buckets.get(jobId) ?? { tokens: opts.burst, atMs: now };
    b.tokens = Math.min(opts.burst, b.tokens + ((now - b.atMs) / 1000) * opts.perSecond);
    b.atMs = now;
    buckets.set(jobId, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const drop = (jobId: string, reason: EventDropReason, e: HookEventSpec): void => {
    metrics?.dropped(reason);
    // One line per job, not one per dropped Event.
    if (warnedJobs.has(jobId)) return;
    warnedJobs.add(jobId);
    log.warn({ jobId, namespace: e.namespace, pod: e.regarding.name, reason }, 'hook Events dropped for this job (see hookd_events_dropped_total); its results stay in hookd');
  };

  /** client-go names an Event after its object and the time in nanoseconds, in hex. */
  const nameFor = (pod: string, now: number): string => {
    seq = (seq + 1) % 1_000_000;
    const suffix = (BigInt(Math.floor(now)) * 1_000_000n + BigInt(seq)).toString(16);
    return `${pod.slice(0, MAX_NAME - suffix.length - 1)}.${suffix}`;
  };

  const create = async (s: Series): Promise<void> => {
    await writer.create(s, `create Event ${s.namespace}/${s.name}`);
    s.created = true;
    metrics?.written('create');
  };

  const patch = async (s: Series): Promise<void> => {
    try {
      await writer.patch(s, `patch Event ${s.namespace}/${s.name}`);
      metrics?.written('patch');
    } catch (err) {
      // Expired or deleted meanwhile: the series goes on in a new Event, as client-go does.
      if (!(err instanceof KubeError && err.code === 'KUBE_NOT_FOUND')) throw err;
      await create(s);
    }
  };

  const write = (jobId: string, key: string, s: Series): void => {
    if (inFlight.size >= maxPending) {
      drop(jobId, 'queue_full', s.event);
      return;
    }
    s.pendingWrite = true;
    const run = s.tail.then(() =>
      limiter.run(async () => {
        s.pendingWrite = false;
        const verb: EventWriteVerb = s.created ? 'patch' : 'create';
        try {
          if (verb === 'create') await create(s);
          else await patch(s);
        } catch (err) {
          metrics?.failed(verb);
          // The next repeat starts over with a CREATE rather than patch what may not exist.
          if (verb === 'create' && series.get(key) === s) series.delete(key);
          log.warn({ jobId, namespace: s.namespace, pod: s.event.regarding.name, reason: s.event.reason, verb, code: err instanceof KubeError ? err.code : undefined, err: message(err) }, 'hook Event not written');
        }
      }),
    );
    s.tail = run;
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  const sweep = (): void => {
    const now = clock();
    for (const [key, s] of series) if (now - s.lastMs > window && !s.pendingWrite) series.delete(key);
    for (const [jobId, b] of buckets) {
      if (now - b.atMs > BUCKET_IDLE_MS) {
        buckets.delete(jobId);
        warnedJobs.delete(jobId);
      }
    }
  };
  const sweeper = setInterval(sweep, Math.min(SWEEP_MS, window));
  sweeper.unref();

  return {
    record(jobId, event) {
      if (closed) return;
      const now = clock();
      const key = aggregationKey(event);
      const seen = series.get(key);
      if (seen && now - seen.lastMs <= window) {
        seen.count += 1;
        seen.lastMs = now;
        // A queued write sends the latest count when it runs: no write of its own.
        if (seen.pendingWrite) return;
        if (!take(jobId, now)) return drop(jobId, 'rate_limited', event);
        write(jobId, key, seen);
        return;
      }
      if (!take(jobId, now)) return drop(jobId, 'rate_limited', event);
      if (series.size >= MAX_SERIES) sweep();
      if (series.size >= MAX_SERIES) {
        const oldest = series.keys().next().value;
        if (oldest !== undefined) series.delete(oldest);
      }
      const s: Series = {
        name: nameFor(event.regarding.name, now),
        namespace: event.namespace,
        event,
        firstMs: now,
        count: 1,
        lastMs: now,
        pendingWrite: false,
        tail: Promise.resolve(),
        created: false,
      };
      series.delete(key);
      series.set(key, s);
      write(jobId, key, s);
    },
    async flush() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      await Promise.race([this.flush(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      writer.close();
    },
  };
}
