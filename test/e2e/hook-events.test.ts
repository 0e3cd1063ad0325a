// Kubernetes Events for hooks (api.md "Hook results in the cluster"), end to end: the whole
// service on the simulated cluster, read back with the real kubectl as a user would
// (`kubectl describe pod`, `kubectl get events`): HookSucceeded and HookFailed after a job, a
// repeated Event aggregated into one with a count, the Velero Restore as the related object,
// HOOKD_EVENTS=false writing none, and an Events API that fails without failing a hook.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi, EventsV1Api, type EventsV1Event } from '@kubernetes/client-node';
import { api, startHookd, type TestHookd } from '../helpers/hookd.ts';
import { kubectlEnv } from '../helpers/kubectl.ts';
import { startSim } from '../helpers/start-sim.ts';
import { createPod, ended, entry, hookOf, sh, submit } from './velero-support.ts';

const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const { sim } = env;
const k = kubectlEnv(env.kubeconfigPath);
after(() => k.dispose());
const eventsApi = env.kc.makeApiClient(EventsV1Api);

const NS = 'hooked';
sim.createNamespace(NS);
sim.createNamespace('velero');

/** The pod's hook Events once `count` of them are there (they are written after the hook, in the background). */
async function hookEventsOf(namespace: string, pod: string, count: number): Promise<EventsV1Event[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const items = (await eventsApi.listNamespacedEvent({ namespace, fieldSelector: `regarding.name=${pod},reportingController=hookd.io/hookd` })).items;
    if (items.length >= count) return items;
    if (Date.now() > deadline) throw new Error(`expected ${count} Events about ${namespace}/${pod}, found ${items.length}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function kubectl(...args: string[]): Promise<string> {
  const r = await k.run(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const exec = (command: string[]) => ({ container: 'app', command, execTimeout: '10s' });

describe('hook Events on the simulated cluster', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig });
  });
  after(async () => hookd?.stop());

  test('kubectl describe pod shows HookSucceeded and HookFailed after a job; kubectl get events lists them', async () => {
    createPod(sim, NS, 'ok-0', { manual: false, containers: ['app'] });
    createPod(sim, NS, 'bad-0', { manual: false, containers: ['app'] });
    const ok = await submit(hookd.url, { pods: [{ namespace: NS, name: 'ok-0' }], hooks: { resources: [entry('greet', NS, [exec(sh('echo secret-output'))])] } });
    const bad = await submit(hookd.url, { pods: [{ namespace: NS, name: 'bad-0' }], hooks: { resources: [entry('migrate', NS, [exec(sh('echo secret-output; exit 3'))])] } });
    assert.equal((await ended(hookd.url, ok)).status, 'completed');
    assert.equal((await ended(hookd.url, bad)).status, 'partially_failed');
    await hookEventsOf(NS, 'ok-0', 1);
    await hookEventsOf(NS, 'bad-0', 1);

    const okPod = await kubectl('describe', 'pod', '-n', NS, 'ok-0');
    assert.match(okPod, new RegExp(`Normal\\s+HookSucceeded\\s+\\S+\\s+hookd\\.io/hookd\\s+hook greet in container app succeeded, exit code 0 \\(job ${ok}\\)`));
    const badPod = await kubectl('describe', 'pod', '-n', NS, 'bad-0');
    assert.match(badPod, new RegExp(`Warning\\s+HookFailed\\s+\\S+\\s+hookd\\.io/hookd\\s+hook migrate in container app failed, exit code 3 \\(job ${bad}\\)`));
    assert.doesNotMatch(okPod + badPod, /secret-output/, 'never the output');

    const list = await kubectl('get', 'events', '-n', NS);
    assert.match(list, /Normal\s+HookSucceeded\s+pod\/ok-0\s+hook greet/);
    assert.match(list, /Warning\s+HookFailed\s+pod\/bad-0\s+hook migrate/);
    const [e] = await hookEventsOf(NS, 'bad-0', 1);
    assert.equal(e?.action, 'ExecHook');
    assert.match(e?.reportingInstance ?? '', /-w[0-9a-f]{16}$/);
    assert.equal(e?.related, undefined, 'no Restore behind this job');
  });

  test('a repeated Event is one Event with a count', async () => {
    createPod(sim, NS, 'twice-0', { manual: false, containers: ['app'] });
    // The same hook twice in one entry: the same note, so one Event whose series counts 2.
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'twice-0' }], hooks: { resources: [entry('check', NS, [exec(sh('exit 4')), exec(sh('exit 4'))])] } });
    const job = await ended(hookd.url, id);
    assert.deepEqual([hookOf(job, 'twice-0', 0).exitCode, hookOf(job, 'twice-0', 1).exitCode], [4, 4]);
    const deadline = Date.now() + 10_000;
    let events = await hookEventsOf(NS, 'twice-0', 1);
    while ((events[0]?.series?.count ?? 1) < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      events = await hookEventsOf(NS, 'twice-0', 1);
    }
    assert.equal(events.length, 1);
    assert.equal(events[0]?.series?.count, 2);
    const described = await kubectl('describe', 'pod', '-n', NS, 'twice-0');
    assert.match(described, /Warning\s+HookFailed\s+\S+ \(x2 over \S+\)\s+hookd\.io\/hookd\s+hook check in container app failed, exit code 4/);
  });

  test("a Restore's job names the Restore as each Event's related object", async () => {
    const custom = env.kc.makeApiClient(CustomObjectsApi);
    const restore = (await custom.createNamespacedCustomObject({
      group: 'velero.io',
      version: 'v1',
      namespace: 'velero',
      plural: 'restores',
      body: { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'nightly' }, spec: { hooks: { resources: [entry('warm', NS, [exec(sh('true'))])] } } },
    })) as { metadata: { uid: string } };
    createPod(sim, NS, 'restored-0', { manual: false, containers: ['app'], labels: { 'velero.io/restore-name': 'nightly' } });
    const post = await api<{ id: string }>(hookd.url, 'POST', '/v1/velero/restores/velero/nightly/jobs');
    assert.equal(post.status, 202);
    assert.equal((await ended(hookd.url, post.body.id)).status, 'completed');
    const [e] = await hookEventsOf(NS, 'restored-0', 1);
    assert.deepEqual({ ...e?.related }, { apiVersion: 'velero.io/v1', kind: 'Restore', namespace: 'velero', name: 'nightly', uid: restore.metadata.uid });
    assert.equal(e?.reason, 'HookSucceeded');
  });

  test('an Events API failure does not fail the hook; it is logged and counted', async () => {
    createPod(sim, NS, 'fault-0', { manual: false, containers: ['app'] });
    const fault = sim.faults.add({ kind: 'error', status: 500, match: { resource: 'events' } });
    try {
      const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'fault-0' }], hooks: { resources: [entry('ok', NS, [exec(sh('true'))])] } });
      const job = await ended(hookd.url, id);
      assert.equal(job.status, 'completed');
      assert.equal(hookOf(job, 'fault-0', 0).phase, 'succeeded');
      const deadline = Date.now() + 10_000;
      while (!hookd.logs.lines.some((l) => l['msg'] === 'hook Event not written' && l['pod'] === 'fault-0')) {
        assert.ok(Date.now() < deadline, 'the failed write is logged');
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      sim.faults.remove(fault);
    }
    const line = hookd.logs.lines.find((l) => l['msg'] === 'hook Event not written' && l['pod'] === 'fault-0');
    assert.equal(line?.['jobId'] !== undefined, true);
    const metrics = await fetch(`${hookd.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /hookd_events_failed_total\{verb="create"\} [1-9]/);
    assert.equal((await eventsApi.listNamespacedEvent({ namespace: NS, fieldSelector: 'regarding.name=fault-0' })).items.length, 0);
  });
});

describe('HOOKD_EVENTS=false', () => {
  test('writes no Event', async (t) => {
    const quiet = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } }, t);
    quiet.sim.createNamespace(NS);
    const hookd = await startHookd({ kubeconfig: quiet.sim.kubeconfig, env: { HOOKD_EVENTS: 'false' } });
    t.after(() => hookd.stop());
    createPod(quiet.sim, NS, 'silent-0', { manual: false, containers: ['app'] });
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'silent-0' }], hooks: { resources: [entry('ok', NS, [exec(sh('exit 1'))])] } });
    assert.equal((await ended(hookd.url, id)).status, 'partially_failed');
    // With Events on, the write is handed over before the pod's result is recorded as done;
    // leave a generous moment for any stray one to arrive before looking.
    await new Promise((r) => setTimeout(r, 500));
    const routes = Object.keys(quiet.sim.counters().requests.byRoute).filter((r) => r.includes('/events'));
    assert.deepEqual(routes, []);
    assert.equal((await quiet.kc.makeApiClient(EventsV1Api).listEventForAllNamespaces()).items.length, 0);
    const metrics = await fetch(`${hookd.url}/metrics`).then((r) => r.text());
    assert.doesNotMatch(metrics, /hookd_events_written_total/);
  });
});
