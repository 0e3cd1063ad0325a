// npm run bench -- [--pods N] [--concurrency C] [--out DIR] ...
// Runs the benchmark of issue 6 (see the README section "Benchmarks") and writes DIR/latest.json and
// DIR/latest.md. Ctrl-C stops every process it started and removes its Redis keys.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBench, type BenchOptions } from './harness.ts';
import { createProgress } from './progress.ts';
import { CHART_WORKER_MALLOC_ARENA_MAX, CHART_WORKER_MALLOC_THRESHOLD, CHART_WORKER_NODE_OPTIONS, CHART_WORKER_REPLICAS, nodeArgsOf } from './chart-defaults.ts';

const USAGE = `usage: npm run bench -- [options]
  --pods N                 large size: throughput (also 1,000 when N > 1,000), pods in flight,
                           Velero-style comparison (default 10000)
  --concurrency C          execs at once, for hookd (HOOKD_EXEC_CONCURRENCY) and the baselines (default 50)
  --out DIR                where latest.json and latest.md go (default bench/results)
  --repeat R               rounds per throughput size, baseline and hookd taking turns; medians (default 3)
  --reaction-pods K        pods set running one at a time for the reaction time (default 1000)
  --reaction-interval MS   time between them (default 10)
  --http-duration S        seconds per autocannon run (default 10)
  --http-connections N     autocannon connections (default 1)
  --parked-pods N          pods parked on one worker in the parked phase (default 100000)
  --parked-namespaces N    namespaces they are spread over (default 100)
  --only PHASES            comma-separated phases to run: throughput, real, in-flight, velero, parked
                           (default all; a report of some phases leaves the others n/a)
  --cpu-prof DIR           run hookd's processes (and the sim) with --cpu-prof, profiles written to DIR
  --keep-logs              keep hookd's logs (printed: where) even when nothing failed
  --node-args "FLAGS"      extra node flags for hookd's processes, e.g. "--max-old-space-size=256"
  --worker-node-args=FLAGS node flags of the workers only (default: the Helm chart's worker.nodeOptions,
                           "${CHART_WORKER_NODE_OPTIONS}"; "" for none)
  --throughput-workers N   worker processes of the judged throughput runs (default 1: one worker process
                           against the baseline's one loop)
  --also-workers N         the large size once more with N workers, shown next to them (default: the Helm
                           chart's worker.replicas, ${CHART_WORKER_REPLICAS}; "" for none)
  --worker-malloc-arena-max=N  MALLOC_ARENA_MAX of the workers (default: the Helm chart's worker.mallocArenaMax,
                           "${CHART_WORKER_MALLOC_ARENA_MAX}"; "" for glibc's default)
  --worker-malloc-threshold=BYTES  glibc's fixed mmap and trim threshold of the workers (default: the Helm
                           chart's worker.mallocThresholdBytes, "${CHART_WORKER_MALLOC_THRESHOLD}"; "" for glibc's dynamic ones)
  REDIS_URL                Redis to use (default redis://127.0.0.1:6379)`;

function arenaMax(v: string): string {
  if (v !== '' && !/^[1-9]\d?$/.test(v)) throw new Error(`--worker-malloc-arena-max must be 1 to 99, or "" for glibc's default, got "${v}"`);
  return v;
}

/** The bounds the chart's values.schema.json sets for worker.mallocThresholdBytes (glibc caps the mmap threshold at 32 MiB). */
const MALLOC_THRESHOLD_MIN = 4096;
const MALLOC_THRESHOLD_MAX = 33_554_432;

function mallocThreshold(v: string): string {
  if (v === '') return v;
  const n = /^[1-9]\d*$/.test(v) ? Number(v) : NaN;
  if (!(n >= MALLOC_THRESHOLD_MIN && n <= MALLOC_THRESHOLD_MAX)) {
    throw new Error(`--worker-malloc-threshold must be ${MALLOC_THRESHOLD_MIN} to ${MALLOC_THRESHOLD_MAX} bytes, or "" for glibc's dynamic thresholds, got "${v}"`);
  }
  return v;
}

function int(v: string | undefined, name: string, def: number, min: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got "${v}"`);
  return n;
}

const PHASES = ['throughput', 'real', 'in-flight', 'velero', 'parked'];

function phasesOf(v: string | undefined): string[] {
  if (v === undefined) return [];
  const list = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const unknown = list.filter((p) => !PHASES.includes(p));
  if (unknown.length > 0) throw new Error(`--only: unknown phase(s) ${unknown.join(', ')}; phases are ${PHASES.join(', ')}`);
  return list;
}

function options(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      pods: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      repeat: { type: 'string' },
      'reaction-pods': { type: 'string' },
      'reaction-interval': { type: 'string' },
      'http-duration': { type: 'string' },
      'http-connections': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'keep-logs': { type: 'boolean' },
      'parked-pods': { type: 'string' },
      'parked-namespaces': { type: 'string' },
      only: { type: 'string' },
      'node-args': { type: 'string' },
      'worker-node-args': { type: 'string' },
      'worker-malloc-arena-max': { type: 'string' },
      'worker-malloc-threshold': { type: 'string' },
      'throughput-workers': { type: 'string' },
      'also-workers': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  return {
    pods: int(values.pods, 'pods', 10_000, 1),
    concurrency: int(values.concurrency, 'concurrency', 50, 1),
    out: resolve(values.out ?? 'bench/results'),
    repeat: int(values.repeat, 'repeat', 3, 1),
    reactionPods: int(values['reaction-pods'], 'reaction-pods', 1000, 1),
    reactionIntervalMs: int(values['reaction-interval'], 'reaction-interval', 10, 0),
    httpDurationSec: int(values['http-duration'], 'http-duration', 10, 1),
    httpConnections: int(values['http-connections'], 'http-connections', 1, 1),
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    parkedPods: int(values['parked-pods'], 'parked-pods', 100_000, 1),
    parkedNamespaces: int(values['parked-namespaces'], 'parked-namespaces', 100, 1),
    only: phasesOf(values.only),
    cpuProfDir: values['cpu-prof'] === undefined ? null : resolve(values['cpu-prof']),
    keepLogs: values['keep-logs'] === true,
    hookdNodeArgs: nodeArgsOf(values['node-args'] ?? ''),
    workerNodeArgs: nodeArgsOf(values['worker-node-args'] ?? CHART_WORKER_NODE_OPTIONS),
    workerMallocArenaMax: arenaMax(values['worker-malloc-arena-max'] ?? CHART_WORKER_MALLOC_ARENA_MAX),
    workerMallocThreshold: mallocThreshold(values['worker-malloc-threshold'] ?? CHART_WORKER_MALLOC_THRESHOLD),
    throughputWorkers: int(values['throughput-workers'], 'throughput-workers', 1, 1),
    alsoWorkers: values['also-workers'] === '' ? null : int(values['also-workers'], 'also-workers', CHART_WORKER_REPLICAS, 1),
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  };
}

async function main(): Promise<void> {
  let opts: BenchOptions | null;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const abort = new AbortController();
  let interruptedAt = 0;
  process.on('SIGINT', () => {
    // npm and tsx relay the terminal's SIGINT again within milliseconds: only a second Ctrl-C
    // a person typed (later than that) skips the cleanup.
    if (interruptedAt !== 0) {
      if (performance.now() - interruptedAt > 1000) process.exit(130);
      return;
    }
    interruptedAt = performance.now();
    process.stderr.write('\ninterrupted: stopping the processes and removing the Redis keys (Ctrl-C again to quit now)\n');
    abort.abort(new Error('interrupted'));
  });
  process.on('SIGTERM', () => abort.abort(new Error('terminated')));
  const progress = createProgress(process.stderr);
  try {
    const { report, files } = await runBench(opts, progress, abort.signal);
    progress.note(`\nwrote ${files.json} and ${files.md}`);
    for (const t of report.targets) progress.note(`  ${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} (target ${t.target})`);
  } catch (err) {
    process.stderr.write(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = abort.signal.aborted ? 130 : 1;
  }
}

await main();
