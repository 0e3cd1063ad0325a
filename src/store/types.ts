// The results store's contract. Verbs are events in a job's life, in the order they happen;
// reads return the views of `domain/views.ts`, never raw Redis hashes.
//
// Durability rule: a hook's state is written before its exec starts
// (`markHookRunning`) and again when it ends (`recordHookResult`), so a pod job re-run after
// a crash can tell finished hooks (never run again) from interrupted ones.

import type { HookPhase, HookResult, JobStatus, PodPlan, PodRef, PodStatus } from '../domain/types.ts';
import type { JobSpec, JobSummaryView, JobView, PodResultView } from '../domain/views.ts';

export type CreateJobResult =
  | { readonly kind: 'created'; readonly job: JobSummaryView }
  /** Same Idempotency-Key and same body: the first job. */
  | { readonly kind: 'existing'; readonly job: JobSummaryView }
  /**
   * Same Idempotency-Key, another body; or (`inProgress`) the same body while the first
   * request has not finished creating its job yet.
   */
  | { readonly kind: 'conflict'; readonly jobId: string; readonly inProgress?: boolean };

export interface ListJobsQuery {
  readonly restore?: string;
  readonly status?: JobStatus;
  readonly limit: number;
  readonly cursor?: string;
  /** Only the jobs of this owner (callerKey "user:NAME" / "token:NAME"). */
  readonly owner?: string;
}

export interface PodPageQuery {
  /** Pods per page (at least 1). */
  readonly limit: number;
  /** nextCursor of the previous page (same job, same status filter). */
  readonly cursor?: string;
  /** Only the pods with this status. */
  readonly status?: PodStatus;
}

export interface PodPage {
  readonly pods: readonly PodResultView[];
  /** null on the last page. */
  readonly nextCursor: string | null;
}

/** A hook's recorded state, as a re-delivered pod job reads it back. */
export interface LedgerEntry {
  readonly index: number;
  readonly phase: HookPhase;
}

/** Everything stored about one pod of a job, for the worker. */
export interface PodRecord {
  readonly ref: PodRef;
  readonly status: PodStatus;
  /** null until the pod's plan was recorded. */
  readonly plan: PodPlan | null;
  readonly hooks: readonly LedgerEntry[];
  /** The job's stop reason when the record was read (absent: not read with it). */
  readonly jobStopReason?: string | null;
}

/** One Server-Sent Event, read back from the job's event log. */
export interface JobEvent {
  /** Monotonic within the job; a client resumes after it with Last-Event-ID. */
  readonly id: string;
  readonly event: 'hook' | 'done';
  readonly data: unknown;
}

/** `already_cancelled`: cancelled before and not ended yet (an exec it let run still runs): nothing changed. */
export type CancelResult = 'cancelled' | 'already_cancelled' | 'ended' | 'not_found';

/** A worker's running claim on a hook (worker-liveness.ts): who runs it, for how long at most. */
export interface HookClaim {
  readonly holder: string;
  readonly forMs: number;
}

export interface MarkRunningOptions {
  readonly claim?: HookClaim;
  /** Also show the pod running (its status changes with its first exec). */
  readonly showRunning?: boolean;
}

export interface RecordResultOptions {
  /** Only over a running mark: what is left of an exec whose worker stopped. */
  readonly onlyIfRunning?: boolean;
  readonly execStartedAtMs?: number;
  /** The exec's running claim ends with its result, in the same step. */
  readonly releaseClaim?: boolean;
  /**
   * This result ends the pod: its status becomes this (without an error) in the same step.
   * Not with onlyIfRunning (an interrupted hook's pod goes on to its other hooks).
   */
  readonly podStatus?: PodStatus;
}

export interface JobStore {
  createJob(spec: JobSpec, idempotency?: { readonly key: string; readonly bodyHash: string }): Promise<CreateJobResult>;
  getSpec(jobId: string): Promise<JobSpec | null>;
  getJob(jobId: string): Promise<JobView | null>;
  /** The job without its pods: cheap whatever the job's size (SSE, idempotent replays). */
  getJobSummary(jobId: string): Promise<JobSummaryView | null>;
  /**
   * One page of the job's pods, in order, without reading the rest of the job; null when the
   * job does not exist. Throws CursorInvalidError for a cursor not returned for this job and filter.
   */
  getPods(jobId: string, query: PodPageQuery): Promise<PodPage | null>;
  listJobs(query: ListJobsQuery): Promise<{ jobs: JobSummaryView[]; nextCursor: string | null }>;

  /** The pods are known (given, or listed by the selector): recorded in order, each pending. Idempotent. */
  setPods(jobId: string, pods: readonly PodRef[], atMs: number): Promise<void>;
  /** The job could not be carried out at all (e.g. the selector's namespace cannot be listed). */
  failJob(jobId: string, error: string, atMs: number): Promise<void>;

  getPod(jobId: string, podIndex: number): Promise<PodRecord | null>;
  /** The pods `from` .. `from + count - 1` of the job, those that exist (a worker reads ahead with it). */
  getPodRefs(jobId: string, from: number, count: number): Promise<PodRef[]>;
  /**
   * The pod's plan is known: its hooks are recorded pending (or skipped with their reason). Idempotent: an existing plan is kept.
   * Answers the job's stop reason, read in the same step.
   */
  recordPlan(jobId: string, podIndex: number, plan: PodPlan, atMs: number): Promise<{ readonly stopReason: string | null }>;
  /**
   * getPod and recordPlan in one step, for a run that knows the live pod before reading its
   * record: the plan is recorded when the pod has none and has not ended (`planned`), and the
   * record is then the one read just before that write (no plan, its stop reason read in the
   * same step). Otherwise nothing is written and the record is getPod's.
   */
  beginPod(jobId: string, podIndex: number, plan: PodPlan, atMs: number): Promise<{ readonly record: PodRecord | null; readonly planned: boolean }>;
  setPodStatus(jobId: string, podIndex: number, status: PodStatus, error: string | null, atMs: number): Promise<void>;
  markHooksWaiting(jobId: string, podIndex: number, hookIndexes: readonly number[], atMs: number): Promise<void>;
  /**
   * Written before the exec starts; refused (HookNotRunnableError) when the hook has ended or
   * the job has a stop reason. With `claim`, the worker's running claim on the hook is written
   * in the same step (never one without the other); with `showRunning`, the pod's status too.
   */
  markHookRunning(jobId: string, podIndex: number, hookIndex: number, atMs: number, opts?: MarkRunningOptions): Promise<void>;
  /** Undoes a running mark whose exec certainly never started (handed back at shutdown), so it is never reported interrupted. */
  unmarkHookRunning(jobId: string, podIndex: number, hookIndex: number, opts?: { readonly releaseClaim?: boolean }): Promise<void>;
  /**
   * Written when the hook ends (ran, failed, or settled without running). `execStartedAtMs`:
   * the result of an exec that started then. Such a hook counts as attempted (from then) even
   * when its running mark is not there: a write acknowledged by a Redis master and lost in a failover before it reached
   * the replica (asynchronous replication) must not leave the summary short of it.
   */
  recordHookResult(jobId: string, podIndex: number, hookIndex: number, result: HookResult, atMs: number, opts?: RecordResultOptions): Promise<void>;

  /** DELETE: marks the job cancelled unless it has ended. */
  cancelJob(jobId: string, atMs: number): Promise<CancelResult>;
  /** The reason hooks not yet started must be skipped (cancelled, or failFast tripped), or null. */
  stopReason(jobId: string): Promise<string | null>;
  /** failFast: the first failed pod stops the job; returns the reason recorded. */
  tripFailFast(jobId: string, reason: string): Promise<void>;
  /**
   * Every pod has ended: the final status is computed, finishedAt set, retention starts, `done` is emitted.
   * `warnings` are added to the job's own (a job that ran no hook says why), unless it had already ended.
   */
  finishJob(jobId: string, atMs: number, opts?: { readonly warnings?: readonly string[] }): Promise<JobStatus>;

  /** Events after `afterId` (all when null), oldest first. */
  readEvents(jobId: string, afterId: string | null, max: number): Promise<JobEvent[]>;
  /**
   * The same events' ids alone, with the hook each is about (`<pod>:<hook>`; null for
   * `done`): what it takes to find each hook's latest event without reading any output.
   */
  readEventKeys(jobId: string, afterId: string | null, max: number): Promise<EventKey[]>;
}

export interface EventKey {
  readonly id: string;
  readonly hook: string | null;
}
