// 100,000 pods waiting on one worker process: as many pods as --parked-pods, spread over
// --parked-namespaces namespaces, one job per namespace, every container held Pending. Once
// every pod is parked the phase reads the worker's memory, what a parked pod costs in Redis
// and the watches per namespace; then 1,000 pods (ten per namespace, in turn) come up one
// per interval, and their wake-ups are timed on the sim's clock (container running -> exec
// arrived). The other pods are left parked; the pair's keys go with it.

import { Redis } from 'ioredis';
import { benchHooks, postJob } from '../hookd/client.ts';
import { round } from '../http-load.ts';
import { MiB, readRss } from '../rss.ts';
import { prefixBytes } from '../redis-keys.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { percentiles, reactionSamples, type Percentiles, type ReactionSample } from '../stats.ts';
import { startHookdPair, type BenchContext } from '../context.ts';
import { cpuBetween, processCpuMs } from '../cpu.ts';
import { loadFigures } from './load-figures.ts';
import { noteReactionTail } from './reaction-tail.ts';
import { HOOK_COMMAND, podNames } from './throughput.ts';

export interface ParkedOutcome {
  readonly pods: number;
  readonly namespaces: number;
  readonly workerPeakRssMiB: number;
  readonly workerRssAllParkedMiB: number;
  /** Every key of the run's prefix (job ledgers, queue jobs, parked entries) per parked pod. */
  readonly redisBytesPerPod: number;
  /** The parked entries alone (the per-namespace hashes) per parked pod. */
  readonly parkEntryBytesPerPod: number;
  readonly parkedAfterSec: number;
  readonly reaction: Percentiles;
  /** The worker's CPU from the first pod set running until every woken pod's exec had arrived, per woken pod (null: unreadable). */
  readonly workerCpuMsPerWake: number | null;
  readonly maxWatchesPerNamespace: number;
  /** API requests until every pod was parked, per pod. */
  readonly requestsPerPod: number;
}

const POD_CONCURRENCY = 200;
const NO_PROGRESS_MS = 60_000;

async function parkedCount(redis: Redis, prefix: string, namespaces: readonly string[]): Promise<number> {
  const p = redis.pipeline();
  for (const ns of namespaces) p.hlen(`${prefix}:parked:${ns}`);
  const answers = (await p.exec()) ?? [];
  return answers.reduce((sum, [, n]) => sum + (typeof n === 'number' ? n : 0), 0);
}

async function memoryOf(redis: Redis, keys: readonly string[]): Promise<number> {
  const p = redis.pipeline();
  for (const k of keys) p.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
  const answers = (await p.exec()) ?? [];
  return answers.reduce((sum, [, n]) => sum + (typeof n === 'number' ? n : 0), 0);
}

export async function runParked(ctx: BenchContext): Promise<ParkedOutcome> {
  const { sim, opts, progress } = ctx;
  const perNamespace = Math.ceil(opts.parkedPods / opts.parkedNamespaces);
  const namespaces = Array.from({ length: opts.parkedNamespaces }, (_, i) => `parked-${i}`);
  const total = perNamespace * namespaces.length;
  progress.step(`creating ${total} pods in ${namespaces.length} namespaces`, namespaces.length);
  for (const [i, namespace] of namespaces.entries()) {
    await sim.call('createNamespace', { name: namespace });
    await sim.call('createPods', { namespace, prefix: 'p', count: perNamespace, running: false });
    await sim.call('scriptSuccess', { namespace });
    progress.update(i + 1);
  }
  progress.done(`${total} pods created`);

  const pair = await startHookdPair(ctx, 'parked', { HOOKD_POD_CONCURRENCY: String(POD_CONCURRENCY), HOOKD_EXEC_CONCURRENCY: String(opts.concurrency) });
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    await sim.call('resetCounters');
    progress.step(`hookd, ${total} pods parking`, total);
    const started = performance.now();
    for (const namespace of namespaces) {
      await postJob(pair.url, {
        restore: `bench-${namespace}`,
        pods: podNames('p', perNamespace).map((name) => ({ namespace, name })),
        hooks: benchHooks(namespace, HOOK_COMMAND, BENCH_CONTAINER, '2h'),
      });
    }
    let failure: unknown = null;
    pair.crashed.catch((err: unknown) => (failure = err));
    const deadline = Date.now() + 30 * 60_000;
    // A worker that stops parking (seen: one spinning a core, its event loop never coming back)
    // fails the phase after a minute instead of holding the run for half an hour.
    let progressAt = { parked: -1, atMs: Date.now(), cpuMs: processCpuMs(pair.worker.pid) };
    for (;;) {
      if (failure !== null) throw failure;
      const parked = await parkedCount(redis, pair.prefix, namespaces);
      progress.update(parked);
      if (parked >= total) break;
      if (Date.now() > deadline) throw new Error(`only ${parked} of ${total} pods were parked within 30 minutes`);
      if (parked !== progressAt.parked) progressAt = { parked, atMs: Date.now(), cpuMs: processCpuMs(pair.worker.pid) };
      else if (Date.now() - progressAt.atMs > NO_PROGRESS_MS) {
        const spent = cpuBetween([progressAt.cpuMs], [processCpuMs(pair.worker.pid)]);
        throw new Error(
          `parking made no progress for ${NO_PROGRESS_MS / 1000} s at ${parked} of ${total} pods; the worker (pid ${pair.worker.pid}) used ${spent === null ? 'an unknown amount of' : `${(spent / 1000).toFixed(1)} s of`} CPU meanwhile`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const parkedAfterSec = round((performance.now() - started) / 1000, 1);
    const beforeWake = loadFigures(await sim.call('counters'), total);
    // The worker's garbage from setting the pods up is not what parked pods cost: let it settle.
    await new Promise((r) => setTimeout(r, 3000));
    const allParked = readRss(pair.worker.pid)?.rssBytes ?? 0;
    const all = await prefixBytes(opts.redisUrl, pair.prefix);
    const entries = await memoryOf(redis, namespaces.map((ns) => `${pair.prefix}:parked:${ns}`));
    progress.done(`${total} pods parked in ${parkedAfterSec} s; worker RSS ${(allParked / MiB).toFixed(1)} MiB; Redis ${Math.round(all.bytes / total)} bytes per pod`);

    const wake = Math.min(opts.reactionPods, total);
    progress.step(`waking ${wake} pods, one every ${opts.reactionIntervalMs} ms across the namespaces`, wake);
    const woken = new Map<string, string[]>();
    const cpuAtWake = processCpuMs(pair.worker.pid);
    await sim.call('simPauses', { reset: true });
    for (let i = 0; i < wake; i++) {
      const namespace = namespaces[i % namespaces.length] ?? '';
      const name = `p-${Math.floor(i / namespaces.length)}`;
      woken.set(namespace, [...(woken.get(namespace) ?? []), name]);
      await sim.call('setRunning', { namespace, names: [name], intervalMs: 0 });
      progress.update(i + 1);
      if (opts.reactionIntervalMs > 0) await new Promise((r) => setTimeout(r, opts.reactionIntervalMs));
    }
    const samples: ReactionSample[] = [];
    const until = Date.now() + 5 * 60_000;
    for (const [namespace, names] of woken) {
      for (;;) {
        if (failure !== null) throw failure;
        try {
          samples.push(...reactionSamples(await sim.call('timeline', { namespace }), names, BENCH_CONTAINER).map((r) => ({ ...r, pod: `${namespace}/${r.pod}` })));
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
    const cpuSpent = cpuBetween([cpuAtWake], [processCpuMs(pair.worker.pid)]);
    const simPauses = await sim.call('simPauses', { reset: false });
    const reaction = percentiles(samples.map((r) => r.ms));
    const workerCpuMsPerWake = cpuSpent === null ? null : round(cpuSpent / wake, 2);
    progress.done(`wake-up reaction p50 ${reaction.p50Ms} ms, p99 ${reaction.p99Ms} ms; worker CPU ${workerCpuMsPerWake ?? 'n/a'} ms per woken pod`);
    noteReactionTail(progress, samples, simPauses, 'wake-ups');
    return {
      pods: total,
      namespaces: namespaces.length,
      workerPeakRssMiB: round(pair.worker.rss.peakBytes() / MiB, 1),
      workerRssAllParkedMiB: round(allParked / MiB, 1),
      redisBytesPerPod: Math.round(all.bytes / total),
      parkEntryBytesPerPod: Math.round(entries / total),
      parkedAfterSec,
      reaction,
      workerCpuMsPerWake,
      maxWatchesPerNamespace: loadFigures(await sim.call('counters'), total).maxWatchesPerNamespace,
      requestsPerPod: beforeWake.requestsPerPod,
    };
  } finally {
    await redis.quit().catch(() => undefined);
    await pair.stop();
  }
}
