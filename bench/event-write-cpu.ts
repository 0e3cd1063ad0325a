// Worker-side CPU per Event write: the event recorder against the simulated cluster, which
// runs in a child process so that its CPU is not counted. Each round records N Events about
// N new pods (N creates), then the same N again (N series PATCHes), and prints
// process.cpuUsage() (user + system) per write.
//
//   node --import tsx bench/event-write-cpu.ts [N=2000] [ROUNDS=3]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { hookEvent, type HookEventSpec } from '../src/domain/hook-event.ts';
import { createEventRecorder, type EventRecorderMetrics } from '../src/kube/event-recorder.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 3);
const NS = 'cpu';

const dir = mkdtempSync(join(tmpdir(), 'hookd-event-cpu-'));
const kubeconfigPath = join(dir, 'kubeconfig');
const child = spawn(process.execPath, ['packages/kube-sim/src/cli.ts', '--port', '0', '--kubeconfig', kubeconfigPath], { stdio: ['ignore', 'pipe', 'ignore'] });
await new Promise<void>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('listening')) resolve();
  });
  child.on('exit', (code) => reject(new Error(`sim exited ${code}`)));
});

try {
  const { kc } = loadKubeConfig({ kind: 'kubeconfig', path: kubeconfigPath });
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  const counts: Record<string, number> = {};
  const bump = (k: string): void => void (counts[k] = (counts[k] ?? 0) + 1);
  const metrics: EventRecorderMetrics = { written: (v) => bump(`written:${v}`), failed: (v) => bump(`failed:${v}`), dropped: (r) => bump(`dropped:${r}`) };
  const recorder = createEventRecorder({ kc, log: pino({ level: 'warn' }), instance: 'cpu-w0', burst: 1e9, perSecond: 1e9, maxPending: 1e9, metrics });
  const specs = (round: number, n: number): HookEventSpec[] =>
    Array.from({ length: n }, (_, i) =>
      hookEvent({ jobId: 'job-cpu', hook: { name: 'h', container: 'app' }, pod: { namespace: NS, name: `p-${round}-${i}`, uid: `uid-${round}-${i}` }, end: { kind: 'exited', exitCode: 0 }, restore: null }),
    );
  const measure = async (events: HookEventSpec[]): Promise<number> => {
    const before = process.cpuUsage();
    for (const e of events) recorder.record('job-cpu', e);
    await recorder.flush();
    const d = process.cpuUsage(before);
    return (d.user + d.system) / 1000 / events.length;
  };

  // Warm-up: JIT, sockets, TLS sessions.
  const warm = specs(-1, 300);
  await measure(warm);
  await measure(warm);
  for (let round = 0; round < ROUNDS; round++) {
    const events = specs(round, N);
    const create = await measure(events);
    const patch = await measure(events);
    process.stdout.write(`round ${round + 1}: create ${create.toFixed(3)} ms/write, patch ${patch.toFixed(3)} ms/write\n`);
  }
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  await recorder.close();
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
