// Wires the two BullMQ workers (parent jobs and pods) to the processors, and stops them
// in order: waits are interrupted at once (their pods go back to the queue for another
// worker), running execs may finish within the grace, then everything is forced closed.

import type { JobBounds } from '../domain/job-footprint.ts';
import { DelayedError, Job, Queue, WaitingChildrenError, Worker } from 'bullmq';
import type { RedisClient } from '../redis.ts';
import type { Logger } from '../log.ts';
import type { JobStore } from '../store/types.ts';
import { PodStatus, type PodRef, type PodState } from '../domain/types.ts';
import { SealBrokenError, type Sealer } from '../store/sealed-json.ts';
import type { RunningClaims } from '../store/worker-liveness.ts';
import { parseJobPayload, parsePodPayload, podJobId, podTarget, QueueNames, type JobPayload, type PodPayload } from './catalog.ts';
import { waitOver } from '../domain/wait-over.ts';
import { newParkToken, type ParkedPod, type ParkedPods } from '../store/parked-pods.ts';
import { createIdleCollector } from './idle-gc.ts';
import { createParkingLot, type NamespaceEvents, type ParkingLot } from './parking-lot.ts';
import { createReadAhead, type ReadAheadDeps } from './read-ahead.ts';
import { processJob, type NamespaceGate, type PodLister } from './job-processor.ts';
import { podEvents, type HookEvents } from './hook-events.ts';
import { failUnfinishedPod } from './pod-failure.ts';
import { processPod, type Authorizer, type ExecAudit, type PodParked } from './pod-processor.ts';
import type { Executor, PodWaiter } from './ports.ts';
import { noMetrics, type WorkerMetrics } from './metrics.ts';
import { createSemaphore } from './semaphore.ts';
import { createSpecCache } from './spec-cache.ts';
import { createWakeRegistry } from './wake-registry.ts';
import { startMarkerNudge } from './marker-nudge.ts';

export interface WorkerDeps {
  /** One full collection when the worker goes quiet after a busy spell (idle-gc.ts); absent or null: none. */
  readonly idleGc?: (() => void) | null;
  readonly connection: RedisClient;
  readonly prefix: string;
  readonly store: JobStore;
  readonly waiter: PodWaiter;
  readonly executor: Executor;
  readonly pods: PodLister;
  readonly notifier: {
    onStop(cb: (jobId: string) => void): () => void;
    publishStop(jobId: string): Promise<void>;
    onParkChange?: Parameters<typeof createParkingLot>[0]['changes']['onParkChange'];
    onResubscribed?: (cb: () => void) => () => void;
  };
  /** Pods that must wait are parked in Redis and woken by the namespace's watch (absent: they wait in the worker). */
  readonly parking?: { readonly store: ParkedPods; readonly watch: NamespaceEvents; readonly resyncMs?: number };
  /** Pods read ahead from their namespace's watch, so their first read is no GET (absent: each pod GETs itself). */
  readonly readAhead?: Pick<ReadAheadDeps, 'expect' | 'known'>;
  readonly log: Logger;
  readonly clock?: () => number;
  readonly podConcurrency: number;
  readonly execConcurrency: number;
  readonly maxWaitMs: number;
  readonly maxOutputBytes: number;
  readonly maxPodsPerJob: number;
  readonly jobBounds: JobBounds;
  /** Checks that a pod job targets the pod its job resolved (the API and workers share its key). */
  readonly sealer: Sealer;
  /** Running-hook claims and this process's heartbeat (absent: a pod taken over reports its running hook interrupted). */
  readonly claims?: RunningClaims;
  readonly podAttempts: number;
  readonly metrics?: WorkerMetrics;
  /** HOOKD_AUTH other than none: the owner's rights, asked again by the worker. */
  readonly authorizer?: Authorizer & NamespaceGate;
  readonly audit?: ExecAudit;
  /** A Kubernetes Event per hook that ends (absent: HOOKD_EVENTS=false). */
  readonly events?: HookEvents;
}

export interface Workers {
  /** Resolves once parked pods are loaded and watched (at once without parking). */
  readonly ready: Promise<void>;
  /** Pods parked across the deployment, as this process knows them. */
  parkedPods(): number;
  /** Safe to call twice. */
  stop(graceMs: number): Promise<void>;
}

const STOP_RECHECK_MS = 5000;
/** How long a pod job's lock lasts without renewal (see the pod worker's options). */
const POD_LOCK_MS = 8_000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const REDIS_AWAY = /ECONNREFUSED|ECONNRESET|EPIPE|Connection is closed|Stream isn't writeable|LOADING/;

export function startWorkers(deps: WorkerDeps): Workers {
  const clock = deps.clock ?? Date.now;
  const log = deps.log.child({ component: 'worker' });
  const shutdown = new AbortController();
  const idle = createIdleCollector({ gc: deps.idleGc ?? null, log });
  const hardStop = new AbortController();
  const wakes = createWakeRegistry();
  const execSlots = createSemaphore(deps.execConcurrency);
  const podQueue = new Queue(QueueNames.pods, { connection: deps.connection, prefix: deps.prefix });
  const jobQueue = new Queue(QueueNames.jobs, { connection: deps.connection, prefix: deps.prefix });
  const nudge = startMarkerNudge(deps.connection, [podQueue, jobQueue]);
  const parking = parkingOf(deps, podQueue, log);
  const readAhead = deps.readAhead && deps.waiter.track ? createReadAhead({ refs: (jobId, from, count) => deps.store.getPodRefs(jobId, from, count), expect: deps.readAhead.expect, known: deps.readAhead.known, log }) : null;
  const unsubscribe = deps.notifier.onStop((jobId) => {
    wakes.wake(jobId);
    parking?.wakeJob(jobId);
  });
  // Pub/sub is best effort: a stop published while our subscriber reconnected is lost.
  // The store holds the truth, so waiting pods also look at it now and then.
  const recheck = setInterval(() => {
    for (const jobId of new Set([...wakes.jobIds(), ...(parking?.jobIds() ?? [])])) {
      deps.store.stopReason(jobId).then(
        (reason) => {
          if (reason === null) return;
          wakes.wake(jobId);
          parking?.wakeJob(jobId);
        },
        () => undefined,
      );
    }
  }, STOP_RECHECK_MS);
  recheck.unref();

  const podDeps = {
    store: deps.store,
    specs: createSpecCache((jobId) => deps.store.getSpec(jobId)),
    waiter: deps.waiter,
    executor: deps.executor,
    execSlots,
    wakes,
    publishStop: deps.notifier.publishStop,
    clock,
    log: deps.log,
    maxWaitMs: deps.maxWaitMs,
    maxOutputBytes: deps.maxOutputBytes,
    metrics: deps.metrics ?? noMetrics,
    ...(deps.claims ? { claims: deps.claims } : {}),
    ...(deps.authorizer ? { authorizer: deps.authorizer } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
    ...(deps.events ? { events: deps.events } : {}),
    ...(parking ? { parking } : {}),
  };
  const metrics = podDeps.metrics;
  if (parking) metrics.parkedFrom(() => ({ count: parking.size, oldestSinceMs: parking.oldestSinceMs() }));

  /** The pod leaves this worker: recorded as parked, its queue job delayed until the wait's deadline. */
  const park = async (job: Job<PodPayload>, token: string | undefined, data: PodPayload, parked: PodParked, seen: () => PodState | null): Promise<void> => {
    if (!parking) throw new Error('a pod was parked without parking');
    // A stop announced while the job is still active wakes it in the lot, but that promotion
    // finds nothing delayed to move: heard here too, it wakes the pod once the move is done
    // (else it would wait for the next look at stop reasons).
    const stop = wakes.register(parked.pod.jobId);
    // This park's own token, in its entry and in the job's data: the run it wakes unparks this
    // park only, not one another worker makes if it takes the job over from that run.
    const pod: ParkedPod = { ...parked.pod, token: newParkToken() };
    try {
      await parking.park(pod);
      await job.updateData({ ...data, waitStartMs: parked.waitStartMs, parkToken: pod.token });
      // Delayed until the entry's own deadline: the read of the index that removes entries
      // long past it (parking-lot.ts, pruneStale) relies on BullMQ waking the job by then.
      await job.moveToDelayed(pod.untilMs, token);
      // An event that came between the decision and the move could not promote a job that was
      // still active: the pod's own watch saw it, so look once more now that it is delayed.
      const state = seen();
      if (stop.signal.aborted) parking.wake(pod, null);
      else if (state !== null && waitOver(pod.awaited, state)) parking.wake(pod, state);
    } finally {
      stop.dispose();
    }
  };

  const podWorker = new Worker<PodPayload>(
    QueueNames.pods,
    async (job: Job<PodPayload>, token?: string) => {
      const data = parsePodPayload(job.data);
      const task = {
        jobId: data.jobId,
        podIndex: data.podIndex,
        ref: { namespace: data.namespace, name: data.name },
        ...(data.waitStartMs !== undefined ? { waitStartMs: data.waitStartMs } : {}),
      };
      const target = podTarget(data);
      try {
        deps.sealer.verify(target.context, target.body, data.mac, `the pod job for ${target.body} (pod ${data.podIndex} of job ${data.jobId})`);
      } catch (err) {
        if (!(err instanceof SealBrokenError)) throw err;
        log.error({ jobId: data.jobId, namespace: data.namespace, pod: data.name, code: err.code, err: err.message }, 'pod job refused: it fails its integrity check');
        await deps.store.setPodStatus(data.jobId, data.podIndex, PodStatus.Failed, err.message, clock()).catch(() => undefined);
        return;
      }
      metrics.podStarted();
      idle.started();
      // Followed from before its first read, so a change during the run is not missed.
      if (readAhead && data.waitStartMs === undefined) await readAhead.before(data.jobId, data.podIndex, task.ref);
      const track = parking || readAhead ? deps.waiter.track?.(task.ref) : undefined;
      let parkedNow = false;
      try {
        const result = await processPod(task, podDeps, { shutdown: shutdown.signal, hardStop: hardStop.signal }, track);
        if (result === 'done') return;
        if (result !== 'interrupted') {
          await park(job, token, data, result, () => track?.latest() ?? null);
          parkedNow = true;
          throw new DelayedError();
        }
      } catch (err) {
        if (err instanceof DelayedError) throw err;
        if (!shutdown.signal.aborted) {
          const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          log.error({ jobId: data.jobId, namespace: data.namespace, pod: data.name, err: message(err), final }, 'pod processing failed');
          if (!final) throw err;
          // A run that stalled past its lock may have lost the pod to another worker, which runs
          // its hooks now: settling them here would report that run's hooks as interrupted or not
          // executed. Renewing the lock proves this run still holds the pod (and keeps it for
          // the writes below); a run that does not leaves the pod to its holder.
          if ((await job.extendLock(token ?? '', POD_LOCK_MS).catch(() => 0)) !== 1) {
            log.warn({ jobId: data.jobId, namespace: data.namespace, pod: data.name }, 'pod processing failed on a pod this worker no longer holds; its holder settles it');
            throw err;
          }
          const spec = await podDeps.specs.get(data.jobId).catch(() => null);
          const events = podEvents(deps.events, data.jobId, task.ref, spec);
          await failUnfinishedPod(deps.store, data.jobId, data.podIndex, `pod could not be processed: ${message(err)}`, clock(), (hook, end) => events.ended(hook, end));
          return;
        }
      } finally {
        track?.release();
        metrics.podEnded();
        idle.ended();
        // Woken (or its job gone): it is no longer parked, whatever this run came to. Only the
        // park this run was woken from: if it lost its lock and another worker parked the pod
        // again meanwhile, that park stays (token 0: parked by a version without tokens).
        if (parking && data.waitStartMs !== undefined && !parkedNow) {
          await parking.unpark({ namespace: data.namespace, jobId: data.jobId, podIndex: data.podIndex, token: data.parkToken ?? 0 }).catch((err: unknown) =>
            log.warn({ jobId: data.jobId, namespace: data.namespace, pod: data.name, err: message(err) }, 'pod could not be unparked; the next read of parked pods drops it'),
          );
        }
      }
      // Shutting down mid-wait: hand the pod back without spending an attempt.
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.podConcurrency,
      // A re-delivered pod reads its ledger: finished hooks are never run again and a hook
      // caught running is reported interrupted (delivery is at least once).
      maxStalledCount: 2,
      // A killed worker's pods are taken over by the first stalled check that finds them
      // without their lock (gone at most 8 s after the kill). Checks run every 2 s in each
      // worker, but BullMQ lets one run per interval across all workers, so one that the dead
      // worker made just before it died can put the next off by an interval: at most about
      // 8 + 2 + 2 s (with checks every 4 s, chaos runs measured 11.8 s and, once, 15.8).
      // A worker renews its locks every 4 s; one whose event loop stalls longer than 8 s
      // loses its pods to another worker, which finds the hook it was running marked running
      // and reports it interrupted rather than run it twice.
      lockDuration: POD_LOCK_MS,
      stalledInterval: 2_000,
    },
  );

  const jobWorker = new Worker<JobPayload>(
    QueueNames.jobs,
    async (job: Job<JobPayload>, token?: string) => {
      const data = parseJobPayload(job.data);
      try {
        await processJob(job, token ?? '', data, {
          store: deps.store,
          pods: deps.pods,
          podQueue,
          clock,
          log: deps.log,
          maxPodsPerJob: deps.maxPodsPerJob,
          jobBounds: deps.jobBounds,
          sealer: deps.sealer,
          podAttempts: deps.podAttempts,
          ...(deps.authorizer ? { namespaces: deps.authorizer } : {}),
          // Never rejects; a process that runs none of the job's pods lets the watch drop them.
          ...(readAhead ? { readAheadFirst: (jobId: string, refs: readonly PodRef[]) => readAhead.start(jobId, refs) } : {}),
        });
      } catch (err) {
        if (err instanceof WaitingChildrenError) throw err;
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        log.error({ jobId: data.jobId, err: message(err), final }, 'job step failed');
        if (!final || shutdown.signal.aborted) throw err;
        // Retries are spent (e.g. the API server stayed unreachable): the job must still end.
        await deps.store.failJob(data.jobId, `the job could not be carried out: ${message(err)}`, clock());
        await deps.store.finishJob(data.jobId, clock());
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 20, maxStalledCount: 5, lockDuration: 8_000, stalledInterval: 4_000 },
  );

  for (const w of [podWorker, jobWorker]) {
    w.on('error', (err) => {
      // While Redis is away BullMQ reports every failed poll; the outage itself is logged once.
      if (REDIS_AWAY.test(message(err))) log.debug({ queue: w.name, err: message(err) }, 'worker error while Redis is away');
      else log.error({ queue: w.name, err: message(err) }, 'worker error');
    });
    w.on('failed', (job, err) => {
      if (job) log.warn({ queue: w.name, bullJobId: job.id, err: message(err) }, 'queue job failed');
    });
  }
  log.info({ podConcurrency: deps.podConcurrency, execConcurrency: deps.execConcurrency }, 'workers started');

  const ready = parking ? parking.start() : Promise.resolve();
  ready.catch((err: unknown) => log.error({ err: message(err) }, 'parked pods could not be loaded; they wake at their deadlines until the next read'));

  let stopping: Promise<void> | null = null;
  return {
    ready,
    parkedPods: () => parking?.size ?? 0,
    stop(graceMs) {
      stopping ??= (async () => {
        unsubscribe();
        parking?.stop();
        clearInterval(recheck);
        nudge.stop();
        idle.stop();
        shutdown.abort(new Error('worker shutting down'));
        const closed = Promise.all([podWorker.close(), jobWorker.close()]);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
        // worker.close() can hang when Redis is gone: race it, then force.
        if ((await Promise.race([closed, late])) === 'late') {
          log.warn({ graceMs }, 'workers did not stop within the grace; forcing');
          hardStop.abort(new Error('shutdown grace expired'));
          await Promise.race([Promise.all([podWorker.close(true), jobWorker.close(true)]), new Promise((r) => setTimeout(r, 2000))]);
        }
        clearTimeout(timer);
        await Promise.all([podQueue.close(), jobQueue.close()]);
        log.info('workers stopped');
      })();
      return stopping;
    },
  };
}

// BullMQ's promote answers a job that is gone and one that is not delayed alike (-3).
const NOT_PROMOTABLE = /not in the delayed state/;

function parkingOf(deps: WorkerDeps, podQueue: Queue, log: Logger): ParkingLot | null {
  const onParkChange = deps.notifier.onParkChange;
  // Parking needs the pod's own watch for the check right after it parks (see park above).
  if (!deps.parking || !onParkChange || !deps.waiter.track) return null;
  // Promoting needs only the job's id: a Job made from it spares reading the job (one round trip of the wake-up).
  const promote = async (pod: ParkedPod): Promise<boolean> => {
    const job = new Job<Record<string, never>>(podQueue, 'promote', {}, {}, podJobId(pod.jobId, pod.podIndex));
    try {
      await job.promote();
      return true;
    } catch (err) {
      // Gone (ended and removed) or not delayed (already promoted, or running): nothing to wake.
      if (NOT_PROMOTABLE.test(message(err))) return false;
      throw err;
    }
  };
  return createParkingLot({
    store: deps.parking.store,
    changes: { onParkChange, ...(deps.notifier.onResubscribed ? { onResubscribed: deps.notifier.onResubscribed } : {}) },
    watch: deps.parking.watch,
    promote,
    log,
    ...(deps.parking.resyncMs !== undefined ? { resyncMs: deps.parking.resyncMs } : {}),
  });
}
