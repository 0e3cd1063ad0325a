// Following a job (`run --follow`, `get --watch`): the state built from its `hook` events
// (each hook state change, with `namespace` and `pod`), the line printed for each
// change, and the live progress line a terminal shows. Pure.

import type { HookPhase, JobStatus } from '../domain/types.ts';
import type { HookView, Summary } from '../domain/views.ts';
import { formatDurationMs, oneLine } from './format.ts';

/** The data of an SSE `hook` event. */
export interface HookEvent extends HookView {
  readonly namespace: string;
  readonly pod: string;
}

/** The data of an SSE `done` event. */
export interface DoneEvent {
  readonly status: JobStatus;
  readonly summary: Summary;
}

/** The last phase seen of each hook, by (namespace, pod, index): a hook's identity in a job. */
export type Progress = ReadonlyMap<string, HookPhase>;

export const emptyProgress: Progress = new Map();

export function hookKey(e: Pick<HookEvent, 'namespace' | 'pod' | 'index'>): string {
  return `${e.namespace}/${e.pod}#${e.index}`;
}

/**
 * Records an event. `changed` is false for a phase already known (the snapshot a stream
 * starts with, or a repeat after a reconnect), so each change is printed once.
 */
export function applyHookEvent(p: Progress, e: HookEvent): { progress: Progress; changed: boolean } {
  const key = hookKey(e);
  if (p.get(key) === e.phase) return { progress: p, changed: false };
  const next = new Map(p);
  next.set(key, e.phase);
  return { progress: next, changed: true };
}

/**
 * One line per change: `demo/search-0 <from-annotation> [search]: failed (exit code 3, 20ms): why`.
 * A pod's later hooks say their place (`[redis, hook 2]`): the postHooks of one Velero
 * resource entry share its name.
 */
export function hookLine(e: HookEvent): string {
  const who = `${e.namespace}/${e.pod} ${e.name} [${e.container}${e.index > 0 ? `, hook ${e.index + 1}` : ''}]`;
  const facts: string[] = [];
  if (e.exitCode !== null) facts.push(`exit code ${e.exitCode}`);
  if (e.durationMs !== null && (e.phase === 'succeeded' || e.phase === 'failed')) facts.push(formatDurationMs(e.durationMs));
  const detail = facts.length === 0 ? '' : ` (${facts.join(', ')})`;
  const why = e.error === null ? '' : `: ${oneLine(e.error)}`;
  return `${who}: ${e.phase}${detail}${why}`;
}

export interface Counts {
  readonly seen: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly running: number;
  readonly waiting: number;
}

export function counts(p: Progress): Counts {
  const c = { seen: 0, succeeded: 0, failed: 0, skipped: 0, running: 0, waiting: 0 };
  for (const phase of p.values()) {
    c.seen++;
    if (phase === 'succeeded') c.succeeded++;
    else if (phase === 'failed') c.failed++;
    else if (phase === 'skipped') c.skipped++;
    else if (phase === 'running') c.running++;
    else if (phase === 'waiting') c.waiting++;
  }
  return c;
}

/**
 * The live line: `job j1 running: 3/4 hooks ended (2 succeeded, 1 failed, 0 skipped), 1 running, 0 waiting, 5.2s`.
 * `total` is the job's hooksTotal when known (it grows while a selector's pods are listed);
 * never less than the hooks already seen.
 */
export function progressLine(p: Progress, job: { id: string; status: string; total: number | null }, elapsedMs: number): string {
  const c = counts(p);
  const total = Math.max(job.total ?? 0, c.seen);
  const ended = c.succeeded + c.failed + c.skipped;
  return (
    `job ${job.id} ${job.status}: ${ended}/${total} hooks ended ` +
    `(${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} skipped), ${c.running} running, ${c.waiting} waiting, ${formatDurationMs(elapsedMs)}`
  );
}

/** The exit code of a job that has ended: 0 only when it completed. */
export function exitCodeOf(status: JobStatus): number {
  return status === 'completed' ? 0 : 1;
}

export const ENDED_STATUSES: readonly JobStatus[] = ['completed', 'partially_failed', 'failed', 'cancelled'];
