// runBench: the whole benchmark of issue 6 in one call (the CLI in run.ts and the smoke test
// use it). It builds hookd, starts the simulated cluster in a child process, runs the phases
// with hookd's API and worker as separate processes on Redis prefixes of its own, and
// stops everything (processes, keys, temporary files) however it ends.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Cleanup, type BenchContext, type BenchOptions } from './context.ts';
import { buildHookd } from './hookd/build.ts';
import { assembleReport } from './assemble.ts';
import { runHttp, type HttpOutcome } from './phases/http.ts';
import { createWaitingPods, inFlightPodConcurrency, runInFlight, type InFlightReadings } from './phases/in-flight.ts';
import { DEFAULT_POD_CONCURRENCY, runThroughput } from './phases/throughput.ts';
import { runVeleroStyle } from './phases/velero-style.ts';
import { runParked } from './phases/parked.ts';
import type { Progress } from './progress.ts';
import { redisAnswers } from './redis-keys.ts';
import { writeReport, type BenchReport, type Failure, type ThroughputRun } from './report.ts';
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
  const failures: Failure[] = [];
  // hookd's logs stay for a run with failures (their paths are in the failure messages).
  cleanup.add('temporary folder', async () => {
    if (failures.length === 0 && !opts.keepLogs) rmSync(workDir, { recursive: true, force: true });
    else progress.note(`hookd's logs are kept in ${workDir}`);
  });
  try {
    if (!(await redisAnswers(opts.redisUrl))) throw new Error(`no Redis answers at ${opts.redisUrl}`);
    // The commit of the sources this run builds (others may commit while it runs).
    const commit = gitCommit();
    progress.note(`building hookd (${commit}) into ${workDir}`);
    const build = await buildHookd(REPO_ROOT, join(workDir, 'build'));
    if (build.warnings !== '') progress.note(`tsc reported errors but emitted; measuring what it built:\n${build.warnings.split('\n').slice(0, 5).join('\n')}`);
    signal?.throwIfAborted();

    const kubeconfigPath = join(workDir, 'kubeconfig');
    // With --cpu-prof the sim is profiled too: its share of each exec bounds what any client reaches.
    const simProf = opts.cpuProfDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`, '--cpu-prof-name=sim.cpuprofile'];
    const sim = await startSimProcess({ kubeconfigPath, bookmarkIntervalMs: 10_000 }, { execArgv: simProf });
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

    // A failed phase is written down and the next one runs; Ctrl-C stops everything.
    const attempt = async <T>(phase: string, fn: () => Promise<T>): Promise<T | null> => {
      signal?.throwIfAborted();
      try {
        return await fn();
      } catch (err) {
        if (signal?.aborted) throw err;
        // undici's "fetch failed" keeps the reason in `cause`.
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        const error = `${err instanceof Error ? err.message : String(err)}${cause}`.slice(0, 2000);
        failures.push({ phase, error });
        progress.note(`FAILED ${phase}: ${error.split('\n')[0] ?? ''}`);
        return null;
      }
    };

    const wanted = (phase: string): boolean => opts.only.length === 0 || opts.only.includes(phase);
    const sizes = throughputSizes(opts.pods);
    const runs: ThroughputRun[] = [];
    let http: HttpOutcome | null = null;
    const workers = opts.throughputWorkers;
    for (const size of wanted('throughput') ? sizes : []) {
      progress.note(`throughput: ${size} pods, scripted execs, ${workers} worker(s)`);
      const largest = size === sizes[sizes.length - 1];
      const tp = await attempt(`throughput ${size}`, () => runThroughput(ctx, { pods: size, execs: 'scripted', keep: largest, workers }));
      if (tp === null) continue;
      runs.push(tp.run);
      const pair = tp.pair;
      if (pair !== null) {
        http = await attempt('http and redis', async () => {
          try {
            return await runHttp({ pair, jobId: tp.jobId, hooks: size, hooksRun: tp.hooksRun, namespace: tp.namespace, redisUrl: opts.redisUrl, connections: opts.httpConnections, durationSec: opts.httpDurationSec }, progress);
          } finally {
            await pair.stop();
          }
        });
      }
    }
    // The large size again with another worker count (the chart's), shown next to the judged figure.
    const largestSize = sizes[sizes.length - 1];
    const also = opts.alsoWorkers;
    if (wanted('throughput') && also !== null && also !== workers && largestSize !== undefined) {
      progress.note(`throughput: ${largestSize} pods, scripted execs, ${also} workers`);
      const other = await attempt(`throughput ${largestSize}, ${also} workers`, () => runThroughput(ctx, { pods: largestSize, execs: 'scripted', keep: false, workers: also }));
      if (other !== null) runs.push(other.run);
    }
    const realPods = Math.min(1000, opts.pods);
    if (wanted('real')) progress.note(`throughput: ${realPods} pods, real processes`);
    const real = wanted('real') ? await attempt('real processes', async () => (await runThroughput(ctx, { pods: realPods, execs: 'process', keep: false, workers })).run) : null;

    const memory: InFlightReadings = { workerPeakRssMiB: null, apiPeakRssMiB: null, workerRssAllWaitingMiB: null, maxWatchesPerNamespace: null, waitsSettledAfterMs: null };
    let inFlight = null;
    let velero = null;
    if (wanted('in-flight') || wanted('velero')) {
      progress.note(`in flight: ${opts.pods} pods waiting, then running`);
      const waiting = await createWaitingPods(ctx);
      if (wanted('in-flight')) inFlight = await attempt('in flight', () => runInFlight(ctx, waiting, memory));
      if (wanted('velero')) progress.note(`Velero-style runner on the same ${opts.pods} pods`);
      if (wanted('velero')) velero = await attempt('velero-style', () => runVeleroStyle(ctx, waiting.namespace, waiting.pods));
    }
    let parked = null;
    if (wanted('parked')) {
      progress.note(`parked: ${opts.parkedPods} pods waiting across ${opts.parkedNamespaces} namespaces on one worker`);
      parked = await attempt('parked', () => runParked(ctx));
    }

    const report = assembleReport(opts, {
      startedAt,
      loadAvgAtStart: load,
      gitCommit: commit,
      redisPrefix: `${ctx.runId}-`,
      sizes,
      realPods,
      throughputPodConcurrency: Math.max(DEFAULT_POD_CONCURRENCY, opts.concurrency),
      inFlightPodConcurrency: inFlightPodConcurrency(opts),
      runs,
      http,
      real,
      inFlight,
      memory,
      velero,
      parked,
      failures,
    });
    const files = writeReport(opts.out, report);
    return { report, files };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await cleanup.run();
  }
}
