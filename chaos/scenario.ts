// One chaos scenario's world: a private Redis, the simulated cluster (in this process, its
// execs counted in the ledger), one API process and two worker processes, and a job of N
// pods with two hooks each. The fault is the scenario's to inject while the job runs.
// Workers run with the Helm chart's worker flags and malloc settings (its heap bounds
// among them), so the faults meet a worker as a default install runs it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartWorkerRuntime } from '../bench/chart-defaults.ts';
import { startHookdProcess, type HookdProcess } from '../bench/hookd/process.ts';
import { startSimCluster, type SimCluster } from '@hookd/kube-sim';
import { Ledger, tally, type ReportedHook, type Tally } from './ledger.ts';
import { startChaosRedis, type ChaosRedis } from './redis.ts';

export interface World {
  readonly sim: SimCluster;
  readonly redis: ChaosRedis;
  readonly api: HookdProcess;
  readonly workers: HookdProcess[];
  readonly ledger: Ledger;
  readonly dir: string;
  readonly namespace: string;
  readonly prefix: string;
  /** Starts another worker (a replacement after a kill). */
  addWorker(): Promise<HookdProcess>;
  close(): Promise<void>;
}

export interface WorldOptions {
  readonly pods: number;
  /** How long each hook's command runs. */
  readonly hookMs: number;
  readonly execConcurrency: number;
  readonly workerEnv?: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Pods stay Pending until the scenario starts their containers (sim.setContainerState). */
  readonly manual?: boolean;
}

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');

export async function startWorld(name: string, o: WorldOptions, keep: boolean): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), `hookd-chaos-${name}-`));
  const ledger = new Ledger();
  const namespace = 'chaos';
  const sim = await startSimCluster({ port: 0, kubeconfigPath: join(dir, 'kubeconfig'), faultSeed: o.seed, lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
  sim.createNamespace(namespace);
  sim.scripts.set({ namespace }, async (ctx) => {
    const e = ledger.entry(`${ctx.pod}:${ctx.command[1] ?? '?'}`);
    e.starts++;
    await new Promise((r) => setTimeout(r, o.hookMs));
    e.ends++;
    return { exitCode: 0, stdout: 'ok\n' };
  });
  const annotations = o.manual === true ? { 'sim.hookd.io/lifecycle': 'manual' } : {};
  for (let i = 0; i < o.pods; i++) sim.createPod(namespace, { metadata: { name: `p-${i}`, annotations }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const redis = await startChaosRedis(join(dir, 'redis'));
  const prefix = `chaos-${name}`;
  const common = { main: MAIN, execArgv: ['--import', 'tsx'], prefix, redisUrl: redis.url, kubeconfigPath: join(dir, 'kubeconfig') };
  const api = await startHookdProcess({ ...common, role: 'api', logFile: join(dir, 'api.log') });
  let n = 0;
  const workers: HookdProcess[] = [];
  const chart = chartWorkerRuntime();
  const addWorker = async (): Promise<HookdProcess> => {
    const w = await startHookdProcess({
      ...common,
      execArgv: [...common.execArgv, ...chart.nodeArgs],
      role: 'worker',
      logFile: join(dir, `worker-${++n}.log`),
      env: { ...chart.env, HOOKD_EXEC_CONCURRENCY: String(o.execConcurrency), HOOKD_POD_CONCURRENCY: '200', HOOKD_SHUTDOWN_TIMEOUT: '10s', ...o.workerEnv },
    });
    workers.push(w);
    return w;
  };
  await addWorker();
  await addWorker();
  return {
    sim,
    redis,
    api,
    workers,
    ledger,
    dir,
    namespace,
    prefix,
    addWorker,
    async close() {
      await Promise.all([api, ...workers].map((p) => p.stop(5000)));
      await redis.stop('SIGTERM');
      await sim.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface JobView {
  status: string;
  finishedAt: string | null;
  pods: Array<{ name: string; hooks: Array<{ index: number; phase: string; exitCode: number | null; error: string | null }> }>;
}

export async function submitJob(world: World, pods: number): Promise<string> {
  const body = {
    pods: Array.from({ length: pods }, (_, i) => ({ namespace: world.namespace, name: `p-${i}` })),
    hooks: { resources: [{ name: 'chaos', postHooks: [{ exec: { container: 'c', command: ['hook', '0'] } }, { exec: { container: 'c', command: ['hook', '1'] } }] }] },
  };
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${world.api.url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => null);
    if (res?.status === 202) return ((await res.json()) as { id: string }).id;
    if (tries > 50) throw new Error(`POST /v1/jobs failed: ${res?.status ?? 'no answer'}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function jobEnd(world: World, id: string, timeoutMs: number): Promise<{ view: JobView; tookMs: number }> {
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${world.api.url}/v1/jobs/${id}`).catch(() => null);
    if (res?.status === 200) {
      const view = (await res.json()) as JobView;
      if (view.finishedAt !== null) return { view, tookMs: Date.now() - started };
    } else await res?.body?.cancel();
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} did not end within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function count(world: World, view: JobView, allowInterrupted: boolean): Tally {
  const hooks: ReportedHook[] = view.pods.flatMap((p) => p.hooks.map((h) => ({ pod: p.name, index: h.index, phase: h.phase, exitCode: h.exitCode, error: h.error })));
  return tally(world.ledger, hooks, allowInterrupted);
}
