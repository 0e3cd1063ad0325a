// The chart's own RBAC on the simulated cluster, which enforces RBAC as an API server does:
// its ServiceAccounts, ClusterRoles and bindings are applied with the real kubectl, hookd's
// api and worker run with tokens of those ServiceAccounts (kubectl create token), and the
// demo jobs end as they do with full rights, with no request of hookd's refused. Then each
// rule is taken away in turn, and hookd's run must hit a 403 that names exactly what the
// rule granted.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { renderKubeconfig } from '@hookd/kube-sim';
import { seedDemo } from '../../src/demo.ts';
import { CHART_DIR, helm } from '../../tools/helm.ts';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { kubectlEnv } from '../helpers/kubectl.ts';
import { testPrefix } from '../helpers/redis.ts';
import { startSim } from '../helpers/start-sim.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

interface RbacObject {
  kind: string;
  metadata: { name: string };
  rules?: Rule[];
}

interface JobEnd {
  status: string;
  summary: Record<string, number>;
  pods: Array<{ name: string; status: string; hooks: Array<{ phase: string }> }>;
}

const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const { sim } = env;
const k = kubectlEnv(env.kubeconfigPath);
after(() => k.dispose());

const API_USER = 'system:serviceaccount:hookd:hookd-api';
const WORKER_USER = 'system:serviceaccount:hookd:hookd-worker';

async function kubectl(...args: string[]): Promise<string> {
  const r = await k.run(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function applyObjects(objects: readonly object[]): Promise<void> {
  const file = join(k.home, `rbac-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, objects.map((o) => `---\n${stringify(o)}`).join(''));
  await kubectl('apply', '-f', file);
}

/** The chart's ServiceAccounts and RBAC objects, default values, release hookd in namespace hookd. */
async function chartRbac(): Promise<RbacObject[]> {
  const r = await helm(['template', 'hookd', CHART_DIR, '--namespace', 'hookd', '--show-only', 'templates/serviceaccounts.yaml', '--show-only', 'templates/rbac.yaml']);
  assert.equal(r.code, 0, r.stderr);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as RbacObject | null)
    .filter((o): o is RbacObject => o !== null);
}

function kubeconfigFor(token: string): string {
  return renderKubeconfig(sim.url, sim.ca, token);
}

/** A pair of hookd processes (api and worker) as the chart runs them, on one Redis prefix. */
async function startPair(apiToken: string, workerToken: string): Promise<{ api: TestHookd; worker: TestHookd; stop(): Promise<void> }> {
  const prefix = testPrefix();
  const common = { HOOKD_AUTH: 'kubernetes', HOOKD_SHUTDOWN_TIMEOUT: '1s' };
  const worker = await startHookd({ kubeconfig: kubeconfigFor(workerToken), prefix, removeKeys: false, env: { ...common, HOOKD_ROLE: 'worker' } });
  const apiProc = await startHookd({ kubeconfig: kubeconfigFor(apiToken), prefix, env: { ...common, HOOKD_ROLE: 'api' }, runtime: { reviewCache: { accessTtlMs: 0 } } });
  return {
    api: apiProc,
    worker,
    async stop() {
      await worker.stop();
      await apiProc.stop();
    },
  };
}

const caller = { authorization: `Bearer ${sim.token}` };

/** The README's demo jobs: the Velero Restore's, and explicit pods with a spec hook. */
async function runDemoJobs(base: string, timeoutMs: number): Promise<Array<JobEnd | string>> {
  const results: Array<JobEnd | string> = [];
  const posts: Array<[string, unknown]> = [
    ['/v1/velero/restores/velero/demo-restore/jobs', undefined],
    [
      '/v1/jobs',
      {
        pods: [{ namespace: 'demo', name: 'cache-0' }],
        hooks: { resources: [{ name: 'say-hello', includedNamespaces: ['demo'], postHooks: [{ exec: { container: 'redis', command: ['/bin/sh', '-c', 'echo hello'] } }] }] },
      },
    ],
  ];
  for (const [path, body] of posts) {
    // A dry run reads the live pods with the api's own identity, as a real job's workers do with theirs.
    const dry = await api<{ pods?: Array<{ name: string; status: string }>; code?: string }>(base, 'POST', `${path}?dryRun=true`, body ?? {}, caller);
    results.push(dry.status === 200 ? `dry run: ${JSON.stringify(dry.body.pods?.map((p) => `${p.name} ${p.status}`))}` : `dry run ${path}: ${dry.status} ${dry.body.code ?? ''}`);
    const r = await api<{ id?: string; code?: string; message?: string }>(base, 'POST', path, body ?? {}, caller);
    if (r.status !== 202 || !r.body.id) {
      results.push(`POST ${path}: ${r.status} ${r.body.code ?? ''} ${r.body.message ?? ''}`);
      continue;
    }
    results.push(await waitForJobEnd<JobEnd>(base, r.body.id, timeoutMs, caller).catch((err: unknown) => (err instanceof Error ? err.message : String(err))));
  }
  return results;
}

/** hookd's own refusals since the last reset: 403 messages naming one of its ServiceAccounts. */
function hookdRefusals(): string[] {
  return Object.keys(sim.counters().requests.forbidden).filter((m) => m.includes(API_USER) || m.includes(WORKER_USER));
}

/** The shape of a job's end that does not depend on ids and times. */
function outcome(r: JobEnd | string): unknown {
  if (typeof r === 'string') return r;
  return { status: r.status, summary: r.summary, pods: r.pods.map((p) => ({ name: p.name, status: p.status, phases: p.hooks.map((h) => h.phase) })) };
}

describe("the chart's RBAC on the simulated cluster", () => {
  let objects: RbacObject[] = [];
  let apiToken = '';
  let workerToken = '';
  let expected: unknown[] = [];

  before(async () => {
    await seedDemo(env.kc);
    await kubectl('create', 'namespace', 'hookd');
    objects = await chartRbac();
    await applyObjects(objects);
    apiToken = (await kubectl('create', 'token', 'hookd-api', '-n', 'hookd')).trim();
    workerToken = (await kubectl('create', 'token', 'hookd-worker', '-n', 'hookd')).trim();
  });

  it('applies with kubectl: two ServiceAccounts, a ClusterRole and binding per role and for its reviews', () => {
    const kinds = objects.map((o) => `${o.kind} ${o.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      'ClusterRole hookd-api',
      'ClusterRole hookd-api-reviews',
      'ClusterRole hookd-worker',
      'ClusterRole hookd-worker-reviews',
      'ClusterRoleBinding hookd-api',
      'ClusterRoleBinding hookd-api-reviews',
      'ClusterRoleBinding hookd-worker',
      'ClusterRoleBinding hookd-worker-reviews',
      'ServiceAccount hookd-api',
      'ServiceAccount hookd-worker',
    ]);
  });

  it("runs the demo jobs with the chart's identities as with full rights, and hookd is never refused", async () => {
    // With the cluster admin's credentials for both roles: the reference outcome.
    const admin = await startPair(sim.token, sim.token);
    try {
      expected = (await runDemoJobs(admin.api.url, 30_000)).map(outcome);
    } finally {
      await admin.stop();
    }
    assert.match(String(expected[0]), /^dry run: \["cache-0 planned"/, JSON.stringify(expected[0]));
    assert.equal((expected[1] as { status: string }).status, 'partially_failed', JSON.stringify(expected[1]));
    assert.equal((expected[3] as { status: string }).status, 'completed', JSON.stringify(expected[3]));

    sim.resetCounters();
    const pair = await startPair(apiToken, workerToken);
    try {
      const got = (await runDemoJobs(pair.api.url, 30_000)).map(outcome);
      assert.deepEqual(got, expected);
    } finally {
      await pair.stop();
    }
    assert.deepEqual(hookdRefusals(), [], 'every call hookd made was allowed');
  });

  it("a caller set up as the chart's NOTES say runs a job with its own token", async () => {
    const notes = (await helm(['install', '--dry-run=client', 'hookd', CHART_DIR, '--namespace', 'hookd'])).stdout.split('NOTES:')[1] ?? '';
    const steps = notes
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('kubectl -n <namespace> create ') && !l.includes(' token '));
    assert.equal(steps.length, 5, notes);
    // Run as written: kubectl create sends these kinds as protobuf, which the sim decodes.
    for (const step of steps) await kubectl(...step.replaceAll('<namespace>', 'demo').split(' ').slice(1));
    const token = (await kubectl('-n', 'demo', 'create', 'token', 'restore-operator')).trim();
    const pair = await startPair(apiToken, workerToken);
    try {
      const as = { authorization: `Bearer ${token}` };
      const body = { pods: [{ namespace: 'demo', name: 'cache-1' }], hooks: { resources: [{ name: 'n', postHooks: [{ exec: { container: 'redis', command: ['true'] } }] }] } };
      const r = await api<{ id: string }>(pair.api.url, 'POST', '/v1/jobs', body, as);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const end = await waitForJobEnd<JobEnd>(pair.api.url, r.body.id, 20_000, as);
      assert.equal(end.status, 'completed', JSON.stringify(end));
    } finally {
      await pair.stop();
    }
  });

  it('each rule is needed: without it, hookd is refused with a 403 that names what the rule granted', async () => {
    const roles = objects.filter((o) => o.kind === 'ClusterRole');
    const tried: string[] = [];
    for (const role of roles) {
      for (const [i, rule] of (role.rules ?? []).entries()) {
        const label = `${role.metadata.name.replace(/-reviews$/, '')} ${rule.apiGroups.join(',')} ${rule.resources.join(',')}`.replace('  ', ' core ');
        tried.push(label);
        await applyObjects([{ ...role, rules: (role.rules ?? []).filter((_, j) => j !== i) }]);
        sim.resetCounters();
        const pair = await startPair(apiToken, workerToken).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
        try {
          if (!(pair instanceof Error)) await runDemoJobs(pair.api.url, 6_000);
        } finally {
          if (!(pair instanceof Error)) await pair.stop();
          await applyObjects([role]);
        }
        const user = role.metadata.name.startsWith('hookd-api') ? API_USER : WORKER_USER;
        const refusals = hookdRefusals();
        const named = refusals.filter(
          (m) => m.includes(user) && rule.verbs.some((v) => m.includes(`cannot ${v} resource`)) && rule.resources.some((r) => m.includes(`resource "${r}"`)) && rule.apiGroups.some((g) => m.includes(`in API group "${g}"`)),
        );
        assert.ok(named.length > 0, `without ${role.metadata.name}'s rule ${JSON.stringify(rule)}, hookd was not refused for it; refusals: ${JSON.stringify(refusals)}`);
      }
    }
    assert.equal(tried.length, 8, tried.join('; '));
  });

  it('kubectl lists the hook Events the workers wrote (the events.k8s.io rule is proven needed above)', async () => {
    const events = await kubectl('get', 'events.v1.events.k8s.io', '-A', '--field-selector', 'reportingController=hookd.io/hookd', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}');
    assert.match(events, /HookSucceeded/);
    assert.match(events, /HookFailed/);
  });
});
