// Encoding of the store's Redis values, and their assembly into the views of
// domain/views.ts. Pure functions: redis-store.ts does the I/O.

import { summarize } from '../domain/summary.ts';
import {
  HookPhase,
  JobStatus,
  PodStatus,
  type HookResult,
  type PlannedHook,
  type PodPlan,
  type PodRef,
} from '../domain/types.ts';
import type { HookView, JobSpec, JobSummaryView, OwnerView, PodResultView, Summary } from '../domain/views.ts';

/** The job hash's fields read for a job summary (HMGET order). */
export const SUMMARY_FIELDS = [
  'id', 'restore', 'status', 'warnings', 'error', 'failFast', 'createdAt', 'startedAt', 'finishedAt',
  'n:pods', 'n:total', 'n:attempted', 'n:succeeded', 'n:failed', 'n:skipped', 'owner',
] as const;

/** The ended state of a hook, in the results hash. */
export interface StoredResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  readonly error: string | null;
  readonly finishedAtMs: number;
}

const HOOK_PHASES: ReadonlySet<string> = new Set(Object.values(HookPhase));
const POD_STATUSES: ReadonlySet<string> = new Set(Object.values(PodStatus));
const JOB_STATUSES: ReadonlySet<string> = new Set(Object.values(JobStatus));

export function isJobStatus(s: string): s is JobStatus {
  return JOB_STATUSES.has(s);
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function num(s: string | null | undefined): number | null {
  if (s === null || s === undefined || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Fields of the job hash written at creation; specText is the spec as stored (sealed). */
export function jobFields(spec: JobSpec, specText: string, idemKey: string | null): (string | number)[] {
  const f: (string | number)[] = [
    'id', spec.id,
    'spec', specText,
    'status', JobStatus.Queued,
    'warnings', JSON.stringify(spec.warnings),
    'failFast', spec.failFast ? '1' : '0',
    'createdAt', spec.createdAtMs,
    'n:pods', spec.source.kind === 'pods' ? spec.source.pods.length : 0,
    'n:total', 0, 'n:attempted', 0, 'n:succeeded', 0, 'n:failed', 0, 'n:skipped', 0,
  ];
  if (spec.restore !== null) f.push('restore', spec.restore);
  if (idemKey !== null) f.push('idem', idemKey);
  if (spec.owner) f.push('owner', JSON.stringify({ name: spec.owner.name, kind: spec.owner.kind }));
  return f;
}

/** Builds a summary view from the job hash (SUMMARY_FIELDS order); null when the job is gone. */
export function summaryFromFields(v: readonly (string | null)[], summary?: Summary): JobSummaryView | null {
  const [id, restore, status, warnings, error, failFast, createdAt, startedAt, finishedAt, pods, total, attempted, succeeded, failed, skipped, owner] = v;
  if (!id || !status || !isJobStatus(status)) return null;
  const n = (s: string | null | undefined): number => num(s) ?? 0;
  const t = n(total);
  const counted: Summary = {
    pods: n(pods),
    hooksTotal: t,
    hooksAttempted: n(attempted),
    hooksSucceeded: n(succeeded),
    hooksFailed: n(failed),
    hooksPending: t - n(succeeded) - n(failed) - n(skipped),
    hooksSkipped: n(skipped),
  };
  return {
    id,
    owner: owner ? (JSON.parse(owner) as OwnerView) : null,
    restore: restore ?? null,
    status,
    warnings: warnings ? (JSON.parse(warnings) as string[]) : [],
    error: error ?? null,
    failFast: failFast === '1',
    createdAt: iso(num(createdAt) ?? 0) ?? '',
    startedAt: iso(num(startedAt)),
    finishedAt: iso(num(finishedAt)),
    summary: summary ?? counted,
  };
}

// ---- hooks: `<phase>|<startedAtMs>` in the hooks hash ----

export function hookValue(phase: HookPhase, startedAtMs: number | null): string {
  return `${phase}|${startedAtMs ?? ''}`;
}

export function parseHookValue(v: string): { phase: HookPhase; startedAtMs: number | null } {
  const bar = v.indexOf('|');
  const phase = v.slice(0, bar);
  return { phase: HOOK_PHASES.has(phase) ? (phase as HookPhase) : HookPhase.Pending, startedAtMs: num(v.slice(bar + 1)) };
}

export function resultJson(r: HookResult, finishedAtMs: number): string {
  const stored: StoredResult = {
    exitCode: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    outputTruncated: r.outputTruncated,
    error: r.error,
    finishedAtMs,
  };
  return JSON.stringify(stored);
}

/** The results JSON of a hook that ends without running (skipped at plan time, or at cancel). */
export function settledJson(reason: string, finishedAtMs: number): string {
  return resultJson({ phase: HookPhase.Skipped, exitCode: null, stdout: '', stderr: '', outputTruncated: false, error: reason }, finishedAtMs);
}

export function hookView(h: PlannedHook, value: string | null | undefined, result: string | null | undefined): HookView {
  const { phase, startedAtMs } = parseHookValue(value ?? `${HookPhase.Pending}|`);
  const r = result ? (JSON.parse(result) as StoredResult) : null;
  const finishedAtMs = r?.finishedAtMs ?? null;
  return {
    index: h.index,
    name: h.name,
    source: h.source,
    container: h.container,
    command: h.command,
    onError: h.onError,
    phase,
    exitCode: r?.exitCode ?? null,
    stdout: r?.stdout ?? '',
    stderr: r?.stderr ?? '',
    outputTruncated: r?.outputTruncated ?? false,
    error: r?.error ?? null,
    startedAt: iso(startedAtMs),
    finishedAt: iso(finishedAtMs),
    durationMs: startedAtMs !== null && finishedAtMs !== null ? Math.max(0, finishedAtMs - startedAtMs) : null,
  };
}

// ---- pods: `<i>:ref` = `namespace/name`, `<i>:st`, `<i>:err` ----

export const podRefValue = (ref: PodRef): string => `${ref.namespace}/${ref.name}`;

export function parsePodRef(v: string): PodRef {
  const slash = v.indexOf('/');
  return { namespace: v.slice(0, slash), name: v.slice(slash + 1) };
}

export function podStatusValue(s: string | null | undefined): PodStatus {
  return s && POD_STATUSES.has(s) ? (s as PodStatus) : PodStatus.Pending;
}

/** One pod's view from its stored values: `ref`, status, error, plan (JSON) and hook values and results by hook index. */
export function podView(
  ref: string,
  status: string | null | undefined,
  error: string | null | undefined,
  planJson: string | null | undefined,
  hookValue: (hookIndex: number) => string | null | undefined,
  hookResult: (hookIndex: number) => string | null | undefined,
): PodResultView {
  const plan = planJson ? (JSON.parse(planJson) as PodPlan) : null;
  return {
    ...parsePodRef(ref),
    status: podStatusValue(status),
    error: error ?? null,
    warnings: plan?.warnings ?? [],
    hooks: (plan?.hooks ?? []).map((h) => hookView(h, hookValue(h.index), hookResult(h.index))),
  };
}

/** The hook indexes of a stored plan (JSON), to ask for its hooks' values. */
export function planHookIndexes(planJson: string | null | undefined): number[] {
  if (!planJson) return [];
  return (JSON.parse(planJson) as PodPlan).hooks.map((h) => h.index);
}

/** Assembles the pods of a job from its four hashes (HGETALL replies). */
export function podViews(
  count: number,
  pods: Readonly<Record<string, string>>,
  plans: Readonly<Record<string, string>>,
  hooks: Readonly<Record<string, string>>,
  results: Readonly<Record<string, string>>,
): PodResultView[] {
  const out: PodResultView[] = [];
  for (let i = 0; i < count; i++) {
    const ref = pods[`${i}:ref`];
    if (ref === undefined) continue;
    out.push(podView(ref, pods[`${i}:st`], pods[`${i}:err`], plans[String(i)], (h) => hooks[`${i}:${h}`], (h) => results[`${i}:${h}`]));
  }
  return out;
}

export function summaryOf(pods: readonly PodResultView[]): Summary {
  return summarize(pods);
}
