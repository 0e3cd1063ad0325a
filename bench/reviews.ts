// npm run bench:reviews -- [--pods N] [--namespaces M]
// What HOOKD_AUTH=kubernetes costs the API server: one job of N explicit pods spread over M
// namespaces (default 1,000 in 10), submitted with a ServiceAccount token (`create token`)
// whose ServiceAccount is bound to `edit` in each namespace, run to its end by hookd in one
// process (API and worker share the review caches). The simulated cluster counts the
// TokenReviews and SubjectAccessReviews it answers, at the submission and in all.
// Writes bench/results/reviews.json and prints it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { startRuntime } from '../src/runtime.ts';
import { startSimCluster } from '@hookd/kube-sim';
import { removePrefix } from './redis-keys.ts';

const { values } = parseArgs({ options: { pods: { type: 'string' }, namespaces: { type: 'string' }, out: { type: 'string' } } });
const PODS = Number(values.pods ?? 1000);
const NAMESPACES = Number(values.namespaces ?? 10);
const OUT = values.out ?? join('bench', 'results');
const prefix = `hookd-bench-reviews-${process.pid}`;

function reviews(sim: Awaited<ReturnType<typeof startSimCluster>>): { tokenReviews: number; subjectAccessReviews: number } {
  const byRoute = sim.counters().requests.byRoute;
  const sum = (needle: string): number => Object.entries(byRoute).filter(([k]) => k.includes(needle)).reduce((n, [, v]) => n + v, 0);
  return { tokenReviews: sum('/tokenreviews'), subjectAccessReviews: sum('/subjectaccessreviews') };
}

const sim = await startSimCluster({ lifecycle: { scheduleMs: 1, startMs: 1, readyMs: 1 } });
const kc = new KubeConfig();
kc.loadFromString(sim.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
let stopHookd: (() => Promise<void>) | null = null;
try {
  sim.createNamespace('bench-home');
  await core.createNamespacedServiceAccount({ namespace: 'bench-home', body: { metadata: { name: 'alice' } } });
  const pods: Array<{ namespace: string; name: string }> = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `bench-${n}`;
    sim.createNamespace(ns);
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'alice-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: 'alice', namespace: 'bench-home' }],
      },
    });
  }
  for (let i = 0; i < PODS; i++) {
    const ns = `bench-${i % NAMESPACES}`;
    const name = `p-${i}`;
    sim.createPod(ns, { metadata: { name }, spec: { containers: [{ name: 'app', image: 'x' }] } });
    pods.push({ namespace: ns, name });
  }
  for (let n = 0; n < NAMESPACES; n++) sim.scripts.set({ namespace: `bench-${n}` }, () => ({ exitCode: 0, stdout: 'ok' }));
  const token = (await core.createNamespacedServiceAccountToken({ namespace: 'bench-home', name: 'alice', body: { spec: {} } })).status?.token ?? '';

  const config = loadConfig({ REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', HOOKD_REDIS_EMBEDDED: 'never', HOOKD_REDIS_PREFIX: prefix, HOOKD_PORT: '0', HOOKD_AUTH: 'kubernetes', HOOKD_LOG_LEVEL: 'warn', HOOKD_AUDIT_LOG: '/dev/null', HOOKD_MAX_WAIT: '5m' });
  const runtime = await startRuntime(config, createLogger('warn'), new Registry(), { kubeconfigText: sim.kubeconfig, seedDemo: false });
  stopHookd = () => runtime.stop();
  sim.resetCounters();

  const started = performance.now();
  const res = await fetch(`${runtime.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ pods, hooks: { resources: [{ name: 'h', postHooks: [{ exec: { container: 'app', command: ['true'] } }] }] } }),
  });
  const created = (await res.json()) as { id?: string; message?: string };
  if (res.status !== 202 || !created.id) throw new Error(`POST /v1/jobs answered ${res.status}: ${JSON.stringify(created)}`);
  const submitMs = performance.now() - started;
  const atSubmission = reviews(sim);
  let status = '';
  for (;;) {
    const view = (await (await fetch(`${runtime.url}/v1/jobs/${created.id}?view=summary`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; finishedAt: string | null };
    status = view.status;
    if (view.finishedAt) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const total = reviews(sim);
  const report = {
    measuredAt: new Date().toISOString(),
    pods: PODS,
    namespaces: NAMESPACES,
    jobStatus: status,
    submitMs: Math.round(submitMs),
    totalMs: Math.round(performance.now() - started),
    atSubmission,
    total,
    note: 'API and worker in one process share the review caches (SubjectAccessReview answers live 10 s); a worker in another process asks its own once per namespace',
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'reviews.json'), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
} finally {
  await stopHookd?.();
  await sim.stop();
  await removePrefix(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', prefix);
}
