// Shared by the test/e2e/velero-*.test.ts files: pod manifests for the simulated cluster,
// job submission through the HTTP API, waiting on the job view (what a client would read),
// and the sim's own record of which execs reached a pod (the proof that a hook did not run).

import assert from 'node:assert/strict';
import type { JobView } from '../../src/domain/views.ts';
import type { SimCluster } from '@hookd/kube-sim';
import { api, waitForJobEnd } from '../helpers/hookd.ts';

export const A = 'post.hook.restore.velero.io/';
/** The sim's kubelet leaves such a pod Pending until the test drives its containers. */
export const MANUAL = { 'sim.hookd.io/lifecycle': 'manual' } as const;

export interface PodOptions {
  containers?: readonly string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Default true: the test decides when each container comes up. */
  manual?: boolean;
}

export function createPod(sim: SimCluster, namespace: string, name: string, opts: PodOptions = {}): void {
  const annotations = { ...(opts.manual === false ? {} : MANUAL), ...opts.annotations };
  sim.createPod(namespace, {
    metadata: { name, labels: opts.labels ?? {}, annotations },
    spec: { containers: (opts.containers ?? ['app', 'side']).map((c) => ({ name: c, image: 'x' })) },
  });
}

/** A spec entry (Velero RestoreResourceHookSpec) with one exec post hook per item, for one namespace. */
export function entry(name: string, namespace: string, execs: readonly Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, includedNamespaces: [namespace], ...extra, postHooks: execs.map((exec) => ({ exec })) };
}

export const sh = (script: string): string[] => ['/bin/sh', '-c', script];

/** POST /v1/jobs and return the id (asserting 202). */
export async function submit(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await api<{ id: string; message?: string }>(base, 'POST', '/v1/jobs', body);
  assert.equal(res.status, 202, `POST /v1/jobs: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export function jobOf(base: string, id: string): Promise<JobView> {
  return api<JobView>(base, 'GET', `/v1/jobs/${id}`).then((r) => r.body);
}

/** Polls the job view until `pred` holds (bounded), as a client would. */
export async function until(base: string, id: string, pred: (j: JobView) => boolean, what: string, timeoutMs = 15_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobOf(base, id);
    if (pred(job)) return job;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(job).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every hook of the job's pods (or of the named pods) is waiting for its container. */
export const allWaiting =
  (...pods: string[]) =>
  (j: JobView): boolean => {
    const chosen = j.pods.filter((p) => pods.length === 0 || pods.includes(p.name));
    return chosen.length > 0 && chosen.every((p) => p.hooks.length > 0 && p.hooks.every((h) => h.phase === 'waiting'));
  };

export const ended = (base: string, id: string): Promise<JobView> => waitForJobEnd<JobView>(base, id, 20_000);

export function podOf(job: JobView, name: string): JobView['pods'][number] {
  const pod = job.pods.find((p) => p.name === name);
  assert.ok(pod, `pod ${name} in job ${job.id}: ${JSON.stringify(job.pods.map((p) => p.name))}`);
  return pod;
}

export function hookOf(job: JobView, pod: string, index: number): JobView['pods'][number]['hooks'][number] {
  const hook = podOf(job, pod).hooks[index];
  assert.ok(hook, `hook ${index} of pod ${pod}`);
  return hook;
}

/** The containers that execs reached in this pod, in arrival order (the sim's record, not hookd's). */
export function execArrivals(sim: SimCluster, namespace: string, pod: string): string[] {
  return sim
    .timeline()
    .execArrived.filter((e) => e.namespace === namespace && e.pod === pod)
    .map((e) => e.container);
}

/** Lets real time pass when the rule under test is about elapsed time (a waitTimeout). */
export const elapse = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asserts that a hook never ran: failed (or skipped) with the reason, and no exec fields. */
export function assertNotRun(hook: JobView['pods'][number]['hooks'][number], phase: 'failed' | 'skipped', error: string | RegExp): void {
  assert.equal(hook.phase, phase, `hook ${hook.name}: ${JSON.stringify(hook)}`);
  if (typeof error === 'string') assert.equal(hook.error, error);
  else assert.match(hook.error ?? '', error);
  assert.equal(hook.startedAt, null);
  assert.equal(hook.exitCode, null);
  assert.equal(hook.durationMs, null);
}
