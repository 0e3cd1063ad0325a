// CPU per exec of the exec path alone: N scripted execs (exit 0 at once) through client-node's
// plain Exec (bench/exec-client.ts, the baseline's loop) and through hookd's executor
// (src/kube/exec.ts), at the same concurrency, in this one process. The sim runs in a child
// process so its CPU is not counted. Rounds alternate (baseline, hookd, baseline, ...) and the
// median of each is reported, so a neighbour's burst on a shared machine costs one round.
//
//   npx tsx bench/exec-cost.ts [--execs 2000] [--concurrency 50] [--rounds 3] [--pods 200]
//                              [--compare <another src/kube/exec.ts>]
//
// --compare adds a third runner, another version's executor taking its turn in each round
// (e.g. main's: `mkdir /tmp/before && git archive main src | tar -x -C /tmp/before`, then
// `--compare /tmp/before/src/kube/exec.ts`; it must sit where it resolves this checkout's
// node_modules, so extract it inside the checkout, in a folder git ignores).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createExecutor, type ExecutorDeps } from '../src/kube/exec.ts';
import type { Executor } from '../src/queue/ports.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { execOnce } from './exec-client.ts';
import { eachConcurrently } from './pool.ts';
import { BENCH_CONTAINER } from './sim/protocol.ts';
import { startSimProcess } from './sim/process.ts';

const { values } = parseArgs({
  options: {
    execs: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    pods: { type: 'string', default: '200' },
    compare: { type: 'string' },
  },
});
const execs = Number(values.execs);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const podCount = Number(values.pods);
const COMMAND = ['/bin/true'];

interface Round {
  readonly cpuMsPerExec: number;
  readonly wallSec: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function measure(n: number, pods: readonly string[], one: (pod: string) => Promise<void>): Promise<Round> {
  const items = Array.from({ length: n }, (_, i) => pods[i % pods.length] ?? '');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await eachConcurrently(items, concurrency, one);
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMsPerExec: (cpu.user + cpu.system) / 1000 / n, wallSec };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hookd-exec-cost-'));
  const sim = await startSimProcess({ kubeconfigPath: join(dir, 'kubeconfig'), bookmarkIntervalMs: 10_000 });
  try {
    const namespace = 'exec-cost';
    await sim.call('createNamespace', { name: namespace });
    await sim.call('createPods', { namespace, prefix: 'p', count: podCount, running: true });
    await sim.call('scriptSuccess', { namespace });
    const pods = Array.from({ length: podCount }, (_, i) => `p-${i}`);
    const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text: sim.kubeconfig });
    const signal = new AbortController().signal;
    const viaExecutor = (executor: Executor) => async (pod: string): Promise<void> => {
      const out = await executor.exec({ namespace, pod, container: BENCH_CONTAINER, command: COMMAND, timeoutMs: 60_000, maxOutputBytes: 65_536 }, signal);
      if (out.kind !== 'exited' || out.exitCode !== 0) throw new Error(`exec in ${pod}: ${JSON.stringify(out)}`);
    };
    const runners: Array<{ name: string; one: (pod: string) => Promise<void>; rounds: Round[] }> = [
      {
        name: 'client-node Exec',
        one: async (pod) => {
          const code = await execOnce(kc, { namespace, pod, container: BENCH_CONTAINER, command: COMMAND }, 60_000);
          if (code !== 0) throw new Error(`baseline exec in ${pod} exited ${code}`);
        },
        rounds: [],
      },
    ];
    const log = pino({ level: 'silent' });
    if (values.compare !== undefined) {
      const other = (await import(pathToFileURL(resolve(values.compare)).href)) as { createExecutor: (deps: ExecutorDeps) => Executor };
      runners.push({ name: 'compared executor', one: viaExecutor(other.createExecutor({ kc, log })), rounds: [] });
    }
    runners.push({ name: 'hookd executor', one: viaExecutor(createExecutor({ kc, log })), rounds: [] });

    // Warm every path (JIT, TLS sessions, agents) before anything is timed.
    for (const r of runners) await measure(Math.min(500, execs), pods, r.one);
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const r of runners) {
        const m = await measure(execs, pods, r.one);
        r.rounds.push(m);
        line.push(`${r.name} ${m.cpuMsPerExec.toFixed(3)} ms CPU/exec, ${m.wallSec.toFixed(2)} s`);
      }
      process.stdout.write(`round ${round}/${rounds}: ${line.join('; ')}\n`);
    }
    const cpu = (r: { rounds: Round[] }): number => median(r.rounds.map((x) => x.cpuMsPerExec));
    const base = runners[0];
    process.stdout.write(`median of ${rounds} (${execs} execs, concurrency ${concurrency}):\n`);
    for (const r of runners) {
      const ratio = base !== undefined && r !== base ? `  ${(cpu(r) / cpu(base)).toFixed(2)} of client-node's` : '';
      process.stdout.write(`  ${r.name.padEnd(18)} ${cpu(r).toFixed(3)} ms CPU/exec  ${median(r.rounds.map((x) => x.wallSec)).toFixed(2)} s wall${ratio}\n`);
    }
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`exec-cost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
