// Throughput: N running pods x 1 hook, from POST to the last hook finished, next to the
// baseline loop on the same pods at the same concurrency. The sim answers from a script
// (`scripted`) or runs the real command (`process`).

import { benchHooks, followJob, getJob, hooksDone, lastHookFinishedMs, postJob } from '../hookd/client.ts';
import { round } from '../http-load.ts';
import type { ThroughputRun } from '../report.ts';
import { runBaseline } from '../runners/baseline.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { startHookdPair, type BenchContext, type HookdPair } from '../context.ts';
import { loadFigures } from './load-figures.ts';

export const HOOK_COMMAND = ['/bin/true'] as const;
/** hookd's default; raised when the benchmark's concurrency is above it. */
export const DEFAULT_POD_CONCURRENCY = 500;

export interface ThroughputOutcome {
  readonly run: ThroughputRun;
  readonly namespace: string;
  readonly jobId: string;
  /** Still running when `keep` was asked (for the HTTP and Redis figures); the caller stops it. */
  readonly pair: HookdPair | null;
}

export function podNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export async function runThroughput(ctx: BenchContext, o: { pods: number; execs: 'scripted' | 'process'; keep: boolean }): Promise<ThroughputOutcome> {
  const { sim, opts, progress } = ctx;
  const namespace = `${o.execs === 'scripted' ? 'tp' : 'real'}-${o.pods}`;
  const names = podNames('p', o.pods);
  await sim.call('createNamespace', { name: namespace });
  await sim.call('createPods', { namespace, prefix: 'p', count: o.pods, running: true });
  if (o.execs === 'scripted') await sim.call('scriptSuccess', { namespace });
  const label = `${o.pods} pods, ${o.execs}`;

  // Warm both ends of the exec path (JIT, TLS session setup) before anything is timed.
  const warm = names.slice(0, Math.min(100, o.pods));
  progress.step(`warm-up (${label})`, warm.length);
  await runBaseline({ kc: ctx.kc, namespace, pods: warm, container: BENCH_CONTAINER, command: HOOK_COMMAND, concurrency: opts.concurrency, progress });

  await sim.call('resetCounters');
  progress.step(`baseline (${label})`, o.pods);
  const base = await runBaseline({ kc: ctx.kc, namespace, pods: names, container: BENCH_CONTAINER, command: HOOK_COMMAND, concurrency: opts.concurrency, progress });
  const baseExecs = (await sim.call('counters')).requests.byVerb['exec'] ?? 0;
  if (baseExecs !== o.pods) throw new Error(`baseline: the sim saw ${baseExecs} execs for ${o.pods} pods`);
  progress.done(`${base.hooksPerSec.toFixed(0)} hooks/s (${base.seconds.toFixed(2)} s)`);

  const podConcurrency = Math.max(DEFAULT_POD_CONCURRENCY, opts.concurrency);
  const pair = await startHookdPair(ctx, `tp${o.pods}${o.execs === 'scripted' ? '' : '-proc'}`, {
    HOOKD_EXEC_CONCURRENCY: String(opts.concurrency),
    HOOKD_POD_CONCURRENCY: String(podConcurrency),
  });
  try {
    await sim.call('resetCounters');
    progress.step(`hookd (${label})`, o.pods);
    const t0 = Date.now();
    const jobId = await postJob(pair.url, {
      restore: `bench-${namespace}`,
      pods: names.map((name) => ({ namespace, name })),
      hooks: benchHooks(namespace, HOOK_COMMAND, BENCH_CONTAINER, '1m'),
    });
    await followJob(pair.url, jobId, { timeoutMs: 30 * 60_000, crashed: pair.crashed, onProgress: (s) => progress.update(hooksDone(s.summary)) });
    const job = await getJob(pair.url, jobId);
    const seconds = (lastHookFinishedMs(job) - t0) / 1000;
    const load = loadFigures(await sim.call('counters'), o.pods);
    const hookdRate = o.pods / seconds;
    progress.done(`${hookdRate.toFixed(0)} hooks/s (${seconds.toFixed(2)} s); ratio ${(hookdRate / base.hooksPerSec).toFixed(2)}`);
    const run: ThroughputRun = {
      pods: o.pods,
      execs: o.execs,
      command: [...HOOK_COMMAND],
      hookdHooksPerSec: round(hookdRate, 1),
      baselineHooksPerSec: round(base.hooksPerSec, 1),
      ratio: round(hookdRate / base.hooksPerSec, 3),
      hookdSeconds: round(seconds, 3),
      baselineSeconds: round(base.seconds, 3),
      requestsPerPod: load.requestsPerPod,
      execRequestsPerHook: load.execRequestsPerHook,
      maxWatchesPerNamespace: load.maxWatchesPerNamespace,
    };
    if (!o.keep) await pair.stop();
    return { run, namespace, jobId, pair: o.keep ? pair : null };
  } catch (err) {
    await pair.stop();
    throw err;
  }
}
