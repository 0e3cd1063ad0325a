// The shapes clients read. Plain data: the store assembles them,
// the HTTP schemas describe them, the domain summarises them.

import type { HookPhase, HookSource, JobStatus, OnError, PodRef, PodStatus, RestoreHooks } from './types.ts';

export interface HookView {
  readonly index: number;
  readonly name: string;
  readonly source: HookSource;
  readonly container: string;
  readonly command: readonly string[];
  readonly onError: OnError;
  readonly phase: HookPhase;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  readonly error: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
}

export interface PodResultView {
  readonly namespace: string;
  readonly name: string;
  readonly status: PodStatus;
  readonly error: string | null;
  readonly warnings: readonly string[];
  readonly hooks: readonly HookView[];
}

export interface Summary {
  readonly pods: number;
  readonly hooksTotal: number;
  readonly hooksAttempted: number;
  readonly hooksSucceeded: number;
  readonly hooksFailed: number;
  readonly hooksPending: number;
  readonly hooksSkipped: number;
}

/**
 * Who created a job, as recorded with it: a Kubernetes user (name, uid and groups from a
 * TokenReview, asked again for each pod's exec) or a named token (its namespace globs and
 * rights). Jobs created without authentication have none.
 */
export type JobOwner =
  | { readonly kind: 'user'; readonly name: string; readonly uid: string; readonly groups: readonly string[] }
  | {
      readonly kind: 'token';
      readonly name: string;
      readonly namespaces: readonly string[];
      readonly rights: readonly ('submit' | 'read' | 'cancel' | 'admin')[];
    };

/** What a job view shows of its owner. */
export interface OwnerView {
  readonly name: string;
  readonly kind: 'user' | 'token';
}

export interface JobSummaryView {
  readonly id: string;
  /** null: created without authentication (HOOKD_AUTH=none). */
  readonly owner: OwnerView | null;
  readonly restore: string | null;
  readonly status: JobStatus;
  readonly warnings: readonly string[];
  readonly error: string | null;
  readonly failFast: boolean;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly summary: Summary;
}

export interface JobView extends JobSummaryView {
  readonly pods: readonly PodResultView[];
}

/** Where a job's pods come from. */
export type JobSource =
  | { readonly kind: 'pods'; readonly pods: readonly PodRef[] }
  | { readonly kind: 'selector'; readonly namespaces: readonly string[]; readonly labelSelector: string };

/** What a worker needs to carry a job out; fixed when the job is created. */
export interface JobSpec {
  readonly id: string;
  readonly restore: string | null;
  /** The Velero Restore object a job from POST /v1/velero/restores/... came from: its hooks' Events name it as related. */
  readonly restoreRef?: { readonly namespace: string; readonly name: string; readonly uid: string | null } | null;
  readonly source: JobSource;
  readonly hooks: RestoreHooks | null;
  readonly failFast: boolean;
  readonly warnings: readonly string[];
  readonly createdAtMs: number;
  /** Absent on jobs stored before owners were recorded. */
  readonly owner?: JobOwner | null;
  /** The submitter's address, for the audit lines of the job's execs. */
  readonly sourceIP?: string | null;
}
