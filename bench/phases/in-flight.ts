// N pods in flight: hookd gets a job for N pods whose containers are not running yet, so
// every pod waits (one worker holding them all). Then the memory is read, a sample of pods
// is set running one at a time for the reaction time (running -> exec arrived, on the
// sim's clock), and the rest at once to finish. The sim's counters give the API load.
// The same pods then serve the Velero-style runner (velero-style.ts).

import { Redis } from 'ioredis';
import { benchHooks, followJob, getJob, hooksDone, postJob } from '../hookd/client.ts';
import { round } from '../http-load.ts';
import { MiB, readRss } from '../rss.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { percentiles, reactionSamples, type Percentiles } from '../stats.ts';
import { startHookdPair, type BenchContext } from '../context.ts';
import { loadFigures, type LoadFigures } from './load-figures.ts';
import { noteReactionTail } from './reaction-tail.ts';
import { warmUpHookd } from './warm-up.ts';
import { HOOK_COMMAND, podNames } from './throughput.ts';

export interface InFlightOutcome {
  readonly reaction: Percentiles;
  readonly load: LoadFigures;
}

/**
 * Filled in as the phase goes, so what was read before a failure (a worker out of memory)
 * is still reported: its peak memory, and the watches it had open until then.
 */
export interface InFlightReadings {
  workerPeakRssMiB: number | null;
  apiPeakRssMiB: number | null;
  workerRssAllWaitingMiB: number | null;
  /** The most watches open at once in one namespace during the phase. */
  maxWatchesPerNamespace: number | null;
  /** How long hookd still sent requests (its waits' GETs) after the job showed every hook waiting. */
  waitsSettledAfterMs: number | null;
}

export interface InFlightPods {
  readonly namespace: string;
  readonly pods: readonly string[];
}

/** Waits until the sim's request count has not moved for 1 s; returns how long that took (ms). */
async function untilQuiet(ctx: BenchContext, crashed: Promise<never>): Promise<number> {
  const start = performance.now();
  let failure: unknown = null;
  crashed.catch((err: unknown) => (failure = err));
  let last = -1;
  let since = performance.now();
  for (;;) {
    if (failure !== null) throw failure;
    const total = (await ctx.sim.call('counters')).requests.total;
    const now = performance.now();
    if (total !== last) {
      last = total;
      since = now;
    } else if (now - since >= 1000) {
      return since - start;
    }
    if (now - start > 120_000) throw new Error('hookd kept sending requests to the API server for 2 minutes after every hook was waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Sets the first `sample` pods running one per interval, then, once an exec has reached each
 * of them, the rest at once: the last of the sample would otherwise queue behind thousands of
 * pods coming up together, which is not the reaction being measured.
 */
export async function releasePods(ctx: BenchContext, namespace: string, names: readonly string[]): Promise<string[]> {
  const sample = names.slice(0, Math.min(ctx.opts.reactionPods, names.length));
  await ctx.sim.call('setRunning', { namespace, names: sample, intervalMs: ctx.opts.reactionIntervalMs });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      reactionSamples(await ctx.sim.call('timeline', { namespace }), sample, BENCH_CONTAINER);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await ctx.sim.call('setRunning', { namespace, names: names.slice(sample.length), intervalMs: 0 });
  return sample;
}

/** N pods whose containers wait (manual lifecycle), answered by a script once they run. */
export async function createWaitingPods(ctx: BenchContext): Promise<InFlightPods> {
  const n = ctx.opts.pods;
  const namespace = `wait-${n}`;
  await ctx.sim.call('createNamespace', { name: namespace });
  await ctx.sim.call('createPods', { namespace, prefix: 'w', count: n, running: false });
  await ctx.sim.call('scriptSuccess', { namespace });
  return { namespace, pods: podNames('w', n) };
}

/** hookd's default: a waiting pod is parked and holds no slot, so the slots need not cover the pods. */
export function inFlightPodConcurrency(opts: BenchContext['opts']): number {
  return Math.max(500, opts.concurrency);
}

export async function runInFlight(ctx: BenchContext, target: InFlightPods, memory: InFlightReadings): Promise<InFlightOutcome> {
  const { sim, opts, progress } = ctx;
  const n = opts.pods;
  const { namespace } = target;
  const names = target.pods;
  const podConcurrency = inFlightPodConcurrency(opts);
  const pair = await startHookdPair(ctx, `wait${n}`, {
    HOOKD_EXEC_CONCURRENCY: String(opts.concurrency),
    HOOKD_POD_CONCURRENCY: String(podConcurrency),
  });
  try {
    // Reaction is a long-running worker's: warmed first on pods that come up beside the
    // waiting ones, as the throughput phase warms hookd (a fresh worker's first second of
    // wake-ups, which a restart costs, is slower: its code is not yet optimised).
    const warm = podNames('warm', Math.min(100, n));
    await sim.call('createPods', { namespace, prefix: 'warm', count: warm.length, running: false });
    await warmUpHookd(ctx, pair, namespace, warm, `${warm.length} pods coming up beside the ${n} waiting`, true);
    await sim.call('resetCounters');
    progress.step(`hookd, ${n} pods waiting for their containers`, n);
    const jobId = await postJob(pair.url, {
      restore: `bench-${namespace}`,
      pods: names.map((name) => ({ namespace, name })),
      hooks: benchHooks(namespace, HOOK_COMMAND, BENCH_CONTAINER, '30m'),
    });
    // Every pod parked (cheap to count in Redis), then the job itself must say that every
    // hook is waiting.
    const deadline = Date.now() + 10 * 60_000;
    let failure: unknown = null;
    pair.crashed.catch((err: unknown) => (failure = err));
    const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
    try {
      for (;;) {
        if (failure !== null) throw failure;
        const parked = await redis.hlen(`${pair.prefix}:parked:${namespace}`);
        progress.update(parked);
        if (parked >= n) {
          const job = await getJob(pair.url, jobId);
          if (job.pods.every((p) => p.hooks.length > 0 && p.hooks.every((h) => h.phase === 'waiting'))) break;
        }
        if (Date.now() > deadline) throw new Error(`hookd did not have all ${n} pods parked within 10 minutes (${parked} were)`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      redis.disconnect();
    }
    // hookd records a hook "waiting" before it parks the pod: its set-up goes on for a moment
    // after the job says so. Reaction is measured once the pods are parked, i.e. once hookd
    // has sent the API server nothing for 1 s.
    const quiet = await untilQuiet(ctx, pair.crashed);
    memory.waitsSettledAfterMs = Math.round(quiet);
    const allWaiting = readRss(pair.worker.pid)?.rssBytes ?? 0;
    memory.workerRssAllWaitingMiB = round(allWaiting / MiB, 1);
    progress.done(`all ${n} pods in flight (hookd's requests settled ${(quiet / 1000).toFixed(1)} s after the job said so); worker RSS ${(allWaiting / MiB).toFixed(1)} MiB`);

    progress.step(`hookd, containers set running (${Math.min(opts.reactionPods, n)} paced at ${opts.reactionIntervalMs} ms, then the rest)`, n);
    const following = followJob(pair.url, jobId, { timeoutMs: 30 * 60_000, pollMs: 500, crashed: pair.crashed, onProgress: (s) => progress.update(hooksDone(s.summary)) });
    following.catch(() => undefined); // awaited below; a failure while releasing pods must not go unhandled
    await sim.call('simPauses', { reset: true });
    const sample = await releasePods(ctx, namespace, names);
    const end = await following;
    if (end.status !== 'completed') throw new Error(`the in-flight job ended ${end.status}: ${JSON.stringify(end.summary)}`);
    const samples = reactionSamples(await sim.call('timeline', { namespace }), sample, BENCH_CONTAINER);
    const reaction = percentiles(samples.map((r) => r.ms));
    const load = loadFigures(await sim.call('counters'), n);
    memory.workerPeakRssMiB = round(pair.worker.rss.peakBytes() / MiB, 1);
    progress.done(`reaction p50 ${reaction.p50Ms} ms, p99 ${reaction.p99Ms} ms; worker peak ${memory.workerPeakRssMiB} MiB; ${load.maxWatchesPerNamespace} watch(es) per namespace`);
    noteReactionTail(progress, samples, await sim.call('simPauses', { reset: false }), 'reactions');
    return { reaction, load };
  } finally {
    // Read even when the phase failed: a worker that died of its memory has its peak on record.
    memory.workerPeakRssMiB = round(pair.worker.rss.peakBytes() / MiB, 1);
    memory.apiPeakRssMiB = round(pair.api.rss.peakBytes() / MiB, 1);
    const counters = await sim.call('counters').catch(() => null);
    if (counters) memory.maxWatchesPerNamespace = loadFigures(counters, n).maxWatchesPerNamespace;
    await pair.stop();
  }
}
