// hookd's hooks on a simulated cluster whose execs are confined by bubblewrap
// (HOOKD_SIM_CONFINE=bwrap): a hook works in its container folder as before, one that writes
// to a host path fails with the shell's exit code and leaves the host untouched; and hookd
// asked for a confinement it cannot have refuses to start (exit 2, naming the variable).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startHookd } from '../helpers/hookd.ts';
import { runToExit, type Exited } from '../helpers/run-to-exit.ts';
import { TEST_REDIS_URL, testPrefix } from '../helpers/redis.ts';
import { startSim } from '../helpers/start-sim.ts';
import { A, createPod, ended, hookOf, sh, submit } from './velero-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'hookd-sim-confine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('confined execs: a hook in its folder succeeds, one writing to the host fails and writes nothing', async (t) => {
  const { sim } = await startSim({ execConfinement: 'bwrap', lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } }, t);
  const hookd = await startHookd({ kubeconfig: sim.kubeconfig });
  t.after(() => hookd.stop());
  sim.createNamespace('conf');
  const escape = join(dir, 'escaped.txt');
  createPod(sim, 'conf', 'db', {
    containers: ['app'],
    manual: false,
    annotations: {
      [`${A}container`]: 'app',
      [`${A}command`]: JSON.stringify(sh(`echo unfrozen > state && cat state && echo x > ${escape}`)),
      [`${A}on-error`]: 'Continue',
    },
  });
  const id = await submit(hookd.url, { pods: [{ namespace: 'conf', name: 'db' }] });
  const job = await ended(hookd.url, id);
  const hook = hookOf(job, 'db', 0);
  assert.equal(hook.phase, 'failed', JSON.stringify(hook));
  assert.equal(hook.exitCode, 2, 'sh: cannot create the file: its folder does not exist inside');
  assert.equal(hook.stdout, 'unfrozen\n', 'the container folder is writable');
  assert.match(hook.stderr, /escaped\.txt/);
  assert.equal(existsSync(escape), false, 'nothing reached the host');
});

function runHookd(env: Record<string, string>): Promise<Exited> {
  return runToExit(['--import', 'tsx', 'src/main.ts'], {
    env: { HOME: dir, REDIS_URL: TEST_REDIS_URL, HOOKD_REDIS_EMBEDDED: 'never', HOOKD_REDIS_PREFIX: testPrefix(), HOOKD_PORT: '0', HOOKD_KUBE: 'sim', HOOKD_SIM_KUBECONFIG: join(dir, 'sim.kubeconfig'), ...env },
  });
}

test('HOOKD_SIM_CONFINE=bwrap where bwrap is not installed: exit 2, saying so', async () => {
  const noBwrap = mkdtempSync(join(dir, 'path-'));
  const r = await runHookd({ HOOKD_SIM_CONFINE: 'bwrap', PATH: noBwrap });
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /HOOKD_SIM_CONFINE=bwrap: bwrap is not installed/);
  assert.equal(existsSync(join(dir, 'sim.kubeconfig')), false, 'no simulated cluster started');
});

test('HOOKD_SIM_CONFINE with another value: exit 2 naming the variable', async () => {
  const r = await runHookd({ HOOKD_SIM_CONFINE: 'yes', PATH: process.env.PATH ?? '' });
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /HOOKD_SIM_CONFINE/);
});
