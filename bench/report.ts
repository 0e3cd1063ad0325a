// The benchmark's report: the JSON other tools read (issue 6's fields, and more), the
// targets it is judged by, and the same figures as Markdown for people.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpFigures } from './http-load.ts';

export interface ThroughputRun {
  readonly pods: number;
  /** 'scripted': the sim answers at once; 'process': each exec runs a real command. */
  readonly execs: 'scripted' | 'process';
  /** hookd's worker processes (older reports: absent, one). */
  readonly workers?: number;
  readonly command: readonly string[];
  readonly hookdHooksPerSec: number;
  readonly baselineHooksPerSec: number;
  readonly ratio: number;
  /** Medians of the rounds (each round: the baseline, then hookd). */
  readonly hookdSeconds: number;
  readonly baselineSeconds: number;
  readonly hookdRounds: readonly number[];
  readonly baselineRounds: readonly number[];
  readonly requestsPerPod: number;
  readonly execRequestsPerHook: number;
  readonly maxWatchesPerNamespace: number;
  /**
   * CPU per hook (ms, medians of the rounds; null where a process could not be read):
   * hookd's processes (API and workers), its workers alone (the one thread each that bounds
   * hookd's rate, as the loop's thread bounds the baseline's), the Redis server and the sim in
   * hookd's rounds; the baseline's loop and the sim in the baseline's. The Redis server's figure holds all
   * its clients (other users of a shared Redis too).
   */
  readonly cpuMsPerHook?: {
    readonly hookd: number | null;
    readonly hookdWorkers: number | null;
    readonly hookdRedis: number | null;
    readonly hookdSim: number | null;
    readonly baseline: number | null;
    readonly baselineSim: number | null;
  };
}

export interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: number | null;
  readonly met: boolean;
}

/** A phase that failed: its figures are null, and the reason is here. */
export interface Failure {
  readonly phase: string;
  readonly error: string;
}

type Num = number | null;

export interface NullablePercentiles {
  readonly p50Ms: Num;
  readonly p95Ms: Num;
  readonly p99Ms: Num;
  readonly maxMs: Num;
  readonly samples: number;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly node: string;
  readonly cpus: number;
  readonly machine: { readonly cpuModel: string; readonly memoryMiB: number; readonly os: string; readonly loadAvgAtStart: readonly number[] };
  readonly command: string;
  readonly gitCommit: string;
  /** Every Redis key of the run started with this (all removed at the end). */
  readonly redisPrefix: string;
  readonly settings: {
    readonly pods: number;
    readonly concurrency: number;
    readonly throughputSizes: readonly number[];
    readonly realProcessPods: number;
    readonly hookdThroughputPodConcurrency: number;
    readonly hookdInFlightPodConcurrency: number;
    readonly reactionPods: number;
    readonly reactionIntervalMs: number;
    readonly throughputRounds: number;
    readonly hookdLogLevel: string;
    readonly hookdNodeArgs: readonly string[];
    readonly workerNodeArgs: readonly string[];
    /** MALLOC_ARENA_MAX of the workers; null: glibc's default. Absent in reports made before it was set. */
    readonly workerMallocArenaMax?: number | null;
    /** glibc's fixed mmap and trim threshold of the workers; null: glibc's dynamic ones (absent in reports before it was set). */
    readonly workerMallocThresholdBytes?: number | null;
    /** hookd's worker processes in the throughput runs the targets judge (older reports: one). */
    readonly throughputWorkers?: number;
  };
  readonly throughput: {
    readonly pods: number;
    readonly concurrency: number;
    readonly hookdHooksPerSec: Num;
    readonly baselineHooksPerSec: Num;
    readonly ratio: Num;
    readonly runs: readonly ThroughputRun[];
  };
  readonly realProcesses: ThroughputRun | null;
  readonly reaction: NullablePercentiles & {
    readonly podsInFlight: number;
    readonly intervalMs: number;
    /** The release starts once hookd has been quiet for 1 s; this long after its job showed every hook waiting. */
    readonly waitsSettledAfterMs: Num;
    readonly veleroStyle: NullablePercentiles;
  };
  readonly apiServer: {
    readonly maxWatchesPerNamespace: Num;
    readonly velerostyleWatches: Num;
    readonly requestsPerPod: Num;
    readonly execRequestsPerHook: Num;
    readonly velerostyleRequestsPerPod: Num;
    readonly pods: number;
    readonly requestsByRoute: Readonly<Record<string, number>>;
    readonly velerostyleRequestsByRoute: Readonly<Record<string, number>>;
  };
  readonly memory: {
    readonly workerPeakRssMiB: Num;
    readonly apiPeakRssMiB: Num;
    readonly workerRssAllWaitingMiB: Num;
    readonly podsInFlight: number;
    readonly redisBytesPer1000Hooks: Num;
    readonly redisKeys: Num;
    readonly redisMethod: string;
  };
  readonly http: {
    readonly post1000Pods: NullableHttp & { readonly pods: number };
    readonly get10000Hooks: NullableHttp & { readonly hooks: number; readonly bodyBytes: Num };
    /** The same job: GET ?view=summary, and GET /pods of one page. */
    readonly get10000HooksSummary: NullableHttp & { readonly bodyBytes: Num };
    readonly get10000HooksPage: NullableHttp & { readonly pods: number; readonly bodyBytes: Num };
  };
  /** Pods parked on one worker process (the parked phase). */
  readonly parked: {
    readonly pods: number;
    readonly namespaces: number;
    readonly workerPeakRssMiB: Num;
    readonly workerRssAllParkedMiB: Num;
    /** Every key of the run's prefix per parked pod: its job's ledger, its queue job, its parked entry. */
    readonly redisBytesPerPod: Num;
    /** The parked entries alone, per pod. */
    readonly parkEntryBytesPerPod: Num;
    readonly parkedAfterSec: Num;
    readonly reactionP50Ms: Num;
    readonly reactionP99Ms: Num;
    readonly reactionPods: number;
    /** The worker's CPU over the wake-up, per woken pod (older reports: absent). */
    readonly workerCpuMsPerWake?: Num;
    readonly maxWatchesPerNamespace: Num;
    /** API requests until every pod was parked, per pod. */
    readonly requestsPerPod: Num;
  };
  readonly failures: readonly Failure[];
  readonly targets: readonly Target[];
}

export type NullableHttp = { readonly [K in keyof HttpFigures]: HttpFigures[K] | null };

export function judge(r: Omit<BenchReport, 'targets'>): Target[] {
  const t = (name: string, target: string, value: Num, ok: (v: number) => boolean): Target => ({ name, target, value, met: value !== null && ok(value) });
  // Every scripted size the run measured (1,000 and the large one) must reach the ratio, with
  // the workers a default install runs; a run of one worker alone is shown, not judged.
  const workers = r.settings.throughputWorkers ?? 1;
  const sizes = r.throughput.runs.filter((run) => run.execs === 'scripted' && (run.workers ?? 1) === workers);
  return [
    ...(sizes.length > 0
      ? sizes.map((run) => t(`throughput ratio (hookd / baseline), ${run.pods} pods, ${workers} worker${workers === 1 ? '' : 's'}`, '>= 0.9', run.ratio, (v) => v >= 0.9))
      : [t('throughput ratio (hookd / baseline)', '>= 0.9', r.throughput.ratio, (v) => v >= 0.9)]),
    t('watches per namespace (max)', '<= 1', r.apiServer.maxWatchesPerNamespace, (v) => v <= 1),
    t('exec requests per hook', '= 1', r.apiServer.execRequestsPerHook, (v) => v === 1),
    t('reaction p99 (ms)', '<= 50', r.reaction.p99Ms, (v) => v <= 50),
    t(`worker peak RSS (MiB), ${r.memory.podsInFlight} pods in flight`, '<= 256', r.memory.workerPeakRssMiB, (v) => v <= 256),
    t(`POST /v1/jobs of ${r.http.post1000Pods.pods} pods p99 (ms)`, '<= 100', r.http.post1000Pods.p99Ms, (v) => v <= 100),
    t(`worker peak RSS (MiB), ${r.parked.pods} pods parked`, '<= 256', r.parked.workerPeakRssMiB, (v) => v <= 256),
    t('wake-up reaction p99 (ms), parked pods', '<= 50', r.parked.reactionP99Ms, (v) => v <= 50),
    t('watches per namespace (max), parked pods', '<= 1', r.parked.maxWatchesPerNamespace, (v) => v <= 1),
    t(`API requests per pod, ${r.apiServer.pods} pods in flight`, '<= 1.05', r.apiServer.requestsPerPod, (v) => v <= 1.05),
  ];
}

function workersText(n: number): string {
  return n === 1 ? 'one worker process' : `${n} worker processes`;
}

function row(cells: readonly (string | number | null)[]): string {
  return `| ${cells.map((c) => c ?? 'n/a').join(' | ')} |`;
}

export function renderMarkdown(r: BenchReport): string {
  const lines: string[] = [];
  const tp = r.throughput;
  lines.push(`# hookd benchmark`, '');
  lines.push(`${r.startedAt} · Node ${r.node} · ${r.cpus} CPUs (${r.machine.cpuModel}) · ${r.machine.memoryMiB} MiB · ${r.machine.os} · commit ${r.gitCommit}`, '');
  lines.push(`Command: \`${r.command}\``, '');
  const flags = (a: readonly string[]): string => (a.length > 0 ? `\`${a.join(' ')}\`` : 'no node flags');
  const arenas = r.settings.workerMallocArenaMax == null ? "glibc's default malloc arenas" : `MALLOC_ARENA_MAX=${r.settings.workerMallocArenaMax}`;
  const threshold = r.settings.workerMallocThresholdBytes == null ? "glibc's dynamic malloc thresholds" : `malloc's mmap and trim thresholds fixed at ${r.settings.workerMallocThresholdBytes} bytes`;
  lines.push(`Workers ran with ${flags(r.settings.workerNodeArgs)}, ${arenas} and ${threshold}; every hookd process with ${flags(r.settings.hookdNodeArgs)} before those.`, '');
  lines.push('## Targets', '', row(['measure', 'target', 'value', 'met']), row(['---', '---', '---:', '---']));
  for (const t of r.targets) lines.push(row([t.name, t.target, t.value ?? 'n/a', t.met ? 'yes' : '**no**']));
  if (r.failures.length > 0) {
    lines.push('', '## Failures', '');
    for (const f of r.failures) lines.push(`- ${f.phase}: ${f.error.split('\n')[0] ?? ''}`);
  }
  lines.push('', `## Throughput (1 hook per pod, concurrency ${tp.concurrency}, median of ${r.settings.throughputRounds} rounds)`, '');
  lines.push(row(['pods', 'execs', 'hookd workers', 'hookd hooks/s', 'baseline hooks/s', 'ratio', 'hookd s', 'baseline s', 'API requests/pod', 'exec requests/hook', 'max watches/ns']));
  lines.push(row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  const tpRuns = r.realProcesses ? [...tp.runs, r.realProcesses] : tp.runs;
  for (const x of tpRuns) {
    lines.push(row([x.pods, x.execs === 'scripted' ? 'scripted' : `process \`${x.command.join(' ')}\``, x.workers ?? 1, x.hookdHooksPerSec, x.baselineHooksPerSec, x.ratio, x.hookdSeconds, x.baselineSeconds, x.requestsPerPod, x.execRequestsPerHook, x.maxWatchesPerNamespace]));
  }
  lines.push('', `Each side runs on the same machine as the sim and Redis. The baseline is one process and one thread; hookd is its API and ${workersText(r.settings.throughputWorkers ?? 1)}, and at the large size once more with more workers (the chart's default count), shown, not judged. Max watches per namespace counts every worker's watch.`, '');
  lines.push('CPU per hook (ms, medians of the rounds; the Redis server counts all its clients):', '');
  lines.push(row(['pods', 'execs', 'hookd workers', 'hookd (API + workers)', 'hookd workers alone', 'Redis server', 'sim, hookd rounds', 'baseline loop', 'sim, baseline rounds']));
  lines.push(row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const x of tpRuns) {
    const c = x.cpuMsPerHook;
    lines.push(row([x.pods, x.execs, x.workers ?? 1, c?.hookd ?? null, c?.hookdWorkers ?? null, c?.hookdRedis ?? null, c?.hookdSim ?? null, c?.baseline ?? null, c?.baselineSim ?? null]));
  }
  const rc = r.reaction;
  lines.push('', `## Reaction time (container running -> exec arrives, sim clock)`, '');
  lines.push(`${r.settings.reactionPods} pods set running one every ${rc.intervalMs} ms while ${rc.podsInFlight} pods were in flight (then, once an exec had reached each of them, the rest at once); percentiles over those ${r.settings.reactionPods}. The worker was first warmed on 100 pods of the namespace that waited and came up. The release started once hookd had sent the API server nothing for 1 s (${rc.waitsSettledAfterMs ?? 'n/a'} ms after its job showed every hook waiting).`, '');
  lines.push(row(['runner', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']), row(['---', '---:', '---:', '---:', '---:']));
  lines.push(row(['hookd', rc.p50Ms, rc.p95Ms, rc.p99Ms, rc.maxMs]));
  lines.push(row(['Velero-style (watch per pod)', rc.veleroStyle.p50Ms, rc.veleroStyle.p95Ms, rc.veleroStyle.p99Ms, rc.veleroStyle.maxMs]));
  const a = r.apiServer;
  lines.push('', `## Load on the API server (${a.pods} pods waiting, then running)`, '');
  lines.push(row(['', 'hookd', 'Velero-style']), row(['---', '---:', '---:']));
  lines.push(row(['max watches in the namespace', a.maxWatchesPerNamespace, a.velerostyleWatches]));
  lines.push(row(['API requests per pod', a.requestsPerPod, a.velerostyleRequestsPerPod]));
  lines.push(row(['exec requests per hook', a.execRequestsPerHook, '']));
  const routes = Object.entries(a.requestsByRoute).map(([k, v]) => `\`${k}\` ${v}`);
  lines.push('', `hookd's requests: ${routes.length > 0 ? routes.join(', ') : 'n/a (the in-flight run did not finish)'}`, '');
  const m = r.memory;
  lines.push('## Memory', '');
  lines.push(`- worker peak RSS: ${m.workerPeakRssMiB ?? 'n/a'} MiB with ${m.podsInFlight} pods in flight (${m.workerRssAllWaitingMiB ?? 'n/a'} MiB once all were waiting)`);
  lines.push(`- API peak RSS: ${m.apiPeakRssMiB ?? 'n/a'} MiB`);
  lines.push(`- Redis: ${m.redisBytesPer1000Hooks ?? 'n/a'} bytes per 1,000 finished hooks (${m.redisKeys} keys; ${m.redisMethod})`, '');
  const pk = r.parked;
  lines.push(`## Parked pods (${pk.pods} pods waiting in ${pk.namespaces} namespaces, one worker process)`, '');
  lines.push(row(['measure', 'value']), row(['---', '---:']));
  lines.push(row(['all parked after (s)', pk.parkedAfterSec]));
  lines.push(row(['worker peak RSS (MiB)', pk.workerPeakRssMiB]));
  lines.push(row(['worker RSS once all were parked (MiB)', pk.workerRssAllParkedMiB]));
  lines.push(row(['Redis bytes per parked pod, everything (ledger, queue job, parked entry)', pk.redisBytesPerPod]));
  lines.push(row(['Redis bytes per parked pod, the parked entry alone', pk.parkEntryBytesPerPod]));
  lines.push(row([`wake-up reaction p50 / p99 (ms), ${pk.reactionPods} pods coming up`, `${pk.reactionP50Ms ?? 'n/a'} / ${pk.reactionP99Ms ?? 'n/a'}`]));
  lines.push(row(['worker CPU per woken pod (ms), over the wake-up', pk.workerCpuMsPerWake ?? null]));
  lines.push(row(['max watches per namespace', pk.maxWatchesPerNamespace]));
  lines.push(row(['API requests per pod until all were parked', pk.requestsPerPod]));
  lines.push('');
  const h = r.http;
  lines.push('## HTTP (autocannon)', '', row(['request', 'connections', 'p50 ms', 'p99 ms', 'req/s', 'requests']), row(['---', '---:', '---:', '---:', '---:', '---:']));
  lines.push(row([`POST /v1/jobs, ${h.post1000Pods.pods} pods`, h.post1000Pods.connections, h.post1000Pods.p50Ms, h.post1000Pods.p99Ms, h.post1000Pods.rps, h.post1000Pods.requests]));
  lines.push(row([`GET /v1/jobs/{id}, ${h.get10000Hooks.hooks} hooks (${h.get10000Hooks.bodyBytes === null ? '?' : (h.get10000Hooks.bodyBytes / 1024).toFixed(0)} KiB)`, h.get10000Hooks.connections, h.get10000Hooks.p50Ms, h.get10000Hooks.p99Ms, h.get10000Hooks.rps, h.get10000Hooks.requests]));
  const kib = (b: Num): string => (b === null ? '?' : b < 10_240 ? `${b} bytes` : `${(b / 1024).toFixed(0)} KiB`);
  lines.push(row([`GET /v1/jobs/{id}?view=summary, same job (${kib(h.get10000HooksSummary.bodyBytes)})`, h.get10000HooksSummary.connections, h.get10000HooksSummary.p50Ms, h.get10000HooksSummary.p99Ms, h.get10000HooksSummary.rps, h.get10000HooksSummary.requests]));
  lines.push(row([`GET /v1/jobs/{id}/pods?limit=${h.get10000HooksPage.pods}, same job, a page in its middle (${kib(h.get10000HooksPage.bodyBytes)})`, h.get10000HooksPage.connections, h.get10000HooksPage.p50Ms, h.get10000HooksPage.p99Ms, h.get10000HooksPage.rps, h.get10000HooksPage.requests]));
  lines.push('');
  return lines.join('\n');
}

export function writeReport(dir: string, r: BenchReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(r));
  return { json, md };
}
