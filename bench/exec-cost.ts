// CPU per exec of the exec path alone: N scripted execs (exit 0 at once) through client-node's
// plain Exec (bench/exec-client.ts, the baseline's loop) and through hookd's executor
// (src/kube/exec.ts), at the same concurrency, in this one process. The sim runs in a child
// process so its CPU is not counted. Rounds alternate (baseline, hookd, baseline, ...) and the
// median of each is reported, so a neighbour's burst on a shared machine costs one round.
//
//   npx tsx bench/exec-cost.ts [--execs 2000] [--concurrency 50] [--rounds 3] [--pods 200]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createExecutor } from '../src/kube/exec.ts';
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
    const executor = createExecutor({ kc, log: pino({ level: 'silent' }) });
    const signal = new AbortController().signal;

    const baseline = async (pod: string): Promise<void> => {
      const code = await execOnce(kc, { namespace, pod, container: BENCH_CONTAINER, command: COMMAND }, 60_000);
      if (code !== 0) throw new Error(`baseline exec in ${pod} exited ${code}`);
    };
    const hookd = async (pod: string): Promise<void> => {
      const out = await executor.exec({ namespace, pod, container: BENCH_CONTAINER, command: COMMAND, timeoutMs: 60_000, maxOutputBytes: 65_536 }, signal);
      if (out.kind !== 'exited' || out.exitCode !== 0) throw new Error(`hookd exec in ${pod}: ${JSON.stringify(out)}`);
    };

    // Warm both paths (JIT, TLS sessions, agents) before anything is timed.
    await measure(Math.min(500, execs), pods, baseline);
    await measure(Math.min(500, execs), pods, hookd);

    const base: Round[] = [];
    const ours: Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      base.push(await measure(execs, pods, baseline));
      ours.push(await measure(execs, pods, hookd));
      const b = base.at(-1);
      const h = ours.at(-1);
      if (b && h) {
        process.stdout.write(
          `round ${r}/${rounds}: client-node Exec ${b.cpuMsPerExec.toFixed(3)} ms CPU/exec, ${b.wallSec.toFixed(2)} s; hookd ${h.cpuMsPerExec.toFixed(3)} ms CPU/exec, ${h.wallSec.toFixed(2)} s\n`,
        );
      }
    }
    const bCpu = median(base.map((x) => x.cpuMsPerExec));
    const hCpu = median(ours.map((x) => x.cpuMsPerExec));
    process.stdout.write(
      `median of ${rounds} (${execs} execs, concurrency ${concurrency}):\n` +
        `  client-node Exec  ${bCpu.toFixed(3)} ms CPU/exec  ${median(base.map((x) => x.wallSec)).toFixed(2)} s wall\n` +
        `  hookd executor    ${hCpu.toFixed(3)} ms CPU/exec  ${median(ours.map((x) => x.wallSec)).toFixed(2)} s wall\n` +
        `  hookd / baseline  ${(hCpu / bCpu).toFixed(2)}\n`,
    );
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`exec-cost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
