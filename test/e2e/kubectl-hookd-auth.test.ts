// kubectl-hookd with HOOKD_AUTH=kubernetes on the simulated cluster: the token comes from
// the current kubeconfig context as kubectl's own does (KUBECONFIG, --kubeconfig,
// --context; token and tokenFile), --token and HOOKD_TOKEN override it, and hookd's
// answers (401 without a token, 403 and 404 for a caller without rights) print as server
// errors. Tokens are the sim's ServiceAccount tokens from `kubectl create token`; RBAC is
// set up with the real kubectl, as in authz-kubernetes.test.ts.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import type { JobView } from '../../src/domain/views.ts';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { kubectlEnv, kubectlPath } from '../helpers/kubectl.ts';
import { buildPlugin, spawnCollect, type BuiltPlugin } from '../helpers/kubectl-hookd.ts';
import { startSim } from '../helpers/start-sim.ts';
import { createPod } from './velero-support.ts';

const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const k = kubectlEnv(env.kubeconfigPath);
after(() => k.dispose());

const ALICE = 'system:serviceaccount:team-a:alice';
const RBAC = `apiVersion: v1
kind: Namespace
metadata: { name: team-a }
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
`;

async function kubectl(...args: string[]): Promise<string> {
  const r = await k.run(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('kubectl hookd with HOOKD_AUTH=kubernetes', () => {
  let plugin: BuiltPlugin;
  let hookd: TestHookd;
  let aliceToken = '';
  let bobToken = '';
  const files = { alice: '', both: '', aliceFile: '' };
  const hooks = join(k.home, 'hooks.json');

  before(async () => {
    const rbac = join(k.home, 'rbac.yaml');
    writeFileSync(rbac, RBAC);
    await kubectl('apply', '-f', rbac);
    aliceToken = (await kubectl('create', 'token', 'alice', '-n', 'team-a')).trim();
    bobToken = (await kubectl('create', 'token', 'bob', '-n', 'team-a')).trim();
    createPod(env.sim, 'team-a', 'app-0', { containers: ['app'], manual: false });
    writeFileSync(hooks, JSON.stringify({ resources: [{ name: 'hello', postHooks: [{ exec: { container: 'app', command: ['/bin/sh', '-c', 'echo hello from $HOSTNAME'] } }] }] }));

    // Kubeconfigs for the sim's cluster, with the users kubectl would use.
    const sim = parseYaml(readFileSync(env.kubeconfigPath, 'utf8')) as { clusters: unknown[] };
    const write = (name: string, current: string, users: [string, Record<string, string>][]): string => {
      const path = join(k.home, name);
      writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'Config', clusters: sim.clusters, 'current-context': current, contexts: users.map(([u]) => ({ name: u, context: { cluster: (sim.clusters[0] as { name: string }).name, user: u } })), users: users.map(([u, f]) => ({ name: u, user: f })) }), { mode: 0o600 });
      return path;
    };
    files.alice = write('alice.kubeconfig', 'alice', [['alice', { token: aliceToken }]]);
    mkdirSync(join(k.home, 'tokens'));
    writeFileSync(join(k.home, 'tokens', 'bob'), `${bobToken}\n`, { mode: 0o600 });
    writeFileSync(join(k.home, 'tokens', 'alice'), `${aliceToken}\n`, { mode: 0o600 });
    files.both = write('both.kubeconfig', 'bob', [['bob', { tokenFile: 'tokens/bob' }], ['alice', { tokenFile: 'tokens/alice' }]]);

    plugin = await buildPlugin();
    hookd = await startHookd({ kubeconfig: env.sim.kubeconfig, env: { HOOKD_AUTH: 'kubernetes' } });
  });
  after(async () => {
    await hookd?.stop();
    plugin?.dispose();
  });

  const cli = (args: string[], extra: Record<string, string> = {}) => plugin.run(args, { HOOKD_URL: hookd.url, ...extra });
  const asAlice = (): Record<string, string> => ({ HOOKD_AUTH: 'kubernetes', KUBECONFIG: files.alice });
  let aliceJob = '';

  it("the current context's token from KUBECONFIG: alice's job runs, owned by her", async () => {
    const r = await cli(['run', '-n', 'team-a', 'app-0', '--hooks', hooks, '--follow', '-o', 'json'], asAlice());
    assert.equal(r.code, 0, r.stderr);
    const view = JSON.parse(r.stdout) as JobView;
    assert.equal(view.status, 'completed');
    assert.deepEqual(view.owner, { name: ALICE, kind: 'user' });
    assert.equal(view.pods[0]?.hooks[0]?.stdout, 'hello from app-0\n');
    aliceJob = view.id;
  });

  it('--kubeconfig and --context pick the file and the user (tokenFile, relative to the kubeconfig)', async () => {
    const asAliceByContext = await cli(['get', aliceJob, '-o', 'name', '--kubeconfig', files.both, '--context', 'alice'], { HOOKD_AUTH: 'kubernetes' });
    assert.equal(asAliceByContext.code, 0, asAliceByContext.stderr);
    assert.equal(asAliceByContext.stdout, `${aliceJob}\n`);
    // The file's current context is bob: his answer for her job is hookd's 404.
    const asBob = await cli(['get', aliceJob, '--kubeconfig', files.both], { HOOKD_AUTH: 'kubernetes' });
    assert.equal(asBob.code, 1);
    assert.match(asBob.stderr, new RegExp(`^Error from server \\(HOOKD_JOB_NOT_FOUND\\): job ${aliceJob} not found`));
    const list = await cli(['list', '-o', 'name', '--auth', 'kubernetes', '--kubeconfig', files.both]);
    assert.equal(list.stdout, '', 'bob sees none of her jobs');
  });

  it('bob may not exec in team-a: 403 HOOKD_FORBIDDEN naming the pod, exit 1', async () => {
    const r = await cli(['run', '-n', 'team-a', 'app-0', '--hooks', hooks, '--context', 'bob'], { HOOKD_AUTH: 'kubernetes', KUBECONFIG: files.both });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(HOOKD_FORBIDDEN\): forbidden: user "system:serviceaccount:team-a:bob" may not create pods\/exec in namespace "team-a" \(pod team-a\/app-0/);
  });

  it('--token and HOOKD_TOKEN win over the kubeconfig', async () => {
    const byFlag = await cli(['get', aliceJob, '--token', bobToken], asAlice());
    assert.equal(byFlag.code, 1);
    assert.match(byFlag.stderr, /HOOKD_JOB_NOT_FOUND/);
    const byEnv = await cli(['get', aliceJob, '-o', 'name'], { HOOKD_TOKEN: aliceToken, KUBECONFIG: files.both });
    assert.equal(byEnv.code, 0, byEnv.stderr);
  });

  it('without HOOKD_AUTH=kubernetes no cluster credential is sent: 401, with a hint', async () => {
    const r = await cli(['list'], { KUBECONFIG: files.alice });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(HOOKD_AUTH_REQUIRED\): .*\nhookd wants a bearer token: pass --token \(or set HOOKD_TOKEN\), or set HOOKD_AUTH=kubernetes/);
  });

  it('a kubeconfig problem is said plainly: a context that does not exist', async () => {
    const r = await cli(['list', '--context', 'prod'], asAlice());
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: context "prod" is not in the kubeconfig (${files.alice})\n`);
  });

  it('through kubectl: `kubectl hookd list` with the kubeconfig kubectl uses', async () => {
    const bin = join(k.home, 'kubectl-bin');
    mkdirSync(bin);
    symlinkSync(kubectlPath(), join(bin, 'kubectl'));
    const path = [bin, plugin.pluginDir, plugin.path].join(':');
    const r = await spawnCollect(join(bin, 'kubectl'), ['hookd', 'list', '-o', 'name'], { PATH: path, HOME: k.home, HOOKD_URL: hookd.url, ...asAlice() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${aliceJob}\n`);
    // The same kubeconfig works for kubectl itself: it is the user kubectl is.
    const whoami = await spawnCollect(join(bin, 'kubectl'), ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { PATH: path, HOME: k.home, KUBECONFIG: files.alice });
    assert.equal(whoami.stdout, ALICE, whoami.stderr);
  });
});
