// What the Helm chart gives a worker by default, read from the chart itself so the bench
// measures the worker as it is installed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One `  key: value` line of the chart's `worker:` block. */
function workerValue(key: string, pattern: string): string {
  const values = readFileSync(join(import.meta.dirname, '..', 'deploy', 'helm', 'hookd', 'values.yaml'), 'utf8');
  const worker = values.slice(values.indexOf('\nworker:'));
  const m = new RegExp(`\\n  ${key}: ${pattern}\\n`).exec(worker);
  if (!m) throw new Error(`deploy/helm/hookd/values.yaml: worker.${key} not found`);
  return m[1] ?? '';
}

export const CHART_WORKER_NODE_OPTIONS = workerValue('nodeOptions', '"([^"]*)"');

/** worker.mallocArenaMax: the worker's MALLOC_ARENA_MAX, '' for glibc's default (null). */
const arenas = workerValue('mallocArenaMax', '(\\d+|null)');
export const CHART_WORKER_MALLOC_ARENA_MAX = arenas === 'null' ? '' : arenas;

/** worker.mallocThresholdBytes: glibc's fixed mmap and trim threshold of a worker, '' for glibc's dynamic ones (null). */
const threshold = workerValue('mallocThresholdBytes', '(\\d+|null)');
export const CHART_WORKER_MALLOC_THRESHOLD = threshold === 'null' ? '' : threshold;

/**
 * A worker's malloc environment as the chart sets it: MALLOC_ARENA_MAX for an arena count and
 * GLIBC_TUNABLES for a threshold ('' for either: glibc's default, no variable).
 */
export function workerMallocEnv(arenaMax: string, thresholdBytes: string): Record<string, string> {
  return {
    ...(arenaMax !== '' ? { MALLOC_ARENA_MAX: arenaMax } : {}),
    ...(thresholdBytes !== '' ? { GLIBC_TUNABLES: `glibc.malloc.mmap_threshold=${thresholdBytes}:glibc.malloc.trim_threshold=${thresholdBytes}` } : {}),
  };
}

/** Node flags written as the chart's nodeOptions value (space-separated), as an argument list. */
export function nodeArgsOf(options: string): string[] {
  return options.split(' ').filter((a) => a !== '');
}

/** worker.replicas: the worker processes a default install runs (the throughput runs use as many). */
export const CHART_WORKER_REPLICAS = Number(workerValue('replicas', '(\\d+)'));

/** A worker's node flags and malloc environment exactly as a default install gives them. */
export function chartWorkerRuntime(): { readonly nodeArgs: readonly string[]; readonly env: Readonly<Record<string, string>> } {
  return {
    nodeArgs: nodeArgsOf(CHART_WORKER_NODE_OPTIONS),
    env: workerMallocEnv(CHART_WORKER_MALLOC_ARENA_MAX, CHART_WORKER_MALLOC_THRESHOLD),
  };
}
