// The Kubernetes Event a hook leaves on its pod when it ends: which reason and type, and the note that says which hook, which container, the
// exit code or the cause, and the job. Never the hook's output: it can hold secrets, and
// anyone who may read Events in the namespace would see it.
// The writer (kube/event-recorder.ts) adds the name, times and the reporting instance.

import type { ExecOutcome } from '../queue/ports.ts';
import { formatGoDuration } from './duration.ts';
import { HookPhase } from './types.ts';

export const HookEventReason = {
  Succeeded: 'HookSucceeded',
  Failed: 'HookFailed',
  TimedOut: 'HookTimedOut',
  WaitExpired: 'HookWaitExpired',
  Skipped: 'HookSkipped',
  Interrupted: 'HookInterrupted',
} as const;
export type HookEventReason = (typeof HookEventReason)[keyof typeof HookEventReason];

export const HOOK_EVENT_ACTION = 'ExecHook';
export const HOOK_EVENT_CONTROLLER = 'hookd.io/hookd';
/** The API server refuses a longer note (events.k8s.io/v1 validation counts bytes). */
export const NOTE_MAX_BYTES = 1024;
/** A hook name beyond this is cut in the note, so the cause and the job id still fit. */
const NAME_MAX_BYTES = 256;

/** How a hook ended, as its Event tells it. */
export type HookEnd =
  /** The command ran to its end. */
  | { readonly kind: 'exited'; readonly exitCode: number }
  /** No exit status within the exec timeout. */
  | { readonly kind: 'exec-timeout'; readonly timeoutMs: number }
  /** The exec could not be started or broke off: the API's error. */
  | { readonly kind: 'exec-error'; readonly cause: string }
  /** Ended without an exec: the reason the job view shows; `expired` when a wait ran out. */
  | { readonly kind: 'settled'; readonly phase: typeof HookPhase.Failed | typeof HookPhase.Skipped; readonly reason: string; readonly expired: boolean }
  /** Its worker stopped while it ran: its outcome is unknown. */
  | { readonly kind: 'interrupted'; readonly reason: string };

/** A core/v1 ObjectReference, as an Event's regarding and related name objects. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

export interface HookEventInput {
  readonly jobId: string;
  readonly hook: { readonly name: string; readonly container: string };
  readonly pod: { readonly namespace: string; readonly name: string; readonly uid: string | null };
  readonly end: HookEnd;
  /** The Velero Restore the job came from, if any. */
  readonly restore: ObjectRef | null;
}

/** What an Event says, before the writer names and times it. */
export interface HookEventSpec {
  readonly namespace: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: HookEventReason;
  readonly action: typeof HOOK_EVENT_ACTION;
  readonly note: string;
  readonly regarding: ObjectRef;
  readonly related: ObjectRef | null;
}

/** An exec's outcome as the end of its hook. */
export function hookEndOfExec(outcome: ExecOutcome, timeoutMs: number): HookEnd {
  switch (outcome.kind) {
    case 'exited':
      return { kind: 'exited', exitCode: outcome.exitCode };
    case 'timeout':
      return { kind: 'exec-timeout', timeoutMs };
    case 'error':
      return { kind: 'exec-error', cause: `${outcome.message} (${outcome.code})` };
  }
}

function reasonOf(end: HookEnd): HookEventReason {
  switch (end.kind) {
    case 'exited':
      return end.exitCode === 0 ? HookEventReason.Succeeded : HookEventReason.Failed;
    case 'exec-timeout':
      return HookEventReason.TimedOut;
    case 'exec-error':
      return HookEventReason.Failed;
    case 'settled':
      if (end.phase === HookPhase.Skipped) return HookEventReason.Skipped;
      return end.expired ? HookEventReason.WaitExpired : HookEventReason.Failed;
    case 'interrupted':
      return HookEventReason.Interrupted;
  }
}

/** What happened, after "hook NAME in container C". Reasons that already start with those words lose them. */
function whatOf(end: HookEnd, head: string): string {
  const withoutHead = (reason: string, verb: string): string => (reason.startsWith(`${head} `) ? reason.slice(head.length + 1) : `${verb}: ${reason}`);
  switch (end.kind) {
    case 'exited':
      return end.exitCode === 0 ? 'succeeded, exit code 0' : `failed, exit code ${end.exitCode}`;
    case 'exec-timeout':
      return `timed out after ${formatGoDuration(end.timeoutMs)} (the process may still be running in the container)`;
    case 'exec-error':
      return `failed to execute: ${end.cause}`;
    case 'settled':
      return withoutHead(end.reason, end.phase === HookPhase.Skipped ? 'skipped' : 'failed');
    case 'interrupted':
      return end.reason.startsWith('interrupted') ? end.reason : withoutHead(end.reason, 'interrupted');
  }
}

const encoder = new TextEncoder();
const byteLength = (s: string): number => encoder.encode(s).length;

/** s cut to at most maxBytes of UTF-8, on a character boundary, ending in "..." when cut. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (byteLength(s) <= maxBytes) return s;
  const budget = Math.max(0, maxBytes - 3);
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = byteLength(ch);
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return `${out}...`;
}

/** The note: "hook NAME in container C WHAT (job ID)", at most NOTE_MAX_BYTES, the cause cut first. */
export function hookEventNote(jobId: string, hook: HookEventInput['hook'], end: HookEnd): string {
  const head = `hook ${truncateUtf8(hook.name, NAME_MAX_BYTES)} in container ${hook.container}`;
  const tail = ` (job ${jobId})`;
  // Reasons are matched on the hook's full name; the cut one is only for the note's length.
  const what = whatOf(end, `hook ${hook.name} in container ${hook.container}`);
  const room = NOTE_MAX_BYTES - byteLength(head) - byteLength(tail) - 1;
  return `${head} ${truncateUtf8(what, Math.max(room, 0))}${tail}`;
}

export function hookEvent(input: HookEventInput): HookEventSpec {
  const reason = reasonOf(input.end);
  const { pod } = input;
  return {
    namespace: pod.namespace,
    type: reason === HookEventReason.Succeeded ? 'Normal' : 'Warning',
    reason,
    action: HOOK_EVENT_ACTION,
    note: hookEventNote(input.jobId, input.hook, input.end),
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, ...(pod.uid ? { uid: pod.uid } : {}) },
    related: input.restore,
  };
}

/**
 * Events that are "the same" are one Event with a series (client-go's events broadcaster):
 * the same object, reason, action, related object and note.
 */
export function aggregationKey(e: HookEventSpec): string {
  const ref = (r: ObjectRef | null): string => (r === null ? '' : [r.apiVersion, r.kind, r.namespace, r.name, r.uid ?? ''].join('/'));
  return JSON.stringify([ref(e.regarding), e.reason, e.action, ref(e.related), e.note]);
}
