// One pod of a job: plan its hooks from the live pod, then follow the domain's nextStep
// (wait / exec / settle) until every hook has an outcome. All decisions are the domain's;
// this file only performs them and records each one in the ledger before and after.

import { isHookEnded, isPodEnded, settledResult } from '../domain/ended.ts';
import { nextStep, type NextStepInput } from '../domain/next-step.ts';
import { planPodHooks } from '../domain/plan.ts';
import { podStatusOf } from '../domain/summary.ts';
import {
  HookPhase,
  PodStatus,
  type HookOutcome,
  type PlannedHook,
  type PodPlan,
  type PodRef,
  type PodState,
} from '../domain/types.ts';
import type { JobOwner } from '../domain/views.ts';
import type { Logger } from '../log.ts';
import { SealBrokenError } from '../store/sealed-json.ts';
import type { RunningClaims } from '../store/worker-liveness.ts';
import type { JobStore, PodRecord } from '../store/types.ts';
import { levelOf, quotesHidden } from './log-safe.ts';
import { noMetrics, type WorkerMetrics } from './metrics.ts';
import { podEvents, type HookEvents, type PodEvents } from './hook-events.ts';
import { failUnfinishedPod } from './pod-failure.ts';
import type { Executor, PodTrack, PodWaiter } from './ports.ts';
import { awaitedContainers } from '../domain/wait-over.ts';
import type { ParkedPod } from '../store/parked-pods.ts';
import type { Semaphore } from './semaphore.ts';
import type { PodJobSpec, SpecCache } from './spec-cache.ts';
import type { WakeHandle, WakeRegistry } from './wake-registry.ts';
import { HANDED_BACK, runHook, STOPPED, TAKEN_OVER, type PodEnding, type PodShownRunning } from './hook-run.ts';

export interface PodTask {
  readonly jobId: string;
  readonly podIndex: number;
  readonly ref: PodRef;
  /** When the pod's wait began, if an earlier run parked it (the wait's deadline counts from then). */
  readonly waitStartMs?: number;
}

/**
 * Parking: a pod that must wait leaves the worker instead of waiting in it (absent: it
 * waits in the process, through the waiter).
 */
export interface PodParking {
  /** The observation that woke this pod, if this process saw it (spares a GET). */
  takeWoken(slot: { readonly jobId: string; readonly podIndex: number }): PodState | null;
}

/**
 * Asked right before a pod's first exec, for the job's owner (rights can be revoked while a
 * pod waits): null when it may exec into the pod, else why not; the pod's hooks are then
 * skipped with that reason and nothing runs.
 */
export interface Authorizer {
  mayExec(owner: JobOwner | null, ref: PodRef): Promise<string | null>;
}

/** The audit stream's worker lines: an exec started or ended, or a refusal. */
export interface ExecAudit {
  write(r: {
    event: 'hook.exec.started' | 'hook.exec.ended' | 'access.denied';
    user: string;
    groups: readonly string[];
    sourceIP: string | null;
    jobId: string;
    namespace: string;
    pod: string;
    container?: string | null;
    command?: readonly string[] | null;
    phase?: string | null;
    exitCode?: number | null;
    reason?: string | null;
  }): void;
}

export interface PodProcessorDeps {
  readonly store: JobStore;
  /** The job's spec, read once per job rather than once per pod. */
  readonly specs: SpecCache;
  readonly waiter: PodWaiter;
  readonly executor: Executor;
  readonly execSlots: Semaphore;
  readonly wakes: WakeRegistry;
  /** Announces that a job must stop (failFast), to every worker process. */
  readonly publishStop: (jobId: string) => Promise<void>;
  readonly clock: () => number;
  readonly log: Logger;
  readonly maxWaitMs: number;
  readonly maxOutputBytes: number;
  readonly metrics?: WorkerMetrics;
  /** Which worker runs a hook, and whether it lives (absent: a running mark found means interrupted). */
  readonly claims?: RunningClaims;
  /** Absent: every exec is allowed (HOOKD_AUTH=none, and tests of the processor alone). */
  readonly authorizer?: Authorizer;
  readonly audit?: ExecAudit;
  /** A Kubernetes Event per hook that ends (absent: none). */
  readonly events?: HookEvents;
  readonly parking?: PodParking;
}

/** How often a pod taken over looks whether the worker still running its hook has finished. */
const HOLDER_POLL_MS = 500;

export interface PodSignals {
  /** The process is shutting down: waits end at once and the pod goes back to the queue. */
  readonly shutdown: AbortSignal;
  /** The shutdown grace has run out: running execs are abandoned too. */
  readonly hardStop: AbortSignal;
}

/** The pod must wait: the caller parks it (see PodParking) and its run ends here. */
export interface PodParked {
  readonly kind: 'parked';
  /** The caller gives the park its token, as it writes it in the job's data too. */
  readonly pod: Omit<ParkedPod, 'token'>;
  readonly waitStartMs: number;
}

/**
 * `interrupted`: the process is shutting down mid-wait; the caller hands the pod back to the queue.
 * `parked`: the pod waits for its containers outside the worker.
 */
export type PodRunResult = 'done' | 'interrupted' | PodParked;

const INTERRUPTED =
  'interrupted: the worker running this hook stopped before it ended; its outcome is unknown and hooks are not run twice';

/**
 * `track`, when given, is the pod's watch since before its first read: an observation newer
 * than the one a wait was decided on goes on at once instead of parking.
 */
export async function processPod(task: PodTask, deps: PodProcessorDeps, signals: PodSignals, track?: PodTrack): Promise<PodRunResult> {
  // Registered before the first read of the job's stop reason: a stop announced after that
  // read still interrupts this pod's waits.
  const wake = deps.wakes.register(task.jobId);
  try {
    return await runPod(task, deps, signals, wake, track);
  } finally {
    wake.dispose();
  }
}

async function runPod(task: PodTask, deps: PodProcessorDeps, signals: PodSignals, wake: WakeHandle, track?: PodTrack): Promise<PodRunResult> {
  const { store, clock } = deps;
  const { shutdown } = signals;
  const metrics = deps.metrics ?? noMetrics;
  const { jobId, podIndex, ref } = task;
  const log = deps.log.child({ jobId, namespace: ref.namespace, pod: ref.name, podIndex });

  let spec: PodJobSpec | null;
  let record: PodRecord | null;
  // The freshest state this process has without asking: what woke the pod, or what the
  // namespace's watch has shown of it (a pod read ahead); else one GET, below.
  const known = deps.parking?.takeWoken(task) ?? track?.latest() ?? null;
  // Planned from `known` in the step that reads the record (a first run), else null. A pod
  // woken from its parking was planned before it parked: its record is only read.
  let plannedNow: PodPlan | null = null;
  try {
    spec = await deps.specs.get(jobId);
    if (spec !== null && known?.kind === 'present' && task.waitStartMs === undefined) {
      const plan = planPodHooks(known.pod, spec.hooks);
      const begun = await store.beginPod(jobId, podIndex, plan, clock());
      record = begun.record;
      if (begun.planned) plannedNow = plan;
    } else {
      record = await store.getPod(jobId, podIndex);
    }
  } catch (err) {
    if (!(err instanceof SealBrokenError)) throw err;
    // Someone changed what this pod would run: it fails, saying so, and nothing runs.
    log.error({ code: err.code, err: err.message }, 'pod refused: its job record fails its integrity check');
    // With the spec broken, the plan (if any) still names the hooks to settle; with the
    // plan itself broken, its hooks cannot be trusted even to be listed: the pod alone fails.
    await failUnfinishedPod(store, jobId, podIndex, err.message, clock()).catch(async (again: unknown) => {
      if (!(again instanceof SealBrokenError)) throw again;
      await store.setPodStatus(jobId, podIndex, PodStatus.Failed, err.message, clock());
    });
    return 'done';
  }
  if (!spec || !record) {
    log.warn('job or pod record is gone (expired); nothing to do');
    return 'done';
  }
  if (isPodEnded(record.status)) {
    log.info({ status: record.status }, 'pod already processed');
    // A run that ended the pod failed with a failed hook and then died (or errored) before it
    // tripped failFast: trip it now (TRIP keeps the first reason), else the job's other pods
    // would go on running hooks.
    if (spec.failFast && record.status === PodStatus.Failed && !record.jobStopReason && record.hooks.some((h) => h.phase === HookPhase.Failed)) {
      await stopForFailFast(jobId, ref, deps);
    }
    return 'done';
  }

  let state: PodState = known ?? (await deps.waiter.get(ref, shutdown));
  const events: PodEvents = podEvents(deps.events, jobId, ref, spec);
  if (state.kind === 'present') events.seen(state.pod.uid);
  let planned: PodPlan | null = record.plan;
  // Read in the plan's write when there is one (the same step: as fresh as a read after
  // it), else right before the hooks begin.
  let stopReadWithPlan: { readonly reason: string | null } | null = null;
  if (plannedNow !== null) {
    planned = plannedNow;
    stopReadWithPlan = { reason: record.jobStopReason ?? null };
    logPlanned(planned, log);
  } else if (!planned) {
    if (state.kind === 'deleted') {
      const stop = await store.stopReason(jobId);
      if (stop) {
        await store.setPodStatus(jobId, podIndex, PodStatus.Cancelled, stop, clock());
        log.info({ reason: stop }, 'pod not started: job stopped');
        return 'done';
      }
      await store.setPodStatus(jobId, podIndex, PodStatus.Failed, `pod ${ref.namespace}/${ref.name} not found`, clock());
      log.warn('pod not found');
      return 'done';
    }
    planned = planPodHooks(state.pod, spec.hooks);
    stopReadWithPlan = { reason: (await store.recordPlan(jobId, podIndex, planned, clock())).stopReason };
    logPlanned(planned, log);
  }
  const plan: PodPlan = planned;
  const hookAt = (index: number): PlannedHook | undefined => plan.hooks.find((h) => h.index === index);

  const outcomes = new Map<number, HookOutcome>();
  const phases = new Map<number, HookPhase>(plan.hooks.map((h) => [h.index, HookPhase.Pending]));
  const observe = (index: number, phase: HookPhase): void => {
    phases.set(index, phase);
    if (isHookEnded(phase)) outcomes.set(index, { index, phase });
  };
  for (const entry of record.hooks) {
    if (entry.phase === HookPhase.Running && deps.claims) {
      // Taken over while the worker that runs this hook is alive (its lock lapsed in a Redis
      // outage): its exec goes on and it records the result; wait for that.
      let phase: HookPhase = entry.phase;
      let said = false;
      while (phase === HookPhase.Running && (await deps.claims.holderAlive(jobId, podIndex, entry.index))) {
        if (!said) log.info({ index: entry.index }, 'pod taken over while its hook runs on a live worker; waiting for that worker to record it');
        said = true;
        if (shutdown.aborted) return 'interrupted';
        await new Promise((r) => setTimeout(r, HOLDER_POLL_MS));
        phase = (await store.getPod(jobId, podIndex))?.hooks.find((h) => h.index === entry.index)?.phase ?? phase;
      }
      if (phase !== HookPhase.Running) {
        log[levelOf(phase)]({ index: entry.index, phase }, 'hook finished by the worker that ran it');
        observe(entry.index, phase);
        continue;
      }
    }
    if (entry.phase === HookPhase.Running) {
      // Written before an exec that never recorded its end: the previous worker died in it
      // (unless it recorded its result a moment ago: that one stays, and is what counts).
      await store.recordHookResult(jobId, podIndex, entry.index, settledResult(HookPhase.Failed, INTERRUPTED), clock(), { onlyIfRunning: true });
      const now = (await store.getPod(jobId, podIndex))?.hooks.find((h) => h.index === entry.index)?.phase ?? HookPhase.Failed;
      if (now === HookPhase.Failed) {
        log.warn({ index: entry.index }, 'hook interrupted by a worker stop; not run again');
        const hook = hookAt(entry.index);
        if (hook) events.ended(hook, { kind: 'interrupted', reason: INTERRUPTED });
      }
      observe(entry.index, now);
    } else {
      observe(entry.index, entry.phase);
    }
  }

  // The pod's status is written when it changes, not before every hook.
  let shown: PodStatus = record.status;
  const show = async (next: PodStatus): Promise<void> => {
    if (next === shown) return;
    await store.setPodStatus(jobId, podIndex, next, null, clock());
    shown = next;
  };

  const owner = spec.owner ?? null;
  const who = {
    user: owner?.name ?? 'anonymous',
    groups: owner?.kind === 'user' ? owner.groups : [],
    sourceIP: spec.sourceIP ?? null,
    jobId,
    namespace: ref.namespace,
    pod: ref.name,
  };
  let authorized = deps.authorizer === undefined;
  let refusal: string | null = null;
  // The last hook's result carries the pod's status when its phases alone decide it (no hook
  // skipped: a skip may mean the job stopped, which the end below reads); the end then has
  // nothing left to write. Not a failed pod of a failFast job: its end trips failFast after
  // writing its status, and a run that dies between the two leaves a pod not yet ended,
  // which the next run ends and trips.
  const ending: PodEnding = {
    statusAfter: (index, phase) => {
      if (refusal !== null) return null;
      const after = plan.hooks.map((h) => ({ phase: h.index === index ? phase : (phases.get(h.index) ?? HookPhase.Pending) }));
      if (!after.every((h) => isHookEnded(h.phase) && h.phase !== HookPhase.Skipped)) return null;
      const status = podStatusOf(after, null);
      return status === PodStatus.Failed && spec.failFast ? null : status;
    },
    written: (status) => (shown = status),
  };

  // Velero starts the wait when its handler begins the pod, not when the restore was queued;
  // a pod woken from its parking goes on with the wait it began then.
  const waitStartMs = task.waitStartMs ?? clock();
  // The record's own read of it serves when nothing was awaited since (no hook was found
  // running); the stop wake was registered before either read.
  const readWithRecord = record.jobStopReason !== undefined && !record.hooks.some((h) => h.phase === HookPhase.Running);
  let stopReason = stopReadWithPlan !== null ? stopReadWithPlan.reason : readWithRecord ? (record.jobStopReason ?? null) : await store.stopReason(jobId);
  const input = (s: PodState): NextStepInput => ({
    plan,
    outcomes,
    state: s,
    waitStartMs,
    nowMs: clock(),
    jobMaxWaitMs: deps.maxWaitMs,
    stopReason,
  });
  for (let step = nextStep(input(state)); step.kind !== 'finished'; step = nextStep(input(state))) {
    switch (step.kind) {
      case 'settle':
        for (const s of step.settlements) {
          await store.recordHookResult(jobId, podIndex, s.index, settledResult(s.phase, s.reason), clock());
          observe(s.index, s.phase);
          metrics.hookEnded(s.phase, null);
          const hook = hookAt(s.index);
          if (hook) events.ended(hook, { kind: 'settled', phase: s.phase, reason: s.reason, expired: s.expired === true });
          log[levelOf(s.phase)]({ index: s.index, phase: s.phase, reason: s.reason }, 'hook settled without running');
        }
        break;
      case 'exec': {
        if (!authorized && deps.authorizer) {
          refusal = await deps.authorizer.mayExec(owner, ref);
          if (refusal !== null) {
            deps.audit?.write({ event: 'access.denied', ...who, container: step.hook.container, command: step.hook.command, reason: refusal });
            log.warn({ reason: refusal }, 'exec refused: the job owner may not exec into this pod; its hooks are skipped');
            for (const h of plan.hooks) {
              if (isHookEnded(phases.get(h.index) ?? HookPhase.Pending)) continue;
              await store.recordHookResult(jobId, podIndex, h.index, settledResult(HookPhase.Skipped, refusal), clock());
              observe(h.index, HookPhase.Skipped);
              metrics.hookEnded(HookPhase.Skipped, null);
              events.ended(h, { kind: 'settled', phase: HookPhase.Skipped, reason: refusal, expired: false });
            }
            break;
          }
          authorized = true;
        }
        const running: PodShownRunning = { needed: shown !== PodStatus.Running, done: () => (shown = PodStatus.Running) };
        const phase = await runHook(task, step.hook, deps, log, running, ending, signals, who, events);
        if (phase === HANDED_BACK) return 'interrupted';
        if (phase === TAKEN_OVER) {
          // The queue job is the same for both runs: ending ours now would tell the job
          // the pod is done while the other run still works on it. Wait for its end.
          log.warn({ index: step.hook.index }, 'another run took this pod over (this one lost its lock); waiting for it to end the pod');
          for (;;) {
            const now = await store.getPod(jobId, podIndex);
            if (!now || isPodEnded(now.status)) return 'done';
            if (shutdown.aborted) return 'interrupted';
            await new Promise((r) => setTimeout(r, HOLDER_POLL_MS));
          }
        }
        if (phase === STOPPED) stopReason = await store.stopReason(jobId);
        else observe(step.hook.index, phase);
        break;
      }
      case 'wait': {
        const newlyWaiting = plan.hooks
          .filter((h) => step.containers.includes(h.container) && phases.get(h.index) === HookPhase.Pending)
          .map((h) => h.index);
        if (newlyWaiting.length > 0) {
          await store.markHooksWaiting(jobId, podIndex, newlyWaiting, clock());
          await show(PodStatus.Waiting);
          for (const i of newlyWaiting) phases.set(i, HookPhase.Waiting);
          log.info({ containers: step.containers, untilMs: step.untilMs }, 'waiting for containers');
        }
        if (deps.parking) {
          // A stop announced since the stop reason was read woke no parked pod of the job (this
          // one was not parked yet): read it now, and settle instead of parking.
          if (wake.signal.aborted) {
            stopReason = await store.stopReason(jobId);
            if (stopReason !== null) break;
          }
          // The watch may have moved on since the state this wait was decided on.
          const seen = track?.latest() ?? null;
          if (seen !== null && seen !== state && nextStep(input(seen)).kind !== 'wait') {
            state = seen;
            break;
          }
          const awaited = awaitedContainers(plan, outcomes);
          log.info({ containers: awaited.map((c) => c.name), untilMs: step.untilMs }, 'pod parked until its containers are up');
          return { kind: 'parked', waitStartMs, pod: { jobId, podIndex, namespace: ref.namespace, name: ref.name, awaited, untilMs: step.untilMs, sinceMs: waitStartMs } };
        }
        const waitEnded = metrics.waitStarted(waitStartMs);
        try {
          const signal = AbortSignal.any([shutdown, wake.signal]);
          state = (await deps.waiter.waitFor(ref, (s) => nextStep(input(s)).kind !== 'wait', step.untilMs, signal)).state;
          if (state.kind === 'present') events.seen(state.pod.uid);
        } catch (err) {
          if (shutdown.aborted) return 'interrupted';
          if (!wake.signal.aborted) throw err;
        } finally {
          waitEnded();
        }
        // Woken by a stop: read why. A wait that ended because the pod changed goes straight
        // on; markHookRunning refuses the exec if the job stopped meanwhile.
        if (wake.signal.aborted) stopReason = await store.stopReason(jobId);
        break;
      }
    }
  }

  const finalPhases = plan.hooks.map((h) => ({ phase: phases.get(h.index) ?? HookPhase.Pending }));
  let status = podStatusOf(finalPhases, null);
  let podError: string | null = null;
  // A pod whose remaining hooks were skipped because the job stopped (DELETE, failFast)
  // did not succeed: it was cancelled, and says why.
  if (refusal !== null) {
    // Not run at all, by the owner's rights: like a stop, not a failure of the pod.
    status = PodStatus.Cancelled;
    podError = refusal;
  } else if (status === PodStatus.Succeeded && finalPhases.some((h) => h.phase === HookPhase.Skipped)) {
    const stopReason = await store.stopReason(jobId);
    if (stopReason !== null) {
      status = PodStatus.Cancelled;
      podError = stopReason;
    }
  }
  // Written already with the last hook's result, unless the end found otherwise.
  if (shown !== status || podError !== null) await store.setPodStatus(jobId, podIndex, status, podError, clock());
  log.info({ status }, 'pod finished');
  if (status === PodStatus.Failed && spec.failFast) await stopForFailFast(jobId, ref, deps);
  return 'done';
}

/** Velero cancels the restore's hook context once a pod's hooks end with errors. */
async function stopForFailFast(jobId: string, ref: PodRef, deps: PodProcessorDeps): Promise<void> {
  await deps.store.tripFailFast(jobId, `failFast: pod ${ref.namespace}/${ref.name} had a failed hook`);
  await deps.publishStop(jobId);
}

function logPlanned(plan: PodPlan, log: Logger): void {
  for (const warning of plan.warnings) log.warn({ warning: quotesHidden(warning) }, 'hook configuration warning');
  log.info({ hooks: plan.hooks.length }, 'pod planned');
}
