// What Velero's hook handler does for the same pods, for comparison on the API server's side:
// internal/hook/wait_exec_hook_handler.go, HandleHooks, runs per restored pod (in a goroutine
// each) an informer over a ListWatch with fieldSelector metadata.name=<pod>: one LIST and one
// WATCH per pod, kept open until that pod's hooks have run. Its update handler execs the
// hooks once the container is running. Here: the same list+watch per pod through
// client-node, re-listed when a watch ends early (as a reflector does), execs limited to the
// benchmark's concurrency (Velero has no such limit), then the watch is closed.

import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { execOnce } from '../exec-client.ts';
import { semaphore } from '../pool.ts';
import type { Progress } from '../progress.ts';
import type { LoopResult } from './baseline.ts';

export interface VeleroStyleRun {
  /** Every pod has its watch open (the API server answered 200 to each). */
  readonly watching: Promise<void>;
  readonly finished: Promise<LoopResult>;
}

const RETRIES = 5;

/** undici's "fetch failed" hides the reason in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

function running(pod: V1Pod | undefined, container: string): boolean {
  return pod?.status?.containerStatuses?.some((c) => c.name === container && c.state?.running !== undefined) ?? false;
}

export function startVeleroStyle(o: {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly pods: readonly string[];
  readonly container: string;
  readonly command: readonly string[];
  readonly concurrency: number;
  /** List+watch requests being opened at once (Velero starts every goroutine at once). */
  readonly openConcurrency: number;
  readonly progress: Progress;
}): VeleroStyleRun {
  const core = o.kc.makeApiClient(CoreV1Api);
  const watch = new Watch(o.kc);
  const execSlot = semaphore(o.concurrency);
  const openSlot = semaphore(o.openConcurrency);
  const path = `/api/v1/namespaces/${o.namespace}/pods`;
  let watchingCount = 0;
  let done = 0;
  let markAllWatching: () => void = () => {};
  const watching = new Promise<void>((resolve) => (markAllWatching = resolve));
  const seen = new Set<string>();
  // Every watch still open: a run that fails closes them all, so none outlives it into the next phase.
  const open = new Set<AbortController>();
  let stopped = false;
  const nowWatching = (pod: string): void => {
    if (seen.has(pod)) return;
    seen.add(pod);
    if (++watchingCount === o.pods.length) markAllWatching();
  };

  const hook = async (pod: string): Promise<void> => {
    const code = await execSlot(() => execOnce(o.kc, { namespace: o.namespace, pod, container: o.container, command: o.command }, 60_000));
    if (code !== 0) throw new Error(`velero-style exec in ${o.namespace}/${pod} exited ${code}`);
    done++;
    o.progress.update(done);
  };

  /** One watch from `rv`: 'ran' once the hook ran (the watch is then closed), 'ended' if the watch ended first. */
  const watchOnce = (pod: string, rv: string | undefined, opened: () => void): Promise<'ran' | 'ended'> =>
    new Promise((resolve, reject) => {
      let started = false;
      let controller: AbortController | null = null;
      let ran = false;
      const close = (): void => {
        if (controller) open.delete(controller);
        controller?.abort();
        resolve('ran');
      };
      watch
        .watch(
          path,
          { fieldSelector: `metadata.name=${pod}`, resourceVersion: rv, allowWatchBookmarks: true },
          (type: string, obj: V1Pod) => {
            if (started || (type !== 'ADDED' && type !== 'MODIFIED') || !running(obj, o.container)) return;
            started = true;
            hook(pod).then(() => {
              ran = true;
              if (controller) close();
            }, reject);
          },
          () => {
            if (controller) open.delete(controller);
            if (!started) resolve('ended');
          },
        )
        .then((c) => {
          controller = c;
          if (stopped) return close();
          open.add(c);
          opened();
          if (ran) close();
        }, reject);
    });

  const runPod = async (pod: string): Promise<void> => {
    for (let failures = 0; ; ) {
      if (stopped) return;
      let opened: { result: Promise<'ran' | 'ended'> } | null;
      try {
        opened = await openSlot(async () => {
          const list = await core.listNamespacedPod({ namespace: o.namespace, fieldSelector: `metadata.name=${pod}` });
          if (running(list.items[0], o.container)) return null;
          let result!: Promise<'ran' | 'ended'>;
          await new Promise<void>((ok, failed) => {
            result = watchOnce(pod, list.metadata?.resourceVersion, ok);
            result.catch(failed);
          });
          return { result };
        });
      } catch (err) {
        // A reflector retries a failed list or watch with backoff; so does this runner, a few times.
        if (++failures >= RETRIES) throw new Error(`velero-style list/watch of ${o.namespace}/${pod} failed ${failures} times: ${describe(err)}`);
        await new Promise((r) => setTimeout(r, 1000 * failures));
        continue;
      }
      nowWatching(pod);
      if (opened === null) return hook(pod); // already running when listed: Velero execs at once
      if ((await opened.result) === 'ran') return;
    }
  };

  const start = performance.now();
  const finished = Promise.all(o.pods.map(runPod)).then(() => {
    const seconds = (performance.now() - start) / 1000;
    return { hooks: done, seconds, hooksPerSec: done / seconds };
  });
  finished.catch(() => {
    stopped = true;
    markAllWatching();
    for (const c of open) c.abort();
    open.clear();
  });
  return { watching, finished };
}
