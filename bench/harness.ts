// runBench: the whole benchmark of issue 6 in one call (the CLI in run.ts and the smoke test
// use it). It builds hookd, starts the simulated cluster in a child process, runs the phases
// with hookd's API and worker as separate processes on Redis prefixes of its own, and
// stops everything (processes, keys, temporary files) however it ends.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Cleanup, type BenchContext, type BenchOptions } from './context.ts';
import { buildHookd } from './hookd/build.ts';
import { round } from './http-load.ts';
import { runHttp } from './phases/http.ts';
import { runInFlight } from './phases/in-flight.ts';
import { DEFAULT_POD_CONCURRENCY, runThroughput } from './phases/throughput.ts';
import { runVeleroStyle } from './phases/velero-style.ts';
import type { Progress } from './progress.ts';
import { redisAnswers } from './redis-keys.ts';
import { judge, writeReport, type BenchReport, type ThroughputRun } from './report.ts';
import { startSimProcess } from './sim/process.ts';

export type { BenchOptions } from './context.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function throughputSizes(pods: number): number[] {
  return pods > 1000 ? [1000, pods] : [pods];
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} (with uncommitted changes in src/)` : sha;
  } catch {
    return 'unknown';
  }
}

export async function runBench(opts: BenchOptions, progress: Progress, signal?: AbortSignal): Promise<{ report: BenchReport; files: { json: string; md: string } }> {
  const startedAt = new Date().toISOString();
  const load = loadavg();
  const cleanup = new Cleanup();
  const onAbort = (): void => void cleanup.run();
  signal?.addEventListener('abort', onAbort, { once: true });
  const workDir = mkdtempSync(join(tmpdir(), 'hookd-bench-'));
  cleanup.add('temporary folder', async () => rmSync(workDir, { recursive: true, force: true }));
  try {
    if (!(await redisAnswers(opts.redisUrl))) throw new Error(`no Redis answers at ${opts.redisUrl}`);
    progress.note(`building hookd into ${workDir}`);
    const build = await buildHookd(REPO_ROOT, join(workDir, 'build'));
    if (build.warnings !== '') progress.note(`tsc reported errors but emitted; measuring what it built:\n${build.warnings.split('\n').slice(0, 5).join('\n')}`);
    signal?.throwIfAborted();

    const kubeconfigPath = join(workDir, 'kubeconfig');
    const sim = await startSimProcess({ kubeconfigPath });
    cleanup.add('simulated cluster', () => sim.stop());
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig);
    const ctx: BenchContext = {
      opts,
      sim,
      kc,
      kubeconfigPath,
      hookdMain: build.main,
      workDir,
      runId: `bench-${randomBytes(4).toString('hex')}`,
      progress,
      cleanup,
    };
    progress.note(`simulated cluster at ${sim.url} (pid ${sim.pid}); Redis prefixes ${ctx.runId}-*`);

    const sizes = throughputSizes(opts.pods);
    const runs: ThroughputRun[] = [];
    let http: Awaited<ReturnType<typeof runHttp>> | null = null;
    for (const size of sizes) {
      signal?.throwIfAborted();
      progress.note(`throughput: ${size} pods, scripted execs`);
      const largest = size === sizes[sizes.length - 1];
      const tp = await runThroughput(ctx, { pods: size, execs: 'scripted', keep: largest });
      runs.push(tp.run);
      if (tp.pair !== null) {
        try {
          http = await runHttp({ pair: tp.pair, jobId: tp.jobId, hooks: size, namespace: tp.namespace, redisUrl: opts.redisUrl, connections: opts.httpConnections, durationSec: opts.httpDurationSec }, progress);
        } finally {
          await tp.pair.stop();
        }
      }
    }
    signal?.throwIfAborted();
    const realPods = Math.min(1000, opts.pods);
    progress.note(`throughput: ${realPods} pods, real processes`);
    const real = (await runThroughput(ctx, { pods: realPods, execs: 'process', keep: false })).run;

    signal?.throwIfAborted();
    progress.note(`in flight: ${opts.pods} pods waiting, then running`);
    const inFlight = await runInFlight(ctx);
    signal?.throwIfAborted();
    progress.note(`Velero-style runner on the same ${opts.pods} pods`);
    const velero = await runVeleroStyle(ctx, inFlight.namespace, inFlight.pods);

    const main = runs[runs.length - 1];
    if (!main || !http) throw new Error('no throughput run');
    const partial: Omit<BenchReport, 'targets'> = {
      startedAt,
      finishedAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      machine: { cpuModel: cpus()[0]?.model ?? 'unknown', memoryMiB: Math.round(totalmem() / 1024 / 1024), os: `${type()} ${release()}`, loadAvgAtStart: load.map((l) => round(l, 2)) },
      command: opts.command,
      gitCommit: gitCommit(),
      settings: {
        pods: opts.pods,
        concurrency: opts.concurrency,
        throughputSizes: sizes,
        realProcessPods: realPods,
        hookdThroughputPodConcurrency: Math.max(DEFAULT_POD_CONCURRENCY, opts.concurrency),
        hookdInFlightPodConcurrency: inFlight.podConcurrency,
        reactionPods: inFlight.reaction.samples,
        reactionIntervalMs: opts.reactionIntervalMs,
        hookdLogLevel: 'info',
      },
      throughput: {
        pods: main.pods,
        concurrency: opts.concurrency,
        hookdHooksPerSec: main.hookdHooksPerSec,
        baselineHooksPerSec: main.baselineHooksPerSec,
        ratio: main.ratio,
        runs,
      },
      realProcesses: real,
      reaction: { ...inFlight.reaction, podsInFlight: opts.pods, intervalMs: opts.reactionIntervalMs, veleroStyle: velero.reaction },
      apiServer: {
        maxWatchesPerNamespace: Math.max(inFlight.load.maxWatchesPerNamespace, ...runs.map((r) => r.maxWatchesPerNamespace), real.maxWatchesPerNamespace),
        velerostyleWatches: velero.watches,
        requestsPerPod: inFlight.load.requestsPerPod,
        execRequestsPerHook: inFlight.load.execRequestsPerHook,
        velerostyleRequestsPerPod: velero.load.requestsPerPod,
        pods: opts.pods,
        requestsByRoute: inFlight.load.requestsByRoute,
        velerostyleRequestsByRoute: velero.load.requestsByRoute,
      },
      memory: {
        workerPeakRssMiB: inFlight.workerPeakRssMiB,
        apiPeakRssMiB: inFlight.apiPeakRssMiB,
        workerRssAllWaitingMiB: inFlight.workerRssAllWaitingMiB,
        podsInFlight: opts.pods,
        redisBytesPer1000Hooks: http.redis.bytesPer1000Hooks,
        redisKeys: http.redis.keys,
        redisMethod: `MEMORY USAGE <key> SAMPLES 0 summed over every key of the prefix (hookd's results and BullMQ's queues) once the ${main.pods}-hook job had finished, / ${main.pods} x 1000`,
      },
      http: { post1000Pods: http.post, get10000Hooks: http.get },
    };
    const report: BenchReport = { ...partial, targets: judge(partial) };
    const files = writeReport(opts.out, report);
    return { report, files };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await cleanup.run();
  }
}
