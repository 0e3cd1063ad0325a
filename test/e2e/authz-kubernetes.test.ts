// HOOKD_AUTH=kubernetes end to end, on the simulated cluster with its RBAC, set up and
// checked with the real kubectl (issue 10's proof):
//   namespace team-a, ServiceAccount alice bound to `edit` there (and to `view` in team-b),
//   ServiceAccount bob with no binding; tokens from `kubectl create token`.
// Alice's job on team-a pods runs; her job naming a kube-system pod is 403 and nothing is
// queued or executed; her selector without namespaces covers team-a (run) and team-b (listed
// but not exec-able: skipped as forbidden), never kube-system; bob gets 404 for her job and
// cannot cancel it; deleting her RoleBinding while her pod waits skips its hooks; `kubectl
// auth can-i --as` agrees with every decision; the audit stream has a line for each.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobView } from '../../src/domain/views.ts';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { kubectlEnv } from '../helpers/kubectl.ts';
import { startSim } from '../helpers/start-sim.ts';
import { createPod, sh } from './velero-support.ts';

const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const { sim } = env;
const k = kubectlEnv(env.kubeconfigPath);
after(() => k.dispose());

const ALICE = 'system:serviceaccount:team-a:alice';
const RBAC = `apiVersion: v1
kind: Namespace
metadata: { name: team-a }
---
apiVersion: v1
kind: Namespace
metadata: { name: team-b }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: alice, namespace: team-a }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: bob, namespace: team-a }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: alice-edit, namespace: team-a }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit }
subjects: [ { kind: ServiceAccount, name: alice, namespace: team-a } ]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: alice-view, namespace: team-b }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }
subjects: [ { kind: ServiceAccount, name: alice, namespace: team-a } ]
`;

async function kubectl(...args: string[]): Promise<string> {
  const r = await k.run(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `kubectl auth can-i ... --as alice`: true for yes (exit 0), false for no (exit 1). */
async function aliceCan(...args: string[]): Promise<boolean> {
  const r = await k.run(['auth', 'can-i', ...args, `--as=${ALICE}`]);
  assert.ok(r.code === 0 || r.code === 1, `kubectl auth can-i ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout.trim(), r.code === 0 ? 'yes' : 'no');
  return r.code === 0;
}

const HOOK = { resources: [{ name: 'hello', postHooks: [{ exec: { container: 'app', command: sh('echo exec-ok in $HOSTNAME'), execTimeout: '10s' } }] }] };

interface ErrorBody {
  code: string;
  message: string;
}

describe('HOOKD_AUTH=kubernetes on the simulated cluster', () => {
  let hookd: TestHookd;
  let aliceToken = '';
  let bobToken = '';
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const post = (token: string, body: unknown) => api<{ id: string } & ErrorBody>(hookd.url, 'POST', '/v1/jobs', body, as(token));
  const job = (token: string, id: string) => api<JobView & ErrorBody>(hookd.url, 'GET', `/v1/jobs/${id}`, undefined, as(token));

  before(async () => {
    const file = join(k.home, 'rbac.yaml');
    writeFileSync(file, RBAC);
    await kubectl('apply', '-f', file);
    aliceToken = (await kubectl('create', 'token', 'alice', '-n', 'team-a')).trim();
    bobToken = (await kubectl('create', 'token', 'bob', '-n', 'team-a')).trim();
    for (const [ns, name] of [['team-a', 'app-0'], ['team-a', 'app-1'], ['team-b', 'app-b'], ['kube-system', 'etcd-node1']] as const) {
      createPod(sim, ns, name, { containers: ['app'], labels: { tier: 'hooked' }, manual: false });
    }
    // Reviews are not cached, so a revoked binding shows at the next exec.
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_AUTH: 'kubernetes' }, runtime: { reviewCache: { accessTtlMs: 0 } } });
  });
  after(async () => hookd?.stop());

  it('kubectl auth whoami and auth can-i --list know alice as the sim knows her', async () => {
    assert.match(await kubectl('auth', 'whoami', `--as=${ALICE}`), new RegExp(ALICE.replace(/[.:]/g, '\\$&')));
    const rules = await kubectl('auth', 'can-i', '--list', '-n', 'team-a', `--as=${ALICE}`);
    assert.match(rules, /pods\/exec/);
    assert.doesNotMatch(await kubectl('auth', 'can-i', '--list', '-n', 'kube-system', `--as=${ALICE}`), /pods\/exec/);
  });

  it('kubectl auth can-i --as alice: exec and list in team-a; list but not exec in team-b; nothing in kube-system', async () => {
    assert.equal(await aliceCan('create', 'pods', '--subresource=exec', '-n', 'team-a'), true);
    assert.equal(await aliceCan('get', 'pods', '--subresource=exec', '-n', 'team-a'), true);
    assert.equal(await aliceCan('list', 'pods', '-n', 'team-b'), true);
    assert.equal(await aliceCan('create', 'pods', '--subresource=exec', '-n', 'team-b'), false);
    assert.equal(await aliceCan('create', 'pods', '--subresource=exec', '-n', 'kube-system'), false);
    assert.equal(await aliceCan('list', 'pods', '-n', 'kube-system'), false);
  });

  it('401 without a token or with one the cluster does not accept', async () => {
    assert.equal((await api(hookd.url, 'GET', '/v1/jobs')).status, 401);
    assert.equal((await api(hookd.url, 'GET', '/v1/jobs', undefined, as('not-a-token'))).status, 401);
  });

  let aliceJob = '';
  it("alice's job on team-a pods runs, owned by her", async () => {
    const r = await post(aliceToken, { pods: [{ namespace: 'team-a', name: 'app-0' }], hooks: HOOK });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    aliceJob = r.body.id;
    const done = await waitForJobEnd<JobView>(hookd.url, aliceJob, 20_000, as(aliceToken));
    const view = (await job(aliceToken, aliceJob)).body;
    assert.equal(view.status, 'completed', JSON.stringify(done).slice(0, 1000));
    assert.deepEqual(view.owner, { name: ALICE, kind: 'user' });
    assert.equal(view.pods[0]?.hooks[0]?.stdout, 'exec-ok in app-0\n');
  });

  it('her job naming a kube-system pod is 403 HOOKD_FORBIDDEN naming it; nothing is queued or executed', async () => {
    const execsBefore = sim.counters().requests.byPod['kube-system/etcd-node1'] ?? 0;
    const listBefore = (await api<{ jobs: unknown[] }>(hookd.url, 'GET', '/v1/jobs', undefined, as(aliceToken))).body.jobs.length;
    const r = await post(aliceToken, { pods: [{ namespace: 'team-a', name: 'app-1' }, { namespace: 'kube-system', name: 'etcd-node1' }], hooks: HOOK });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'HOOKD_FORBIDDEN');
    assert.match(r.body.message, /user "system:serviceaccount:team-a:alice" may not create pods\/exec in namespace "kube-system" \(pod kube-system\/etcd-node1, body\.pods\[1\]\)/);
    const listAfter = (await api<{ jobs: unknown[] }>(hookd.url, 'GET', '/v1/jobs', undefined, as(aliceToken))).body.jobs.length;
    assert.equal(listAfter, listBefore, 'no job was created');
    assert.equal(sim.counters().requests.byPod['kube-system/etcd-node1'] ?? 0, execsBefore, 'hookd did not even read the pod');
  });

  it('her selector without namespaces runs in team-a; team-b pods are skipped as forbidden; kube-system is not in the job', async () => {
    // Its dry run first: the same pods, the same refusal, nothing executed.
    const execs = sim.counters().exec.started;
    const dry = await api<{ pods: { namespace: string; name: string; status: string; warnings: string[]; hooks: unknown[] }[] }>(
      hookd.url, 'POST', '/v1/jobs?dryRun=true', { selector: { labelSelector: 'tier=hooked' }, hooks: HOOK }, as(aliceToken),
    );
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body.pods.map((p) => [`${p.namespace}/${p.name}`, p.status, p.hooks.length]), [['team-a/app-0', 'planned', 1], ['team-a/app-1', 'planned', 1], ['team-b/app-b', 'forbidden', 0]]);
    assert.deepEqual(dry.body.pods[2]?.warnings, [`forbidden: ${ALICE} may not create pods/exec in team-b: its hooks would be skipped`]);
    const dryForbidden = await api<ErrorBody>(hookd.url, 'POST', '/v1/jobs?dryRun=true', { pods: [{ namespace: 'kube-system', name: 'etcd-node1' }], hooks: HOOK }, as(aliceToken));
    assert.equal(dryForbidden.status, 403);
    assert.equal(dryForbidden.body.code, 'HOOKD_FORBIDDEN');
    assert.equal(sim.counters().exec.started, execs, 'the dry runs executed nothing');

    const r = await post(aliceToken, { selector: { labelSelector: 'tier=hooked' }, hooks: HOOK });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const final = await waitForJobEnd<JobView>(hookd.url, r.body.id, 20_000, as(aliceToken));
    const names = final.pods.map((p) => `${p.namespace}/${p.name}`);
    assert.deepEqual(names, ['team-a/app-0', 'team-a/app-1', 'team-b/app-b']);
    for (const p of final.pods.filter((p) => p.namespace === 'team-a')) assert.equal(p.hooks[0]?.phase, 'succeeded');
    const b = final.pods.find((p) => p.namespace === 'team-b');
    assert.equal(b?.hooks[0]?.phase, 'skipped');
    assert.equal(b?.hooks[0]?.error, `forbidden: ${ALICE} may not create pods/exec in team-b`);
  });

  it('bob gets 404 for her job, its events, and cannot cancel it', async () => {
    for (const [method, path] of [['GET', `/v1/jobs/${aliceJob}`], ['GET', `/v1/jobs/${aliceJob}/events`], ['DELETE', `/v1/jobs/${aliceJob}`]] as const) {
      const r = await api<ErrorBody>(hookd.url, method, path, undefined, as(bobToken));
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.code, 'HOOKD_JOB_NOT_FOUND');
    }
    const bobsList = (await api<{ jobs: unknown[] }>(hookd.url, 'GET', '/v1/jobs', undefined, as(bobToken))).body.jobs;
    assert.equal(bobsList.length, 0);
    assert.equal((await job(aliceToken, aliceJob)).body.status, 'completed');
  });

  it('deleting her RoleBinding while her pod waits skips its hooks as forbidden; nothing runs', async () => {
    createPod(sim, 'team-a', 'late-0', { containers: ['app'] }); // manual: waits until the test starts it
    const r = await post(aliceToken, { pods: [{ namespace: 'team-a', name: 'late-0' }], hooks: HOOK });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    for (let i = 0; i < 200; i++) {
      const v = (await job(aliceToken, r.body.id)).body;
      if (v.pods[0]?.hooks[0]?.phase === 'waiting') break;
      await new Promise((res) => setTimeout(res, 25));
    }
    await kubectl('delete', 'rolebinding', 'alice-edit', '-n', 'team-a');
    assert.equal(await aliceCan('create', 'pods', '--subresource=exec', '-n', 'team-a'), false);
    const before = sim.counters().exec.started;
    sim.setContainerState('team-a', 'late-0', 'app', 'running', { ready: true });
    let view = (await job(aliceToken, r.body.id)).body;
    for (let i = 0; i < 400 && view.finishedAt === null; i++) {
      await new Promise((res) => setTimeout(res, 50));
      view = (await job(aliceToken, r.body.id)).body;
    }
    assert.equal(view.pods[0]?.hooks[0]?.phase, 'skipped');
    assert.equal(view.pods[0]?.hooks[0]?.error, `forbidden: ${ALICE} may not create pods/exec in team-a`);
    assert.equal(sim.counters().exec.started, before, 'no exec reached the cluster');
  });

  it('the audit stream has a line for each decision, with who and the whole command, never a token', async () => {
    let lines: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100; i++) {
      lines = hookd.audit();
      if (lines.filter((l) => l['event'] === 'access.denied').length >= 3) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const of = (event: string) => lines.filter((l) => l['event'] === event);
    assert.ok(of('job.submitted').some((l) => l['user'] === ALICE && l['jobId'] === aliceJob));
    assert.ok(of('hook.exec.started').some((l) => l['jobId'] === aliceJob && l['pod'] === 'app-0' && JSON.stringify(l['command']).includes('exec-ok')));
    assert.ok(of('hook.exec.ended').some((l) => l['jobId'] === aliceJob && l['phase'] === 'succeeded' && l['exitCode'] === 0));
    assert.ok(of('access.denied').some((l) => l['user'] === ALICE && String(l['reason']).includes('kube-system')));
    assert.ok(of('access.denied').some((l) => l['user'] === ALICE && l['pod'] === 'app-b'));
    assert.ok(of('access.denied').some((l) => String(l['user']).endsWith(':bob') && l['jobId'] === aliceJob));
    for (const l of lines) assert.deepEqual(l['groups'] !== undefined, true);
    const text = JSON.stringify(lines);
    assert.ok(!text.includes(aliceToken) && !text.includes(bobToken), 'no token');
    assert.ok(!text.includes('exec-ok in app-0\\n'), 'no output');
  });
});
