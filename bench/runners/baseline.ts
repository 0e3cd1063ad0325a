// The baseline: a plain loop at the same concurrency as hookd, calling client-node's Exec
// directly on the same pods of the same sim, each exec waited for until its status frame.
// No queue, no store, no waiting for containers: what hookd's machinery is compared with.

import type { KubeConfig } from '@kubernetes/client-node';
import { execOnce } from '../exec-client.ts';
import { eachConcurrently } from '../pool.ts';
import type { Progress } from '../progress.ts';

export interface LoopResult {
  readonly hooks: number;
  readonly seconds: number;
  readonly hooksPerSec: number;
}

export async function runBaseline(o: {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly pods: readonly string[];
  readonly container: string;
  readonly command: readonly string[];
  readonly concurrency: number;
  readonly progress: Progress;
}): Promise<LoopResult> {
  let done = 0;
  const start = performance.now();
  await eachConcurrently(o.pods, o.concurrency, async (pod) => {
    const code = await execOnce(o.kc, { namespace: o.namespace, pod, container: o.container, command: o.command }, 60_000);
    if (code !== 0) throw new Error(`baseline exec in ${o.namespace}/${pod} exited ${code}`);
    done++;
    o.progress.update(done);
  });
  const seconds = (performance.now() - start) / 1000;
  return { hooks: done, seconds, hooksPerSec: done / seconds };
}
