// POST ...?dryRun=true: what a job would run, from the live pods, with
// nothing queued, stored or executed. The route has already applied every check a real
// submission makes (schema, hooks, limits, the caller's rights), so the same mistakes get the
// same 4xx; here the pods are found as the job's start would find them (a selector is listed
// now, through the same namespace scope), planned by the same rules a worker applies, and
// each pod with hooks to run is put to the question a worker asks before its first exec.

import { selectorPods, PERMANENT_LIST_CODES } from '../auth/selector-scope.ts';
import { dryRunView, forbiddenPod, missingPod, plannedPod, type DryRunPod, type DryRunView } from '../domain/dry-run.ts';
import { selectorMatchProblem } from '../domain/job-footprint.ts';
import type { PodRef, PodView, RestoreHooks } from '../domain/types.ts';
import type { JobOwner, JobSource } from '../domain/views.ts';
import * as E from '../errors.ts';
import { createLimiter } from '../kube/limiter.ts';
import type { RouteDeps } from './deps.ts';

export interface DryRunInput {
  readonly source: JobSource;
  readonly hooks: RestoreHooks | null;
  /** The job's own warnings (e.g. a Restore's init hooks left out). */
  readonly warnings: readonly string[];
  readonly owner: JobOwner | null;
}

/** Pod reads and rights questions in flight at once for one dry run. */
const CONCURRENCY = 16;

function codeOf(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

/** A Kubernetes failure as the API answers it: unreachable 503, anything else 502. */
function kubeFailure(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  return code === 'KUBE_UNAVAILABLE' || code === 'KUBE_TIMEOUT' ? new E.KubeUnavailable(message) : new E.KubeError(message);
}

async function livePods(deps: RouteDeps, input: DryRunInput, warnings: string[]): Promise<(PodView | PodRef)[] | null> {
  const { source } = input;
  if (source.kind === 'pods') {
    const limiter = createLimiter(CONCURRENCY);
    return Promise.all(
      source.pods.map((ref) =>
        limiter.run(async () => {
          try {
            return (await deps.pods.get(ref)) ?? ref;
          } catch (err) {
            throw kubeFailure(err);
          }
        }),
      ),
    );
  }
  let found: PodView[];
  try {
    found = await selectorPods(source, deps.pods, input.owner, deps.ownerRights);
  } catch (err) {
    // The job's start fails the job for these (it cannot be carried out); others it tries again.
    if (PERMANENT_LIST_CODES.has(codeOf(err) ?? '')) {
      warnings.push(`the job would fail: pods could not be listed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
    throw kubeFailure(err);
  }
  const problem = selectorMatchProblem(found.length, input.hooks, deps.limits.maxPodsPerJob, { maxHookRuns: deps.limits.maxHookRunsPerJob, maxBytes: deps.limits.maxJobBytes });
  if (problem !== null) {
    warnings.push(`the job would fail: ${problem}`);
    return null;
  }
  return found;
}

const isView = (p: PodView | PodRef): p is PodView => 'containers' in p;

export async function dryRun(deps: RouteDeps, input: DryRunInput): Promise<DryRunView> {
  const warnings = [...input.warnings];
  const pods = await livePods(deps, input, warnings);
  if (pods === null) return dryRunView(warnings, []);
  const rights = deps.ownerRights;
  const limiter = createLimiter(CONCURRENCY);
  const shown = await Promise.all(
    pods.map(
      (p): Promise<DryRunPod> =>
        limiter.run(async () => {
          if (!isView(p)) return missingPod(p);
          const { pod, runs } = plannedPod(p, input.hooks);
          // A worker asks right before a pod's first exec: a pod with nothing to run is never asked about.
          if (!runs || !rights) return pod;
          let refusal: string | null;
          try {
            refusal = await rights.mayExec(input.owner, p);
          } catch (err) {
            throw kubeFailure(err);
          }
          return refusal === null ? pod : forbiddenPod(pod, refusal);
        }),
    ),
  );
  return dryRunView(warnings, shown);
}
