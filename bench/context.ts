// What every phase of the benchmark shares: the options, the sim, a client-node config for
// the baseline runners, the hookd build, the run's id (its Redis prefixes), progress, and
// the cleanup list that stops whatever was started, in reverse order, exactly once.

import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { workerMallocEnv } from './chart-defaults.ts';
import { startHookdProcess, type HookdProcess } from './hookd/process.ts';
import type { Progress } from './progress.ts';
import { removePrefix } from './redis-keys.ts';
import type { SimProcess } from './sim/process.ts';

export interface BenchOptions {
  /** The large size: throughput, pods in flight, Velero-style comparison. */
  readonly pods: number;
  readonly concurrency: number;
  readonly out: string;
  /** Rounds of each throughput measurement (baseline then hookd, taking turns); medians are reported. */
  readonly repeat: number;
  /** Pods set running one by one for the reaction time (the rest are set running at once). */
  readonly reactionPods: number;
  readonly reactionIntervalMs: number;
  readonly httpDurationSec: number;
  readonly httpConnections: number;
  readonly redisUrl: string;
  /** When set, hookd's processes run with --cpu-prof and write their profiles here. */
  readonly cpuProfDir: string | null;
  /** Keep hookd's logs (the run's temporary folder) even when the run has no failures. */
  readonly keepLogs: boolean;
  /** Extra node flags for hookd's processes (e.g. --max-old-space-size=256), as an operator would set them. */
  readonly hookdNodeArgs: readonly string[];
  /** Node flags of hookd's worker processes only, after hookdNodeArgs (default: the Helm chart's worker.nodeOptions). */
  readonly workerNodeArgs: readonly string[];
  /** MALLOC_ARENA_MAX of hookd's worker processes, '' for glibc's default (default: the Helm chart's worker.mallocArenaMax). */
  readonly workerMallocArenaMax: string;
  /** glibc's fixed mmap and trim threshold of the workers, '' for glibc's dynamic ones (default: the Helm chart's worker.mallocThresholdBytes). */
  readonly workerMallocThreshold: string;
  /** Worker processes of the throughput runs the targets judge. */
  readonly throughputWorkers: number;
  /** The large throughput size once more with this many workers (shown, not judged); null: not. */
  readonly alsoWorkers: number | null;
  /** The parked phase: pods waiting on one worker, spread over namespaces. */
  readonly parkedPods: number;
  readonly parkedNamespaces: number;
  /** Phases to run (all when empty): throughput, real, in-flight, velero, parked. */
  readonly only: readonly string[];
  /** The command line shown in the report. */
  readonly command: string;
}

export class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> }> = [];
  private running: Promise<void> | null = null;

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  /** Runs every step added so far; a call while running joins it. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let s = this.steps.pop(); s !== undefined; s = this.steps.pop()) {
        await s.run().catch((err: unknown) => process.stderr.write(`cleanup: ${s.what}: ${err instanceof Error ? err.message : String(err)}\n`));
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}

export interface BenchContext {
  readonly opts: BenchOptions;
  readonly sim: SimProcess;
  readonly kc: KubeConfig;
  readonly kubeconfigPath: string;
  readonly hookdMain: string;
  readonly workDir: string;
  readonly runId: string;
  readonly progress: Progress;
  readonly cleanup: Cleanup;
}

export interface HookdPair {
  readonly api: HookdProcess;
  /** The first worker (the only one unless more were asked for). */
  readonly worker: HookdProcess;
  readonly workers: readonly HookdProcess[];
  readonly url: string;
  readonly prefix: string;
  /** Rejects when either process dies before stop(). */
  readonly crashed: Promise<never>;
  /** Stops the workers only (the API stays, e.g. to measure POSTs that must not be run). */
  stopWorker(): Promise<void>;
  /** Stops both processes and removes the pair's Redis keys. Safe to call twice. */
  stop(): Promise<void>;
}

/** An API process and `workerCount` worker processes on a Redis prefix of their own. */
export async function startHookdPair(ctx: BenchContext, label: string, env: Record<string, string>, workerCount = 1): Promise<HookdPair> {
  const prefix = `${ctx.runId}-${label}`;
  const common = {
    main: ctx.hookdMain,
    prefix,
    redisUrl: ctx.opts.redisUrl,
    kubeconfigPath: ctx.kubeconfigPath,
    env,
  };
  const prof = (role: string, name: string): string[] => [
    ...ctx.opts.hookdNodeArgs,
    ...(role === 'worker' ? ctx.opts.workerNodeArgs : []),
    ...(ctx.opts.cpuProfDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${ctx.opts.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`]),
  ];
  let stopping: Promise<void> | null = null;
  const started: HookdProcess[] = [];
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(started.map((p) => p.stop()));
      await removePrefix(ctx.opts.redisUrl, prefix);
    })();
    return stopping;
  };
  ctx.cleanup.add(`hookd ${label}`, stopAll);
  /** `n`: the worker's number from 1; its files are named `<label>-worker`, `<label>-worker2`, ... */
  const launch = async (role: 'api' | 'worker', n = 1): Promise<HookdProcess> => {
    const name = `${label}-${role}${n > 1 ? n : ''}`;
    const arenas = role !== 'worker' ? {} : workerMallocEnv(ctx.opts.workerMallocArenaMax, ctx.opts.workerMallocThreshold);
    const p = await startHookdProcess({ ...common, env: { ...common.env, ...arenas }, role, logFile: join(ctx.workDir, `${name}.log`), execArgv: prof(role, name) });
    started.push(p);
    return p;
  };
  const [api, worker] = await Promise.all([launch('api'), launch('worker')]);
  // Further workers, as the chart runs several: all pods are spread over them by the queue.
  const workers = [worker];
  for (let n = 2; n <= workerCount; n++) workers.push(await launch('worker', n));
  if (api.url === null) throw new Error('hookd API did not say where it listens');
  let workerStopped = false;
  const crashed = Promise.race([api.crashed, ...workers.map((w) => w.crashed.catch((err: unknown) => (workerStopped ? new Promise<never>(() => {}) : Promise.reject(err))))]);
  crashed.catch(() => undefined); // it rejects at stop() too; only a phase following a job listens
  return {
    api,
    worker,
    workers,
    url: api.url,
    prefix,
    crashed,
    stopWorker: async () => {
      workerStopped = true;
      await Promise.all(workers.map((w) => w.stop()));
    },
    stop: stopAll,
  };
}
