// A job whose every exec the simulated cluster counts as it starts and ends (the chaos
// suite's ledger), so a test can hold what hookd reports against what really ran: every
// hook once, none twice, none lost, each reported as it ended.

import assert from 'node:assert/strict';
import { Ledger, tally, type ReportedHook, type Tally } from '../../chaos/ledger.ts';
import { api } from '../helpers/hookd.ts';
import type { StartedSim } from '../helpers/start-sim.ts';

export interface LedgerJobView {
  id: string;
  status: string;
  finishedAt: string | null;
  summary: Record<string, number>;
  pods: Array<{ name: string; status: string; hooks: Array<{ index: number; phase: string; exitCode: number | null; error: string | null; stdout: string }> }>;
}

export interface LedgerPods {
  readonly ledger: Ledger;
  readonly namespace: string;
  readonly pods: number;
  readonly hooksPerPod: number;
  /** Execs started so far. */
  started(): number;
  /** Execs ended so far. */
  ended(): number;
}

/**
 * `pods` pods in a new namespace; each hook (`hook <i>`) is counted when it starts, takes
 * `hookMs(pod, hook)` and ends with exit 0 and a line of output naming it.
 */
export function ledgerPods(env: StartedSim, namespace: string, pods: number, hooksPerPod: number, hookMs: (pod: number, hook: number) => number): LedgerPods {
  const ledger = new Ledger();
  let started = 0;
  let ended = 0;
  env.sim.createNamespace(namespace);
  env.sim.scripts.set({ namespace }, async (ctx) => {
    const hook = Number(ctx.command[1] ?? '-1');
    const e = ledger.entry(`${ctx.pod}:${hook}`);
    e.starts++;
    started++;
    await new Promise((r) => setTimeout(r, hookMs(Number(ctx.pod.slice(2)), hook)));
    e.ends++;
    ended++;
    return { exitCode: 0, stdout: `ran ${ctx.pod} hook ${hook}\n` };
  });
  for (let i = 0; i < pods; i++) env.sim.createPod(namespace, { metadata: { name: `p-${i}` }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  return { ledger, namespace, pods, hooksPerPod, started: () => started, ended: () => ended };
}

/** POSTs the job of every pod with its hooks (retrying while Redis is away: 503). */
export async function submitLedgerJob(url: string, p: LedgerPods, headers: Record<string, string> = {}): Promise<string> {
  const postHooks = Array.from({ length: p.hooksPerPod }, (_, i) => ({ exec: { container: 'c', command: ['hook', String(i)], execTimeout: '30s' } }));
  const body = { pods: Array.from({ length: p.pods }, (_, i) => ({ namespace: p.namespace, name: `p-${i}` })), hooks: { resources: [{ name: 'ha', postHooks }] } };
  const res = await api<{ id: string }>(url, 'POST', '/v1/jobs', body, headers);
  assert.ok(res.status === 202 || res.status === 200, `${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Polls the job until it has ended; answers other than 200 (a 503 while Redis fails over) are polled through. */
export async function ledgerJobEnd(url: string, id: string, timeoutMs = 40_000): Promise<LedgerJobView> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const res = await fetch(`${url}/v1/jobs/${id}`).catch((err: unknown) => ({ status: 0, text: async () => String(err) }));
    const text = await res.text();
    if (res.status === 200) {
      const view = JSON.parse(text) as LedgerJobView;
      if (view.finishedAt !== null) return view;
    }
    last = `${res.status} ${text.slice(0, 1500)}`;
    if (Date.now() > deadline) throw new Error(`job ${id} did not end within ${timeoutMs} ms; last answer: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every hook ran exactly once and is reported succeeded with its own output; the job completed with the counts to match. */
export function assertEveryHookOnce(p: LedgerPods, view: LedgerJobView): Tally {
  const hooks: ReportedHook[] = view.pods.flatMap((pod) => pod.hooks.map((h) => ({ pod: pod.name, index: h.index, phase: h.phase, exitCode: h.exitCode, error: h.error })));
  const t = tally(p.ledger, hooks, false);
  const total = p.pods * p.hooksPerPod;
  assert.deepEqual(
    { hooks: t.hooks, once: t.once, twice: t.twice, never: t.never, misreported: t.misreported, interrupted: t.interrupted },
    { hooks: total, once: total, twice: 0, never: 0, misreported: 0, interrupted: 0 },
    t.examples.join('\n'),
  );
  // Nothing ran that the job does not list (a hook of another pod, or one started twice).
  assert.equal(p.started(), total, 'execs started');
  assert.equal(p.ended(), total, 'execs ended');
  for (const pod of view.pods) {
    assert.equal(pod.status, 'succeeded', `${pod.name}: ${pod.status}`);
    for (const h of pod.hooks) assert.equal(h.stdout, `ran ${pod.name} hook ${h.index}\n`);
  }
  assert.equal(view.status, 'completed');
  assert.equal(view.summary['hooksTotal'], total);
  assert.equal(view.summary['hooksSucceeded'], total);
  assert.equal(view.summary['hooksAttempted'], total);
  assert.equal(view.summary['hooksFailed'], 0);
  return t;
}
