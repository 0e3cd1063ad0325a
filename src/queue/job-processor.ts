// A submission's parent job, in two steps (BullMQ's "process step jobs" pattern):
//   1. resolve: find the pods (given, or listed by the selector now that the job starts),
//      record them, and add one child job per pod under this parent;
//   2. finalize: once every child has ended, give any pod that never finished a clear
//      failure, compute the job's status, and start its retention.
// Children are added with deterministic ids and `ignoreDependencyOnFailure`, so a retried
// resolve adds nothing twice and one pod's failure never blocks the others.

import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import { isPodEnded } from '../domain/ended.ts';
import { selectorMatchProblem, type JobBounds } from '../domain/job-footprint.ts';
import { noHooksWarning } from '../domain/no-hooks.ts';
import { JobStatus, type PodRef } from '../domain/types.ts';
import type { JobOwner, JobSource, JobSpec } from '../domain/views.ts';
import type { Logger } from '../log.ts';
import { SealBrokenError, type Sealer } from '../store/sealed-json.ts';
import type { JobStore } from '../store/types.ts';
import { parsePodPayload, podJobId, podTarget, type JobPayload } from './catalog.ts';
import { failUnfinishedPod } from './pod-failure.ts';
import { PERMANENT_LIST_CODES, selectorPods, type NamespaceGate, type SelectorLister } from '../auth/selector-scope.ts';

export type PodLister = SelectorLister<PodRef>;
export type { NamespaceGate };

export interface JobProcessorDeps {
  readonly store: JobStore;
  readonly pods: PodLister;
  readonly podQueue: Queue;
  readonly clock: () => number;
  readonly log: Logger;
  readonly maxPodsPerJob: number;
  readonly jobBounds: JobBounds;
  readonly sealer: Sealer;
  readonly podAttempts: number;
  /** Absent: every namespace (HOOKD_AUTH=none). */
  readonly namespaces?: NamespaceGate;
  /**
   * Starts reading ahead the job's first pods (their namespace's list) once they are
   * recorded, from the list in hand, so that the list runs while the pod jobs are being
   * added, not after the first of them is taken. Absent: the first pod run starts it.
   */
  readonly readAheadFirst?: (jobId: string, refs: readonly PodRef[]) => void;
}

// Pod jobs are added in chunks, one transaction each. The first is small, so the first pods
// can be taken while the rest are being added; the others are small enough that a chunk's
// jobs, alive until its reply, do not survive young-generation collections in bulk (with
// 500 a chunk, collections took 80 of the 200 ms it took to add 1,000 pods in a profile).
const FIRST_ADD_CHUNK = 50;
const ADD_CHUNK = 200;

function errorCode(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

async function resolvePods(source: JobSource, lister: PodLister, owner: JobOwner | null, gate: NamespaceGate | undefined): Promise<PodRef[]> {
  return source.kind === 'pods' ? [...source.pods] : selectorPods(source, lister, owner, gate);
}

export async function processJob(job: Job<JobPayload>, token: string, data: JobPayload, deps: JobProcessorDeps): Promise<void> {
  const { store, clock } = deps;
  const log = deps.log.child({ jobId: data.jobId });
  let spec: JobSpec | null;
  try {
    spec = await store.getSpec(data.jobId);
  } catch (err) {
    if (!(err instanceof SealBrokenError)) throw err;
    log.error({ code: err.code, err: err.message }, 'job refused: its spec fails its integrity check');
    await store.failJob(data.jobId, err.message, clock());
    await store.finishJob(data.jobId, clock());
    return;
  }
  if (!spec) {
    log.warn('job record is gone (expired); nothing to do');
    return;
  }

  if (data.step !== 'finalize') {
    let refs: PodRef[];
    try {
      refs = await resolvePods(spec.source, deps.pods, spec.owner ?? null, deps.namespaces);
    } catch (err) {
      const code = errorCode(err);
      const message = err instanceof Error ? err.message : String(err);
      if (code === null || !PERMANENT_LIST_CODES.has(code)) throw err; // retried with backoff
      log.error({ code, err: message }, 'pods could not be listed; job failed');
      await store.failJob(data.jobId, `pods could not be listed: ${message}`, clock());
      await store.finishJob(data.jobId, clock());
      return;
    }
    // Explicit pods were bounded at submission; a selector's pods are known only now.
    const message = selectorMatchProblem(refs.length, spec.hooks, deps.maxPodsPerJob, deps.jobBounds);
    if (message !== null) {
      log.error({ pods: refs.length }, message);
      await store.failJob(data.jobId, message, clock());
      await store.finishJob(data.jobId, clock());
      return;
    }
    await store.setPods(data.jobId, refs, clock());
    log.info({ pods: refs.length }, 'job started');
    deps.readAheadFirst?.(data.jobId, refs);
    await addChildren(job, data.jobId, refs, deps);
    await job.updateData({ ...data, step: 'finalize' });
  }

  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();

  await finalize(spec, deps, log);
}

async function addChildren(job: Job<JobPayload>, jobId: string, refs: readonly PodRef[], deps: JobProcessorDeps): Promise<void> {
  const parent = { id: job.id ?? '', queue: job.queueQualifiedName };
  for (let start = 0, size = FIRST_ADD_CHUNK; start < refs.length; start += size, size = ADD_CHUNK) {
    const chunk = refs.slice(start, start + size).map((ref, i) => {
      const podIndex = start + i;
      const target = { jobId, podIndex, namespace: ref.namespace, name: ref.name };
      const { context, body } = podTarget(target);
      return {
        name: 'pod',
        data: parsePodPayload({ v: 1, ...target, mac: deps.sealer.mac(context, body) }),
        opts: {
          jobId: podJobId(jobId, podIndex),
          parent,
          ignoreDependencyOnFailure: true,
          attempts: deps.podAttempts,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      };
    });
    await deps.podQueue.addBulk(chunk);
  }
}

async function finalize(spec: JobSpec, deps: JobProcessorDeps, log: Logger): Promise<void> {
  const { store, clock } = deps;
  const jobId = spec.id;
  const view = await store.getJob(jobId);
  const failedNow = new Set<number>();
  for (const [podIndex, pod] of view?.pods.entries() ?? []) {
    // A pod job that failed for good (e.g. it stalled past its limit) never wrote its end.
    if (isPodEnded(pod.status)) continue;
    if (await failUnfinishedPod(store, jobId, podIndex, 'the pod could not be processed to its end', clock())) {
      failedNow.add(podIndex);
      log.warn({ namespace: pod.namespace, pod: pod.name }, 'pod never finished; recorded failed');
    }
  }
  const pods = (view?.pods ?? []).map((p, i) => (failedNow.has(i) ? { ...p, error: 'unfinished' } : p));
  // A cancelled or failed job already says why nothing ran.
  const noHooks = view && view.status !== JobStatus.Cancelled && view.error === null ? noHooksWarning(spec.source, spec.hooks, pods) : null;
  if (noHooks !== null) log.warn({ warning: noHooks }, 'job warning');
  const status = await store.finishJob(jobId, clock(), noHooks === null ? undefined : { warnings: [noHooks] });
  const summary = (await store.getJobSummary(jobId))?.summary ?? null;
  // A job whose hooks failed is the line an operator must not miss.
  log[status === JobStatus.Completed || status === JobStatus.Cancelled ? 'info' : 'warn']({ status, ...summary }, 'job finished');
}
