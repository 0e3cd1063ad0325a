// Exec processes confined by bubblewrap (HOOKD_SIM_CONFINE=bwrap): a command still runs in
// its container folder, keeps files there and reports its exit code and output, but cannot
// write outside the folder, read the host's files (the sim's own kubeconfig), reach a
// network, or outlive its pod. Asked for where bwrap cannot run, the sim does not start.
// Needs Debian's bubblewrap (installed by .ci/run): without it these tests fail, they do not skip.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, after } from 'node:test';
import { startSimCluster } from '../src/cluster.ts';
import { ConfinementError, confinementFromEnv } from '../src/exec/confine.ts';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { podManifest, runExec } from './support.ts';

describe('HOOKD_SIM_CONFINE', () => {
  it('reads none and bwrap, and refuses anything else', () => {
    assert.equal(confinementFromEnv({}), 'none');
    assert.equal(confinementFromEnv({ HOOKD_SIM_CONFINE: '' }), 'none');
    assert.equal(confinementFromEnv({ HOOKD_SIM_CONFINE: 'none' }), 'none');
    assert.equal(confinementFromEnv({ HOOKD_SIM_CONFINE: 'bwrap' }), 'bwrap');
    assert.throws(() => confinementFromEnv({ HOOKD_SIM_CONFINE: 'yes' }), (err: unknown) => err instanceof ConfinementError && /"yes" is not one of none, bwrap/.test(err.message));
  });

  it('bwrap asked for and not installed: the sim does not start, and says why', async () => {
    const saved = process.env['PATH'];
    const empty = mkdtempSync(join(tmpdir(), 'hookd-no-bwrap-'));
    process.env['PATH'] = empty;
    try {
      await assert.rejects(startSimCluster({ execConfinement: 'bwrap' }), (err: unknown) => err instanceof ConfinementError && /bwrap is not installed/.test(err.message));
    } finally {
      process.env['PATH'] = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('confined execs', async () => {
  const { sim, kc, kubeconfigPath } = await startSim({ execConfinement: 'bwrap', lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
  sim.createNamespace('cf');
  sim.createPod('cf', podManifest('p', { containers: ['app'], manual: true }));
  sim.setContainerState('cf', 'p', 'app', 'running', { ready: true });
  const hostDir = mkdtempSync(join(tmpdir(), 'hookd-confine-host-'));
  after(() => rmSync(hostDir, { recursive: true, force: true }));

  it('runs in its folder, keeps files there, with HOSTNAME, exit code and both outputs', async () => {
    const r = await runExec(kc, 'cf', 'p', 'app', ['sh', '-c', 'echo saved > note; echo "$HOSTNAME"; pwd; echo err >&2; exit 4']);
    assert.equal(r.status?.status, 'Failure');
    assert.equal(r.status?.details?.causes?.[0]?.message, '4');
    const [host, folder] = r.stdout.trim().split('\n');
    assert.equal(host, 'p');
    assert.match(folder ?? '', /hookd-sim-.*\/cf\/.*\/app$/);
    assert.equal(r.stderr, 'err\n');
    const again = await runExec(kc, 'cf', 'p', 'app', ['cat', 'note']);
    assert.equal(again.status?.status, 'Success');
    assert.equal(again.stdout, 'saved\n');
  });

  it('cannot write outside its folder or read the host’s files', async () => {
    const escape = join(hostDir, 'escaped');
    const w = await runExec(kc, 'cf', 'p', 'app', ['sh', '-c', `echo x > ${escape}`]);
    assert.equal(w.status?.status, 'Failure');
    assert.equal(existsSync(escape), false, 'nothing written on the host');
    const usr = await runExec(kc, 'cf', 'p', 'app', ['touch', '/usr/hookd-confine-test']);
    assert.equal(usr.status?.status, 'Failure');
    assert.match(usr.stderr, /Read-only file system/);
    assert.equal(existsSync('/usr/hookd-confine-test'), false);
    // The sim's kubeconfig holds its admin token: not there for a confined command.
    assert.ok(readFileSync(kubeconfigPath, 'utf8').includes(sim.token));
    const read = await runExec(kc, 'cf', 'p', 'app', ['cat', kubeconfigPath]);
    assert.equal(read.status?.status, 'Failure');
    assert.equal(read.stdout, '');
  });

  it('has no network but its own loopback', async () => {
    const r = await runExec(kc, 'cf', 'p', 'app', ['cat', '/proc/net/dev']);
    assert.equal(r.status?.status, 'Success');
    const ifaces = r.stdout.split('\n').slice(2).filter((l) => l.includes(':')).map((l) => l.split(':')[0]?.trim());
    assert.deepEqual(ifaces, ['lo']);
  });

  it('a program it cannot see is refused as a container runtime refuses one not found', async () => {
    const r = await runExec(kc, 'cf', 'p', 'app', ['no-such-program-xyz']);
    assert.equal(r.status?.status, 'Failure');
    assert.match(r.status?.message ?? '', /exec: "no-such-program-xyz": executable file not found in \$PATH/);
    // A host program outside /usr is not in the confinement either.
    const outside = await runExec(kc, 'cf', 'p', 'app', [process.execPath.startsWith('/usr/') ? '/opt/none' : process.execPath, '--version']);
    assert.match(outside.status?.message ?? '', /executable file not found/);
    // Nor is one named through /usr with `..` (the path is judged as what it resolves to).
    const script = join(hostDir, 'outside.sh');
    writeFileSync(script, '#!/bin/sh\necho escaped\n', { mode: 0o755 });
    const dotted = await runExec(kc, 'cf', 'p', 'app', [`/usr/..${script}`]);
    assert.match(dotted.status?.message ?? '', /executable file not found/);
    assert.equal(dotted.stdout, '');
  });

  it('dies with its pod', async () => {
    sim.createPod('cf', podManifest('doomed', { containers: ['app'], manual: true }));
    sim.setContainerState('cf', 'doomed', 'app', 'running', { ready: true });
    const marker = '31.4159';
    const running = runExec(kc, 'cf', 'doomed', 'app', ['sleep', marker]);
    const sleeping = (): boolean =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() === `sleep ${marker}`;
          } catch {
            return false;
          }
        });
    for (let i = 0; i < 100 && !sleeping(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(sleeping(), 'the confined command is running');
    sim.deletePod('cf', 'doomed');
    await running;
    for (let i = 0; i < 100 && sleeping(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(sleeping(), false, 'no confined process outlives its pod');
  });
});
