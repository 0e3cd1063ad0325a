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
import { warmUpHookd } from './warm-up.ts';
import { cpuBetween, processCpuMs, redisCpuMs } from '../cpu.ts';

export const HOOK_COMMAND = ['/bin/true'] as const;
/** hookd's default; raised when the benchmark's concurrency is above it. */
export const DEFAULT_POD_CONCURRENCY = 500;
/** Pods of each side's untimed warm-up round. */
const WARM_PODS = 1000;

export interface ThroughputOutcome {
  readonly run: ThroughputRun;
  readonly namespace: string;
  /** The last job (the one the HTTP figures read). */
  readonly jobId: string;
  /** Hooks run by the pair in all rounds and its warm-up (what its Redis keys hold). */
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

/** CPU per hook of one side's round, in ms. */
interface RoundCpu {
  readonly sim: number | null;
  /** The baseline's loop (this process) or hookd's processes (API and workers). */
  readonly client: number | null;
  /** hookd's rounds only: its worker processes alone. */
  readonly workers: number | null;
  /** hookd's rounds only (the baseline does not use Redis). */
  readonly redis: number | null;
}

function medianOrNull(xs: readonly (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length === xs.length && known.length > 0 ? round(median(known), 3) : null;
}

/**
 * `workers`: hookd's worker processes (the chart runs two by default); the namespace and the
 * pair's labels name the count when it is not one, so several runs of one size can coexist.
 */
export async function runThroughput(ctx: BenchContext, o: { pods: number; execs: 'scripted' | 'process'; keep: boolean; workers: number }): Promise<ThroughputOutcome> {
  const { sim, opts, progress } = ctx;
  const perHook = (ms: number | null): number | null => (ms === null ? null : ms / o.pods);
  const namespace = `${o.execs === 'scripted' ? 'tp' : 'real'}-${o.pods}${o.workers === 1 ? '' : `-w${o.workers}`}`;
  const names = podNames('p', o.pods);
  await sim.call('createNamespace', { name: namespace });
  await sim.call('createPods', { namespace, prefix: 'p', count: o.pods, running: true });
  if (o.execs === 'scripted') await sim.call('scriptSuccess', { namespace });
  const label = `${o.pods} pods, ${o.execs}, ${o.workers} worker${o.workers === 1 ? '' : 's'}`;

  // Warm both ends of the exec path (JIT, TLS session setup) before anything is timed, each
  // on a round of up to 1,000 of the same pods: with 100, both sides' first timed round was
  // their slowest in each run looked at.
  const warm = names.slice(0, Math.min(WARM_PODS, o.pods));
  progress.step(`warm-up (${label})`, warm.length);
  await runBaseline({ kc: ctx.kc, namespace, pods: warm, container: BENCH_CONTAINER, command: HOOK_COMMAND, concurrency: opts.concurrency, progress });

  const podConcurrency = Math.max(DEFAULT_POD_CONCURRENCY, opts.concurrency);
  const pair = await startHookdPair(
    ctx,
    `tp${o.pods}${o.execs === 'scripted' ? '' : '-proc'}${o.workers === 1 ? '' : `-w${o.workers}`}`,
    { HOOKD_EXEC_CONCURRENCY: String(opts.concurrency), HOOKD_POD_CONCURRENCY: String(podConcurrency) },
    o.workers,
  );
  const workerPids = pair.workers.map((w) => w.pid);
  const hookdPids = [pair.api.pid, ...workerPids];
  try {
    // hookd's processes start cold: warm them on the same pods as the baseline was, so its
    // first timed round pays no more JIT, first TLS handshake or namespace list than the
    // baseline's does.
    await warmUpHookd(ctx, pair, namespace, warm, label);

    // Baseline and hookd take turns, `repeat` times each, and the medians are compared: on a
    // shared machine a neighbour's burst then costs one round, not the figure.
    const baseSecs: number[] = [];
    const hookdSecs: number[] = [];
    const baseCpu: RoundCpu[] = [];
    const hookdCpu: RoundCpu[] = [];
    let jobId = '';
    let load: LoadFigures | null = null;
    for (let round = 1; round <= opts.repeat; round++) {
      const of = opts.repeat > 1 ? ` ${round}/${opts.repeat}` : '';
      await sim.call('resetCounters');
      progress.step(`baseline${of} (${label})`, o.pods);
      const baseStart = { sim: processCpuMs(sim.pid), self: process.cpuUsage() };
      const base = await runBaseline({ kc: ctx.kc, namespace, pods: names, container: BENCH_CONTAINER, command: HOOK_COMMAND, concurrency: opts.concurrency, progress });
      const baseExecs = (await sim.call('counters')).requests.byVerb['exec'] ?? 0;
      if (baseExecs !== o.pods) throw new Error(`baseline: the sim saw ${baseExecs} execs for ${o.pods} pods`);
      baseSecs.push(base.seconds);
      const self = process.cpuUsage(baseStart.self);
      baseCpu.push({ sim: perHook(cpuBetween([baseStart.sim], [processCpuMs(sim.pid)])), client: perHook((self.user + self.system) / 1000), workers: null, redis: null });
      progress.done(`${base.hooksPerSec.toFixed(0)} hooks/s (${base.seconds.toFixed(2)} s)`);

      await sim.call('resetCounters');
      progress.step(`hookd${of} (${label})`, o.pods);
      const cpuStart = { sim: processCpuMs(sim.pid), hookd: hookdPids.map(processCpuMs), workers: workerPids.map(processCpuMs), redis: await redisCpuMs(opts.redisUrl) };
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
      hookdCpu.push({
        sim: perHook(cpuBetween([cpuStart.sim], [processCpuMs(sim.pid)])),
        client: perHook(cpuBetween(cpuStart.hookd, hookdPids.map(processCpuMs))),
        workers: perHook(cpuBetween(cpuStart.workers, workerPids.map(processCpuMs))),
        redis: perHook(cpuBetween([cpuStart.redis], [await redisCpuMs(opts.redisUrl)])),
      });
      progress.done(`${(o.pods / seconds).toFixed(0)} hooks/s (${seconds.toFixed(2)} s); ratio ${(base.seconds / seconds).toFixed(2)}`);
    }
    if (load === null) throw new Error('no round ran');
    const hookdSeconds = median(hookdSecs);
    const baselineSeconds = median(baseSecs);
    const run: ThroughputRun = {
      pods: o.pods,
      execs: o.execs,
      workers: o.workers,
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
      cpuMsPerHook: {
        hookd: medianOrNull(hookdCpu.map((c) => c.client)),
        hookdWorkers: medianOrNull(hookdCpu.map((c) => c.workers)),
        hookdRedis: medianOrNull(hookdCpu.map((c) => c.redis)),
        hookdSim: medianOrNull(hookdCpu.map((c) => c.sim)),
        baseline: medianOrNull(baseCpu.map((c) => c.client)),
        baselineSim: medianOrNull(baseCpu.map((c) => c.sim)),
      },
    };
    if (opts.repeat > 1) progress.note(`  median of ${opts.repeat}: ratio ${run.ratio}`);
    if (!o.keep) await pair.stop();
    return { run, namespace, jobId, hooksRun: o.pods * opts.repeat + warm.length, pair: o.keep ? pair : null };
  } catch (err) {
    await pair.stop();
    throw err;
  }
}
