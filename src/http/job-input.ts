// The checks on a job request that its JSON schema cannot express: one source of pods,
// configured limits, selector syntax, and the Velero values of `hooks` (domain/hook-input.ts).
// Each failure is a 4xx whose message names the field, e.g.
//   body.hooks.resources[0].postHooks[1].exec.waitTimeout: "5 minutes" is not a Go duration ...

import { validateHookInput } from '../domain/hook-input.ts';
import { parseLabelQuery } from '../domain/label-query.ts';
import type { RestoreHooks } from '../domain/types.ts';
import type { JobSource } from '../domain/views.ts';
import * as E from '../errors.ts';
import type { AppLimits } from './deps.ts';
import type { CreateJobBody } from './schemas/jobs.ts';

/** pods or selector, exactly one: a job has one source of pods, so its order and meaning stay plain. */
export function jobSource(body: CreateJobBody, limits: AppLimits): JobSource {
  if (body.pods !== undefined && body.selector !== undefined) {
    throw new E.JobSourceInvalid('body: give either pods (explicit pods) or selector (pods listed when the job starts), not both');
  }
  if (body.pods !== undefined) {
    if (body.pods.length > limits.maxPodsPerJob) {
      throw new E.LimitPods(`body.pods: ${body.pods.length} pods, more than the limit of ${limits.maxPodsPerJob} per job`);
    }
    const seen = new Map<string, number>();
    body.pods.forEach((p, i) => {
      const key = `${p.namespace}/${p.name}`;
      const first = seen.get(key);
      if (first !== undefined) throw new E.JobPodDuplicate(`body.pods[${i}]: ${key} is already body.pods[${first}]`);
      seen.set(key, i);
    });
    return { kind: 'pods', pods: body.pods };
  }
  if (body.selector !== undefined) {
    const namespaces = body.selector.namespaces ?? [];
    const labelSelector = body.selector.labelSelector ?? '';
    const parsed = parseLabelQuery(labelSelector);
    if (!parsed.ok) throw new E.JobSelectorInvalid(`body.selector.labelSelector: ${parsed.error}`);
    if (namespaces.length === 0 && parsed.query.length === 0) {
      throw new E.JobSelectorInvalid('body.selector: with no namespaces and no labelSelector it would select every pod in the cluster: give at least one');
    }
    return { kind: 'selector', namespaces: [...new Set(namespaces)], labelSelector };
  }
  throw new E.JobSourceInvalid('body: pods (explicit pods) or selector (pods listed when the job starts) is required');
}

/** Counts and sizes first (cheap, bounded), then Velero's rules, in document order. */
export function checkHooks(hooks: RestoreHooks, base: string, limits: AppLimits, invalid: (message: string) => Error): void {
  checkHookLimits(hooks, base, limits);
  const problems = validateHookInput(hooks, base);
  const init = problems.find((p) => p.kind === 'init');
  if (init) throw new E.InitHooksRejected(init.path);
  const first = problems[0];
  if (first) throw invalid(`${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}`);
}

/** hookd's own bounds on hooks, whoever wrote them: entries, post hooks, bytes of a command. */
export function checkHookLimits(hooks: RestoreHooks, base: string, limits: AppLimits): void {
  const resources = hooks.resources ?? [];
  if (resources.length > limits.maxHookEntries) {
    throw new E.LimitHooks(`${base}.resources: ${resources.length} entries, more than the limit of ${limits.maxHookEntries}`);
  }
  const postHooks = resources.reduce((n, r) => n + (r.postHooks?.length ?? 0), 0);
  if (postHooks > limits.maxHookEntries) {
    throw new E.LimitHooks(`${base}.resources[].postHooks: ${postHooks} post hooks in all, more than the limit of ${limits.maxHookEntries}`);
  }
  resources.forEach((r, i) =>
    r.postHooks?.forEach((h, j) => {
      const command = h.exec?.command;
      if (!Array.isArray(command)) return;
      const bytes = command.reduce((n, arg) => n + Buffer.byteLength(String(arg)), 0);
      if (bytes > limits.maxCommandBytes) {
        throw new E.LimitCommand(`${base}.resources[${i}].postHooks[${j}].exec.command: ${bytes} bytes, more than the limit of ${limits.maxCommandBytes}`);
      }
    }),
  );
}
