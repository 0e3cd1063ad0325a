// The Velero-style runner on the same pods as the in-flight phase: containers back to
// waiting, one list+watch per pod opened, then the same release schedule; the sim's
// counters give the watches it held open and its requests per pod.

import { round } from '../http-load.ts';
import { startVeleroStyle } from '../runners/velero-style.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { percentiles, reactionTimes, type Percentiles } from '../stats.ts';
import type { BenchContext } from '../context.ts';
import { releasePods } from './in-flight.ts';
import { loadFigures, type LoadFigures } from './load-figures.ts';
import { HOOK_COMMAND } from './throughput.ts';

export interface VeleroStyleOutcome {
  readonly watches: number;
  readonly load: LoadFigures;
  readonly reaction: Percentiles;
}

export async function runVeleroStyle(ctx: BenchContext, namespace: string, pods: readonly string[]): Promise<VeleroStyleOutcome> {
  const { sim, opts, progress } = ctx;
  await sim.call('setWaiting', { namespace, names: [...pods] });
  await sim.call('resetCounters');
  progress.step(`Velero-style, opening one watch per pod`, pods.length);
  const run = startVeleroStyle({
    kc: ctx.kc,
    namespace,
    pods,
    container: BENCH_CONTAINER,
    command: HOOK_COMMAND,
    concurrency: opts.concurrency,
    openConcurrency: 200,
    progress,
  });
  run.finished.catch(() => undefined); // awaited below; must not go unhandled if a step between fails
  await Promise.race([run.watching, run.finished]);
  const open = (await sim.call('counters')).watches.byNamespace[namespace]?.current ?? 0;
  progress.done(`${open} watches open`);
  progress.step(`Velero-style, containers set running`, pods.length);
  const sample = await releasePods(ctx, namespace, pods);
  const result = await run.finished;
  const counters = await sim.call('counters');
  const load = loadFigures(counters, pods.length);
  const reaction = percentiles(reactionTimes(await sim.call('timeline', { namespace }), sample, BENCH_CONTAINER));
  const watches = counters.watches.byNamespace[namespace]?.max ?? 0;
  progress.done(`${watches} watches at most, ${load.requestsPerPod} requests per pod, reaction p99 ${reaction.p99Ms} ms, ${round(result.hooksPerSec, 0)} hooks/s`);
  return { watches, load, reaction };
}
