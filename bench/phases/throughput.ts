// Throughput: N running pods x 1 hook, from POST to the last hook finished, next to the
// baseline loop on the same pods at the same concurrency. The sim answers from a script
// (`scripted`) or runs the real command (`process`).

import { benchHooks, followJob, getJob, hooksDone, lastHookFinishedMs, postJob } from '../hookd/client.ts';
import { round } from '../http-load.ts';
import type { ThroughputRun } from '../report.ts';
import { runBaseline } from '../runners/baseline.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { startHookdPair, type BenchContext, type HookdPair } from '../context.ts';
import { loadFigures, type LoadFigures } from './load-figures.ts';

export const HOOK_COMMAND = ['/bin/true'] as const;
/** hookd's default; raised when the benchmark's concurrency is above it. */
export const DEFAULT_POD_CONCURRENCY = 500;

export interface ThroughputOutcome {
  readonly run: ThroughputRun;
  readonly namespace: string;
  /** The last job (the one the HTTP figures read). */
  readonly jobId: string;
  /** Hooks run by the pair in all rounds (what its Redis keys hold). */
  readonly hooksRun: number;
  /** Still running when `keep` was asked (for the HTTP and Redis figures); the caller stops it. */
  readonly pair: HookdPair | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
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

  const podConcurrency = Math.max(DEFAULT_POD_CONCURRENCY, opts.concurrency);
  const pair = await startHookdPair(ctx, `tp${o.pods}${o.execs === 'scripted' ? '' : '-proc'}`, {
    HOOKD_EXEC_CONCURRENCY: String(opts.concurrency),
    HOOKD_POD_CONCURRENCY: String(podConcurrency),
  });
  try {
    // Baseline and hookd take turns, `repeat` times each, and the medians are compared: on a
    // shared machine a neighbour's burst then costs one round, not the figure.
    const baseSecs: number[] = [];
    const hookdSecs: number[] = [];
    let jobId = '';
    let load: LoadFigures | null = null;
    for (let round = 1; round <= opts.repeat; round++) {
      const of = opts.repeat > 1 ? ` ${round}/${opts.repeat}` : '';
      await sim.call('resetCounters');
      progress.step(`baseline${of} (${label})`, o.pods);
      const base = await runBaseline({ kc: ctx.kc, namespace, pods: names, container: BENCH_CONTAINER, command: HOOK_COMMAND, concurrency: opts.concurrency, progress });
      const baseExecs = (await sim.call('counters')).requests.byVerb['exec'] ?? 0;
      if (baseExecs !== o.pods) throw new Error(`baseline: the sim saw ${baseExecs} execs for ${o.pods} pods`);
      baseSecs.push(base.seconds);
      progress.done(`${base.hooksPerSec.toFixed(0)} hooks/s (${base.seconds.toFixed(2)} s)`);

      await sim.call('resetCounters');
      progress.step(`hookd${of} (${label})`, o.pods);
      const t0 = Date.now();
      jobId = await postJob(pair.url, {
        restore: `bench-${namespace}`,
        pods: names.map((name) => ({ namespace, name })),
        hooks: benchHooks(namespace, HOOK_COMMAND, BENCH_CONTAINER, '1m'),
      });
      await followJob(pair.url, jobId, { timeoutMs: 30 * 60_000, crashed: pair.crashed, onProgress: (s) => progress.update(hooksDone(s.summary)) });
      const seconds = (lastHookFinishedMs(await getJob(pair.url, jobId)) - t0) / 1000;
      load = loadFigures(await sim.call('counters'), o.pods);
      hookdSecs.push(seconds);
      progress.done(`${(o.pods / seconds).toFixed(0)} hooks/s (${seconds.toFixed(2)} s); ratio ${(base.seconds / seconds).toFixed(2)}`);
    }
    if (load === null) throw new Error('no round ran');
    const hookdSeconds = median(hookdSecs);
    const baselineSeconds = median(baseSecs);
    const run: ThroughputRun = {
      pods: o.pods,
      execs: o.execs,
      command: [...HOOK_COMMAND],
      hookdHooksPerSec: round(o.pods / hookdSeconds, 1),
      baselineHooksPerSec: round(o.pods / baselineSeconds, 1),
      ratio: round(baselineSeconds / hookdSeconds, 3),
      hookdSeconds: round(hookdSeconds, 3),
      baselineSeconds: round(baselineSeconds, 3),
      hookdRounds: hookdSecs.map((x) => round(x, 3)),
      baselineRounds: baseSecs.map((x) => round(x, 3)),
      requestsPerPod: load.requestsPerPod,
      execRequestsPerHook: load.execRequestsPerHook,
      maxWatchesPerNamespace: load.maxWatchesPerNamespace,
    };
    if (opts.repeat > 1) progress.note(`  median of ${opts.repeat}: ratio ${run.ratio}`);
    if (!o.keep) await pair.stop();
    return { run, namespace, jobId, hooksRun: o.pods * opts.repeat, pair: o.keep ? pair : null };
  } catch (err) {
    await pair.stop();
    throw err;
  }
}
