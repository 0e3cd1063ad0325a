// What `kubectl hookd` prints for people, from the API's views (a job, a job list, a dry
// run). Pure: the view and the current time in, text out. The layout follows
// `velero restore describe --details`: aligned `Key:  value` blocks, one per pod, and in
// each pod one per hook with its phase, exit code, duration and error.

import type { DryRunHook, DryRunView } from '../domain/dry-run.ts';
import type { HookView, JobSummaryView, JobView, OwnerView, PodResultView } from '../domain/views.ts';
import { formatAge, formatDurationMs, indent, oneLine, shellWords, spanMs, table } from './format.ts';

type Field = readonly [key: string, value: string];

/** `Key:  value` lines with the values aligned, as kubectl describe prints them. */
export function fields(rows: readonly Field[]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}${v}`.trimEnd()).join('\n') + '\n';
}

function owner(o: OwnerView | null): string {
  return o === null ? '<none>' : `${o.name} (${o.kind})`;
}

function list(title: string, items: readonly string[]): string {
  return items.length === 0 ? '' : `${title}:\n${items.map((w) => `  ${oneLine(w)}\n`).join('')}`;
}

function output(label: string, text: string): string {
  return text === '' ? '' : `${label}:\n${indent(text.endsWith('\n') ? text.slice(0, -1) : text, 2)}\n`;
}

export function describeHook(h: HookView, opts: { showOutput: boolean }): string {
  const rows: Field[] = [
    ['Phase', h.phase],
    ['Exit code', h.exitCode === null ? '-' : String(h.exitCode)],
    ['Duration', formatDurationMs(h.durationMs)],
    ['On error', h.onError],
    ['Command', oneLine(shellWords(h.command))],
  ];
  if (h.error !== null) rows.push(['Error', oneLine(h.error)]);
  let body = fields(rows);
  if (opts.showOutput) {
    body += output('Stdout', h.stdout) + output('Stderr', h.stderr);
    if (h.outputTruncated) body += '(output truncated)\n';
  }
  return `${h.name} (${h.source} hook, container ${h.container}):\n${indent(body, 2)}`;
}

export function describePod(p: PodResultView, opts: { showOutput: boolean }): string {
  let body = list('Warnings', p.warnings);
  if (p.error !== null) body += fields([['Error', oneLine(p.error)]]);
  body += p.hooks.length === 0 ? 'Hooks:  <none>\n' : p.hooks.map((h) => describeHook(h, opts)).join('');
  return `${p.namespace}/${p.name} (${p.status}):\n${indent(body, 2)}`;
}

function summaryFields(job: JobSummaryView): string {
  const s = job.summary;
  return fields([
    ['Pods', String(s.pods)],
    ['Hooks', String(s.hooksTotal)],
    ['Attempted', String(s.hooksAttempted)],
    ['Succeeded', String(s.hooksSucceeded)],
    ['Failed', String(s.hooksFailed)],
    ['Skipped', String(s.hooksSkipped)],
    ['Pending', String(s.hooksPending)],
  ]);
}

/** The job's header: identity, status, times, warnings and counts (no pods). */
export function describeJobSummary(job: JobSummaryView): string {
  const took = spanMs(job.startedAt ?? job.createdAt, job.finishedAt);
  const parts = [
    fields([
      ['Job', job.id],
      ['Restore', job.restore ?? '<none>'],
      ['Owner', owner(job.owner)],
      ['Status', job.status],
      ['Fail fast', String(job.failFast)],
    ]),
    fields([
      ['Created', job.createdAt],
      ['Started', job.startedAt ?? '<not yet>'],
      ['Finished', job.finishedAt === null ? '<not yet>' : `${job.finishedAt} (took ${formatDurationMs(took)})`],
    ]),
  ];
  if (job.error !== null) parts.push(fields([['Error', oneLine(job.error)]]));
  if (job.warnings.length > 0) parts.push(list('Warnings', job.warnings));
  parts.push(`Summary:\n${indent(summaryFields(job), 2)}`);
  return parts.join('\n');
}

/** `kubectl hookd get JOB`: the whole job, per pod, per hook. */
export function describeJob(job: JobView, opts: { showOutput: boolean } = { showOutput: false }): string {
  const pods = job.pods.length === 0 ? 'Pods:  <none>\n' : `Pods:\n${indent(job.pods.map((p) => describePod(p, opts)).join(''), 2)}`;
  return `${describeJobSummary(job)}\n${pods}`;
}

/** `get -o wide`: one row per hook (a pod without hooks gets one row, with the pod's status and error). */
export function hooksTable(job: JobView): string {
  const rows: string[][] = [];
  for (const p of job.pods) {
    if (p.hooks.length === 0) {
      rows.push([p.namespace, p.name, '<none>', '-', '-', '-', p.status, '-', '-', p.error ?? '']);
      continue;
    }
    for (const h of p.hooks) {
      rows.push([
        p.namespace,
        p.name,
        h.name,
        h.source,
        h.container,
        h.onError,
        h.phase,
        h.exitCode === null ? '-' : String(h.exitCode),
        formatDurationMs(h.durationMs),
        h.error ?? '',
      ]);
    }
  }
  return table(['NAMESPACE', 'POD', 'HOOK', 'SOURCE', 'CONTAINER', 'ON-ERROR', 'PHASE', 'EXIT', 'DURATION', 'ERROR'], rows);
}

/** `kubectl hookd list`: one row per job, newest first as the API gives them. */
export function jobsTable(jobs: readonly JobSummaryView[], nowMs: number, wide = false): string {
  const header = ['ID', 'RESTORE', 'STATUS', 'PODS', 'HOOKS', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'AGE'];
  if (wide) header.push('DURATION', 'OWNER', 'WARNINGS');
  const rows = jobs.map((j) => {
    const row = [
      j.id,
      j.restore ?? '<none>',
      j.status,
      String(j.summary.pods),
      String(j.summary.hooksTotal),
      String(j.summary.hooksSucceeded),
      String(j.summary.hooksFailed),
      String(j.summary.hooksSkipped),
      formatAge(j.createdAt, nowMs),
    ];
    if (wide) row.push(formatDurationMs(spanMs(j.startedAt ?? j.createdAt, j.finishedAt)), j.owner?.name ?? '<none>', String(j.warnings.length));
    return row;
  });
  return rows.length === 0 ? 'No jobs found.\n' : table(header, rows);
}

function describeDryRunHook(h: DryRunHook): string {
  return `${h.name} (${h.source} hook, container ${h.container}):\n${indent(
    fields([
      ['Command', oneLine(shellWords(h.command))],
      ['On error', h.onError],
      ['Exec timeout', formatDurationMs(h.execTimeoutMs)],
      ['Wait timeout', h.waitTimeoutMs === null ? 'none' : formatDurationMs(h.waitTimeoutMs)],
      ['Wait for ready', String(h.waitForReady)],
    ]),
    2,
  )}`;
}

/** `run --dry-run`: what the job would run, pod by pod. */
export function describeDryRun(view: DryRunView): string {
  const parts = ['Dry run: nothing was queued, stored or executed.\n'];
  if (view.warnings.length > 0) parts.push(list('Warnings', view.warnings));
  parts.push(fields([['Pods', String(view.summary.pods)], ['Hooks that would run', String(view.summary.hooksTotal)]]));
  if (view.pods.length > 0) {
    const pods = view.pods.map((p) => {
      let body = list('Warnings', p.warnings);
      body += p.hooks.length === 0 ? 'Hooks:  <none>\n' : p.hooks.map(describeDryRunHook).join('');
      return `${p.namespace}/${p.name} (${p.status}):\n${indent(body, 2)}`;
    });
    parts.push(`Pods:\n${indent(pods.join(''), 2)}`);
  }
  return parts.join('\n');
}

/** After a submission without --follow: what was created and how to look at it. */
export function submitted(id: string, status: string): string {
  return `Job ${id} submitted (${status}).\nRun \`kubectl hookd get ${id}\` for its results, or \`kubectl hookd get ${id} --watch\` to follow it.\n`;
}
