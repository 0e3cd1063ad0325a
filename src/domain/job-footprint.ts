// What a job will cost before it is stored: how many hook runs it can make and how many
// bytes its plans take in Redis. Every matched pod stores its own copy of the hooks that
// apply to it, so a 1 MB body matching 20 pods costs 20 MB: the bound must be on the
// product, not on the body alone. Spec hooks are counted as if every entry matched every
// pod (the most they can cost); hooks from pod annotations are not known until a pod is
// read and are bounded per pod by the annotation rules.

import type { RestoreHooks } from './types.ts';

export interface JobFootprint {
  /** Upper bound of hook runs: pods x post exec hooks in the spec. */
  readonly hookRuns: number;
  /** Upper bound of the bytes the pods' plans take, with the spec stored once. */
  readonly bytes: number;
}

export interface JobBounds {
  readonly maxHookRuns: number;
  readonly maxBytes: number;
}

/** Bytes a stored hook costs beside its strings: phase, times, exit code, field names. */
const HOOK_RECORD_OVERHEAD = 256;

const bytesOf = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s));

export function jobFootprint(hooks: RestoreHooks | null, pods: number): JobFootprint {
  let hooksPerPod = 0;
  let bytesPerPod = 0;
  let specBytes = 0;
  for (const entry of hooks?.resources ?? []) {
    for (const hook of entry.postHooks ?? []) {
      const exec = hook.exec;
      if (!exec) continue;
      const hookBytes = exec.command.reduce((n, arg) => n + bytesOf(arg), 0) + bytesOf(entry.name) + bytesOf(exec.container) + HOOK_RECORD_OVERHEAD;
      hooksPerPod++;
      bytesPerPod += hookBytes;
      specBytes += hookBytes;
    }
  }
  return { hookRuns: hooksPerPod * pods, bytes: specBytes + bytesPerPod * pods };
}

/** The first bound a footprint exceeds, in words naming the variable that sets it; null within bounds. */
export function footprintProblem(f: JobFootprint, bounds: JobBounds): { readonly kind: 'hooks' | 'bytes'; readonly message: string } | null {
  if (f.hookRuns > bounds.maxHookRuns) {
    return {
      kind: 'hooks',
      message: `the job would make up to ${f.hookRuns} hook runs (pods x post hooks), more than the limit of ${bounds.maxHookRuns} (HOOKD_MAX_HOOK_RUNS_PER_JOB)`,
    };
  }
  if (f.bytes > bounds.maxBytes) {
    return {
      kind: 'bytes',
      message: `the job's hooks would take up to ${f.bytes} bytes stored (each pod keeps its own copy), more than the limit of ${bounds.maxBytes} (HOOKD_MAX_JOB_BYTES)`,
    };
  }
  return null;
}

/**
 * Why a selector's job fails once its pods are listed (too many pods, or too much to store),
 * in the words the job's error gives; null when it fits.
 */
export function selectorMatchProblem(pods: number, hooks: RestoreHooks | null, maxPods: number, bounds: JobBounds): string | null {
  const tooBig = footprintProblem(jobFootprint(hooks, pods), bounds);
  if (tooBig) return `the selector matched ${pods} pods: ${tooBig.message}`;
  if (pods > maxPods) return `the selector matched ${pods} pods, more than the limit of ${maxPods} per job`;
  return null;
}
