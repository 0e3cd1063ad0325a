// hookd's processes start cold: a phase warms them on a job of running pods before it
// times anything, so its figures carry no JIT, first TLS handshake, script load or first
// namespace list that a long-running worker does not pay.

import { benchHooks, followJob, getJob, hooksDone, lastHookFinishedMs, postJob } from '../hookd/client.ts';
import type { BenchContext, HookdPair } from '../context.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { HOOK_COMMAND } from './throughput.ts';

/**
 * Runs one hook on each of `pods` (in `namespace`) through the pair, to its end. With
 * `comingUp`, the pods' containers are not running yet: the warm-up waits until every hook
 * waits, then sets the containers running one by one, so the path a pod coming up takes
 * (its wait, its wake-up, the sim's status change and watch event) is warm too.
 */
export async function warmUpHookd(ctx: BenchContext, pair: HookdPair, namespace: string, pods: readonly string[], label: string, comingUp = false): Promise<void> {
  ctx.progress.step(`hookd warm-up (${label})`, pods.length);
  const job = await postJob(pair.url, {
    restore: `bench-${namespace}-warm`,
    pods: pods.map((name) => ({ namespace, name })),
    hooks: benchHooks(namespace, HOOK_COMMAND, BENCH_CONTAINER, '1m'),
  });
  if (comingUp) {
    const deadline = Date.now() + 60_000;
    while (!(await getJob(pair.url, job)).pods.every((p) => p.hooks.length > 0 && p.hooks.every((h) => h.phase === 'waiting'))) {
      if (Date.now() > deadline) throw new Error(`the warm-up's ${pods.length} pods did not all wait within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await ctx.sim.call('setRunning', { namespace, names: [...pods], intervalMs: ctx.opts.reactionIntervalMs });
  }
  await followJob(pair.url, job, { timeoutMs: 5 * 60_000, crashed: pair.crashed, onProgress: (s) => ctx.progress.update(hooksDone(s.summary)) });
  // Throws unless every hook of the warm-up ran.
  lastHookFinishedMs(await getJob(pair.url, job));
}
