// The benchmark's simulated cluster, in a process of its own (forked by bench/sim/process.ts).
// Answers the operations of protocol.ts over the IPC channel, and stops the sim (closing
// watches and exec sessions, killing processes) when the parent says so or goes away.

import { LIFECYCLE_ANNOTATION, startSimCluster, type SimCluster } from '@hookd/kube-sim';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { BENCH_CONTAINER, type SimChildOptions, type SimOps, type SimPauses, type SimReply, type SimRequest } from './protocol.ts';

/** Collections shorter than this are left out of simPauses. */
const GC_PAUSE_MS = 5;

/**
 * The sim's own pauses: event-loop delay (1 ms resolution) and its longer collections. Watched
 * only from the first reset on (the phase that asks for them), so no other phase pays for it.
 */
function watchPauses(): (reset: boolean) => SimPauses {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gcPauses: Array<{ atMs: number; ms: number }> = [];
  let watching = false;
  const start = (): void => {
    if (watching) return;
    watching = true;
    delay.enable();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.duration >= GC_PAUSE_MS) gcPauses.push({ atMs: performance.timeOrigin + e.startTime, ms: e.duration });
    }).observe({ entryTypes: ['gc'] });
  };
  return (reset) => {
    if (reset) start();
    const out = { loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6, gcPauses };
    if (reset) {
      delay.reset();
      gcPauses = [];
    }
    return out;
  };
}

const SLICE = 100;

function podManifest(name: string): object {
  return {
    metadata: { name, labels: { app: 'bench' }, annotations: { [LIFECYCLE_ANNOTATION]: 'manual' } },
    spec: { containers: [{ name: BENCH_CONTAINER, image: 'bench:1' }] },
  };
}

/** Runs `each` over the items in slices, yielding between them so the sim keeps serving. */
async function inSlices<T>(items: readonly T[], each: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += SLICE) {
    for (const item of items.slice(i, i + SLICE)) each(item);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** One pod per interval, on a schedule fixed at the start, so a late tick does not shift the rest. */
function paced(names: readonly string[], intervalMs: number, each: (name: string) => void): Promise<void> {
  const start = performance.now();
  return new Promise<void>((resolve) => {
    let i = 0;
    const tick = (): void => {
      while (i < names.length && performance.now() - start >= i * intervalMs) each(names[i++] ?? '');
      if (i >= names.length) return resolve();
      setTimeout(tick, Math.max(0, start + i * intervalMs - performance.now()));
    };
    tick();
  });
}

function operations(sim: SimCluster, pauses: (reset: boolean) => SimPauses): SimOps {
  const running = (namespace: string) => (name: string) => sim.setContainerState(namespace, name, BENCH_CONTAINER, 'running', { ready: true });
  return {
    createNamespace: ({ name }) => sim.createNamespace(name),
    createPods: ({ namespace, prefix, count, running: up }) => {
      for (let i = 0; i < count; i++) {
        const name = `${prefix}-${i}`;
        sim.createPod(namespace, podManifest(name));
        if (up) running(namespace)(name);
      }
    },
    scriptSuccess: ({ namespace }) => sim.scripts.set({ namespace }, () => ({ exitCode: 0 })),
    setRunning: ({ namespace, names, intervalMs }) => (intervalMs > 0 ? paced(names, intervalMs, running(namespace)) : inSlices(names, running(namespace))),
    setWaiting: ({ namespace, names }) => inSlices(names, (name) => sim.setContainerState(namespace, name, BENCH_CONTAINER, 'waiting')),
    counters: () => sim.counters(),
    resetCounters: () => sim.resetCounters(),
    timeline: ({ namespace }) => {
      const t = sim.timeline();
      return {
        containerRunning: t.containerRunning.filter((e) => e.namespace === namespace),
        execArrived: t.execArrived.filter((e) => e.namespace === namespace),
      };
    },
    simPauses: ({ reset }) => pauses(reset),
  };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SimChildOptions;
  const sim = await startSimCluster({ port: 0, kubeconfigPath: options.kubeconfigPath, bookmarkIntervalMs: options.bookmarkIntervalMs });
  const ops = operations(sim, watchPauses());
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.stop().finally(() => process.exit(0));
  };
  process.on('disconnect', stop); // the benchmark ended or died: never outlive it
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => {
    // Ctrl-C reaches the whole process group; the parent decides when the sim stops.
  });
  process.on('message', (msg: SimRequest | { stop: true }) => {
    if ('stop' in msg) return stop();
    const reply = (r: SimReply): void => {
      if (process.connected) process.send?.(r);
    };
    Promise.resolve()
      .then(() => (ops[msg.op] as (a: unknown) => unknown)(msg.args))
      .then(
        (result) => reply({ id: msg.id, ok: true, result: result ?? null }),
        (err: unknown) => reply({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.send?.({ ready: true, url: sim.url, kubeconfig: sim.kubeconfig });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
