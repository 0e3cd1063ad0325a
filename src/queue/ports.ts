// What the pod processor needs from the world, named where it is used.
// `kube/` provides the waiter and the executor, `store/` the ledger; tests can hand-write fakes.

import type { PodRef, PodState } from '../domain/types.ts';

export interface WaitResult {
  /** The last state observed: the one that satisfied `until`, or the latest at the deadline. */
  readonly state: PodState;
  /** True when the deadline passed before `until` held. */
  readonly timedOut: boolean;
}

/** A pod's watch events from now on, kept while a worker decides about it. */
export interface PodTrack {
  /** The last state the namespace's watch delivered since the track began; null before any. */
  latest(): PodState | null;
  release(): void;
}

export interface PodWaiter {
  /** Follows the pod through its namespace's shared watch (absent: the waiter cannot). */
  track?(ref: PodRef): PodTrack;
  /** One GET of the live pod (never from a cache). */
  get(ref: PodRef, signal: AbortSignal): Promise<PodState>;
  /**
   * Resolves with the first observed state for which `until` holds, through the shared
   * watch of the pod's namespace (never a poll, never a watch per pod). The pod is read
   * once with a GET when the wait begins, since an informer can lag after a relist.
   * Resolves with `timedOut` at `deadlineMs` (epoch ms); rejects with the signal's reason on abort.
   */
  waitFor(ref: PodRef, until: (state: PodState) => boolean, deadlineMs: number, signal: AbortSignal): Promise<WaitResult>;
}

export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  readonly timeoutMs: number;
  /** Bound on each of stdout and stderr; beyond it output is dropped and `truncated` set. */
  readonly maxOutputBytes: number;
}

interface ExecOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
}

export type ExecOutcome =
  /** The command ran to its end; exitCode 0 is success. */
  | (ExecOutput & { readonly kind: 'exited'; readonly exitCode: number })
  /** The exec could not be started or broke off (API error, container gone, socket closed without status). */
  | (ExecOutput & {
      readonly kind: 'error';
      readonly code: string;
      readonly message: string;
      /** Set when the command certainly never started (upgrade refused with 429/5xx, connection refused): trying again is safe. */
      readonly notStarted?: { readonly retryAfterMs: number | null };
    })
  /** No status within `timeoutMs`. The process in the container may still be running. */
  | (ExecOutput & { readonly kind: 'timeout' });

export interface Executor {
  /**
   * signal ends the exec (its outcome is then unknown); once noNewTry aborts (a graceful
   * shutdown), an exec refused before it started is not tried again.
   */
  exec(req: ExecRequest, signal: AbortSignal, noNewTry?: AbortSignal): Promise<ExecOutcome>;
}
