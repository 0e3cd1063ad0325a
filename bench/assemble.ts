// Turns what the phases measured into the report of issue 6. A phase that failed leaves its
// figures null (and its reason in `failures`) rather than stopping the report: a worker that
// runs out of memory at 10,000 pods is itself a result worth writing down.

import { cpus, release, totalmem, type } from 'node:os';
import type { BenchOptions } from './context.ts';
import { round } from './http-load.ts';
import { PAGE_PODS, type HttpOutcome } from './phases/http.ts';
import type { InFlightReadings, InFlightOutcome } from './phases/in-flight.ts';
import type { VeleroStyleOutcome } from './phases/velero-style.ts';
import type { ParkedOutcome } from './phases/parked.ts';
import { judge, type BenchReport, type Failure, type NullableHttp, type NullablePercentiles, type ThroughputRun } from './report.ts';
import type { Percentiles } from './stats.ts';

export interface Measured {
  readonly startedAt: string;
  readonly loadAvgAtStart: readonly number[];
  readonly gitCommit: string;
  readonly redisPrefix: string;
  readonly sizes: readonly number[];
  readonly realPods: number;
  readonly throughputPodConcurrency: number;
  readonly inFlightPodConcurrency: number;
  readonly runs: readonly ThroughputRun[];
  readonly http: HttpOutcome | null;
  readonly real: ThroughputRun | null;
  readonly inFlight: InFlightOutcome | null;
  readonly memory: InFlightReadings;
  readonly velero: VeleroStyleOutcome | null;
  readonly parked: ParkedOutcome | null;
  readonly failures: readonly Failure[];
}

const NO_PERCENTILES: NullablePercentiles = { p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null, samples: 0 };
const NO_HTTP: NullableHttp = { p50Ms: null, p99Ms: null, rps: null, requests: null, connections: null, durationSec: null };

function nullable(p: Percentiles | undefined): NullablePercentiles {
  return p ?? NO_PERCENTILES;
}

export function assembleReport(opts: BenchOptions, m: Measured): BenchReport {
  const largest = m.sizes[m.sizes.length - 1] ?? opts.pods;
  const main = m.runs.find((r) => r.pods === largest && r.workers === opts.throughputWorkers) ?? null;
  // Pods only wait (and hookd only watches) in the in-flight run; without its reading the figure
  // is unknown, not the zero of the throughput runs, whose pods were running from the start.
  const inFlightWatches = m.memory.maxWatchesPerNamespace;
  // The target is per worker process: runs of several workers (each with its own watch) are left out.
  const oneWorker = [...m.runs, ...(m.real ? [m.real] : [])].filter((r) => (r.workers ?? 1) === 1);
  const maxWatches = inFlightWatches === null ? null : Math.max(inFlightWatches, ...oneWorker.map((r) => r.maxWatchesPerNamespace));
  const partial: Omit<BenchReport, 'targets'> = {
    startedAt: m.startedAt,
    finishedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    machine: { cpuModel: cpus()[0]?.model ?? 'unknown', memoryMiB: Math.round(totalmem() / 1024 / 1024), os: `${type()} ${release()}`, loadAvgAtStart: m.loadAvgAtStart.map((l) => round(l, 2)) },
    command: opts.command,
    gitCommit: m.gitCommit,
    redisPrefix: m.redisPrefix,
    settings: {
      pods: opts.pods,
      concurrency: opts.concurrency,
      throughputSizes: m.sizes,
      throughputWorkers: opts.throughputWorkers,
      realProcessPods: m.realPods,
      hookdThroughputPodConcurrency: m.throughputPodConcurrency,
      hookdInFlightPodConcurrency: m.inFlightPodConcurrency,
      reactionPods: Math.min(opts.reactionPods, opts.pods),
      reactionIntervalMs: opts.reactionIntervalMs,
      throughputRounds: opts.repeat,
      hookdLogLevel: 'info',
      hookdNodeArgs: opts.hookdNodeArgs,
      workerNodeArgs: opts.workerNodeArgs,
      workerMallocArenaMax: opts.workerMallocArenaMax === '' ? null : Number(opts.workerMallocArenaMax),
      workerMallocThresholdBytes: opts.workerMallocThreshold === '' ? null : Number(opts.workerMallocThreshold),
    },
    throughput: {
      pods: largest,
      concurrency: opts.concurrency,
      hookdHooksPerSec: main?.hookdHooksPerSec ?? null,
      baselineHooksPerSec: main?.baselineHooksPerSec ?? null,
      ratio: main?.ratio ?? null,
      runs: m.runs,
    },
    realProcesses: m.real,
    reaction: { ...nullable(m.inFlight?.reaction), podsInFlight: opts.pods, intervalMs: opts.reactionIntervalMs, waitsSettledAfterMs: m.memory.waitsSettledAfterMs, veleroStyle: nullable(m.velero?.reaction) },
    apiServer: {
      maxWatchesPerNamespace: maxWatches,
      velerostyleWatches: m.velero?.watches ?? null,
      requestsPerPod: m.inFlight?.load.requestsPerPod ?? null,
      execRequestsPerHook: m.inFlight?.load.execRequestsPerHook ?? main?.execRequestsPerHook ?? null,
      velerostyleRequestsPerPod: m.velero?.load.requestsPerPod ?? null,
      pods: opts.pods,
      requestsByRoute: m.inFlight?.load.requestsByRoute ?? {},
      velerostyleRequestsByRoute: m.velero?.load.requestsByRoute ?? {},
    },
    memory: {
      workerPeakRssMiB: m.memory.workerPeakRssMiB,
      apiPeakRssMiB: m.memory.apiPeakRssMiB,
      workerRssAllWaitingMiB: m.memory.workerRssAllWaitingMiB,
      podsInFlight: opts.pods,
      redisBytesPer1000Hooks: m.http?.redis.bytesPer1000Hooks ?? null,
      redisKeys: m.http?.redis.keys ?? null,
      redisMethod: `MEMORY USAGE <key> SAMPLES 0 summed over every key of the prefix (hookd's results and BullMQ's queues) once its ${opts.repeat} job(s) of ${largest} hooks and its warm-up job of ${Math.min(100, largest)} had finished, / (${opts.repeat} x ${largest} + ${Math.min(100, largest)}) x 1000`,
    },
    http: {
      post1000Pods: { ...(m.http?.post ?? NO_HTTP), pods: m.http?.post.pods ?? 1000 },
      get10000Hooks: { ...(m.http?.get ?? NO_HTTP), hooks: largest, bodyBytes: m.http?.get.bodyBytes ?? null },
      get10000HooksSummary: { ...(m.http?.getSummary ?? NO_HTTP), bodyBytes: m.http?.getSummary.bodyBytes ?? null },
      get10000HooksPage: { ...(m.http?.getPage ?? NO_HTTP), pods: m.http?.getPage.pods ?? PAGE_PODS, bodyBytes: m.http?.getPage.bodyBytes ?? null },
    },
    parked: {
      pods: m.parked?.pods ?? opts.parkedPods,
      namespaces: m.parked?.namespaces ?? opts.parkedNamespaces,
      workerPeakRssMiB: m.parked?.workerPeakRssMiB ?? null,
      workerRssAllParkedMiB: m.parked?.workerRssAllParkedMiB ?? null,
      redisBytesPerPod: m.parked?.redisBytesPerPod ?? null,
      parkEntryBytesPerPod: m.parked?.parkEntryBytesPerPod ?? null,
      parkedAfterSec: m.parked?.parkedAfterSec ?? null,
      reactionP50Ms: m.parked?.reaction.p50Ms ?? null,
      reactionP99Ms: m.parked?.reaction.p99Ms ?? null,
      reactionPods: m.parked?.reaction.samples ?? 0,
      workerCpuMsPerWake: m.parked?.workerCpuMsPerWake ?? null,
      maxWatchesPerNamespace: m.parked?.maxWatchesPerNamespace ?? null,
      requestsPerPod: m.parked?.requestsPerPod ?? null,
    },
    failures: m.failures,
  };
  return { ...partial, targets: judge(partial) };
}
