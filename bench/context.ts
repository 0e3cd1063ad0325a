// What every phase of the benchmark shares: the options, the sim, a client-node config for
// the baseline runners, the hookd build, the run's id (its Redis prefixes), progress, and
// the cleanup list that stops whatever was started, in reverse order, exactly once.

import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
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
  readonly worker: HookdProcess;
  readonly url: string;
  readonly prefix: string;
  /** Rejects when either process dies before stop(). */
  readonly crashed: Promise<never>;
  /** Stops the worker only (the API stays, e.g. to measure POSTs that must not be run). */
  stopWorker(): Promise<void>;
  /** Stops both processes and removes the pair's Redis keys. Safe to call twice. */
  stop(): Promise<void>;
}

/** An API process and a worker process on a Redis prefix of their own. */
export async function startHookdPair(ctx: BenchContext, label: string, env: Record<string, string>): Promise<HookdPair> {
  const prefix = `${ctx.runId}-${label}`;
  const common = {
    main: ctx.hookdMain,
    prefix,
    redisUrl: ctx.opts.redisUrl,
    kubeconfigPath: ctx.kubeconfigPath,
    env,
  };
  const prof = (role: string): string[] => [
    ...ctx.opts.hookdNodeArgs,
    ...(role === 'worker' ? ctx.opts.workerNodeArgs : []),
    ...(ctx.opts.cpuProfDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${ctx.opts.cpuProfDir}`, `--cpu-prof-name=${label}-${role}.cpuprofile`]),
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
  const launch = async (role: 'api' | 'worker'): Promise<HookdProcess> => {
    const arenas: Record<string, string> = role === 'worker' && ctx.opts.workerMallocArenaMax !== '' ? { MALLOC_ARENA_MAX: ctx.opts.workerMallocArenaMax } : {};
    const p = await startHookdProcess({ ...common, env: { ...common.env, ...arenas }, role, logFile: join(ctx.workDir, `${label}-${role}.log`), execArgv: prof(role) });
    started.push(p);
    return p;
  };
  const [api, worker] = await Promise.all([launch('api'), launch('worker')]);
  if (api.url === null) throw new Error('hookd API did not say where it listens');
  let workerStopped = false;
  const crashed = Promise.race([api.crashed, worker.crashed.catch((err: unknown) => (workerStopped ? new Promise<never>(() => {}) : Promise.reject(err)))]);
  crashed.catch(() => undefined); // it rejects at stop() too; only a phase following a job listens
  return {
    api,
    worker,
    url: api.url,
    prefix,
    crashed,
    stopWorker: async () => {
      workerStopped = true;
      await worker.stop();
    },
    stop: stopAll,
  };
}
