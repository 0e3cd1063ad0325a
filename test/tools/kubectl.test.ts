// `npm run kubectl -- ...` (tools/kubectl.ts): the bundled kubectl, unpacked on first use,
// against the simulated cluster's kubeconfig unless the user chose another one.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { chooseKubeconfig } from '../../tools/kubectl.ts';
import { startSim } from '../helpers/start-sim.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hookd-npm-kubectl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('which kubeconfig', () => {
  const present = join(dir, 'present.kubeconfig');
  writeFileSync(present, '');
  const cases: { name: string; args: string[]; env: Record<string, string>; want: ReturnType<typeof chooseKubeconfig> }[] = [
    { name: '--kubeconfig FILE among the arguments', args: ['get', 'pods', '--kubeconfig', '/x'], env: { HOOKD_SIM_KUBECONFIG: present }, want: { kind: 'given' } },
    { name: '--kubeconfig=FILE', args: ['--kubeconfig=/x', 'get', 'pods'], env: {}, want: { kind: 'given' } },
    { name: 'KUBECONFIG set by the user', args: ['get', 'pods'], env: { KUBECONFIG: '/elsewhere', HOOKD_SIM_KUBECONFIG: present }, want: { kind: 'given' } },
    { name: "HOOKD_SIM_KUBECONFIG, as npm start's", args: [], env: { HOOKD_SIM_KUBECONFIG: 'present.kubeconfig' }, want: { kind: 'sim', path: present } },
    { name: 'the default ./hookd-sim.kubeconfig, not written yet', args: [], env: { KUBECONFIG: '' }, want: { kind: 'missing', path: join(dir, 'hookd-sim.kubeconfig') } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(chooseKubeconfig(c.args, c.env, dir), c.want));
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    // Only what the test gives, beside PATH: no KUBECONFIG or HOME of the machine leaks in.
    const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

describe('npm run kubectl', () => {
  test('right after install: unpacks kubectl on first use and lists the simulated cluster’s pods', async (t) => {
    const env = await startSim({}, t);
    env.sim.createNamespace('demo');
    env.sim.createPod('demo', { metadata: { name: 'postgres-0' }, spec: { containers: [{ name: 'pg', image: 'x' }] } });
    const cache = join(dir, 'first-use-cache');
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    assert.equal(existsSync(join(cache, 'kubectl')), false);
    const r = await run('npm', ['run', '--silent', 'kubectl', '--', 'get', 'pods', '-A'], {
      HOME: home,
      HOOKD_KUBECTL_CACHE: cache,
      HOOKD_SIM_KUBECONFIG: env.kubeconfigPath,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS/);
    assert.match(r.stdout, /\ndemo\s+postgres-0\s/);
    assert.ok(existsSync(join(cache, 'kubectl')), 'unpacked into the cache folder');
  });

  test('a KUBECONFIG the user set wins over the simulated cluster’s', async (t) => {
    const env = await startSim({}, t);
    env.sim.createNamespace('chosen-by-kubeconfig');
    const r = await run(process.execPath, ['tools/kubectl.ts', 'get', 'namespaces', '-o', 'name'], {
      HOME: join(dir, 'home'),
      KUBECONFIG: env.kubeconfigPath,
      HOOKD_SIM_KUBECONFIG: join(dir, 'not-there.kubeconfig'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^namespace\/chosen-by-kubeconfig$/m);
  });

  test('without a simulated cluster’s kubeconfig it refuses, rather than reach ~/.kube/config', async () => {
    const home = join(dir, 'home-with-config');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\nclusters: []\n');
    const r = await run(process.execPath, ['tools/kubectl.ts', 'get', 'pods'], { HOME: home, HOOKD_SIM_KUBECONFIG: join(dir, 'not-there.kubeconfig') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not-there\.kubeconfig does not exist\. Start the simulated cluster first \(npm start, or npm run sim\)/);
    assert.equal(r.stdout, '');
  });

  test("kubectl's exit code is the script's", async (t) => {
    const env = await startSim({}, t);
    const r = await run(process.execPath, ['tools/kubectl.ts', 'get', 'pod', 'no-such-pod', '-n', 'default'], { HOME: join(dir, 'home'), HOOKD_SIM_KUBECONFIG: env.kubeconfigPath });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not found/);
  });
});

test('relative file arguments are read from where npm was typed, not the project root', async (t) => {
  const env = await startSim({}, t);
  env.sim.createNamespace('shop');
  const here = join(dir, 'somewhere');
  mkdirSync(here, { recursive: true });
  writeFileSync(join(here, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: { name: web }\nspec: { containers: [ { name: app, image: x } ] }\n');
  const r = await run(process.execPath, ['tools/kubectl.ts', 'apply', '-n', 'shop', '-f', 'pod.yaml'], {
    HOME: join(dir, 'home'),
    HOOKD_SIM_KUBECONFIG: env.kubeconfigPath,
    INIT_CWD: here,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pod\/web created/);
});
