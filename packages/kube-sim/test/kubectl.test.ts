// The real kubectl v1.34 against the sim, command by command as the issue lists them:
// discovery, OpenAPI and field validation for apply, create namespace (protobuf), wait,
// get -w with watch events, exec over WebSocket with exit codes and files that persist,
// delete, and Velero restores.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kubectlEnv } from '../../../test/helpers/kubectl.ts';
import { startSim } from '../../../test/helpers/start-sim.ts';

const { sim, kubeconfigPath } = await startSim({ lifecycle: { scheduleMs: 20, startMs: 50, readyMs: 50 } });
const k = kubectlEnv(kubeconfigPath);
after(() => k.dispose());

const POD_YAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
`;

describe('kubectl v1.34', () => {
  it('reports the server version', async () => {
    const r = await k.run(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Client Version: v1\.34\./);
    assert.match(r.stdout, /Server Version: v1\.34\.0-hookd-sim/);
  });

  it('creates a namespace (kubectl sends it as protobuf)', async () => {
    const r = await k.run(['create', 'namespace', 'kt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'namespace/kt created');
    const again = await k.run(['create', 'namespace', 'kt']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /AlreadyExists.*namespaces "kt" already exists/);
  });

  it('applies a pod manifest, then finds it unchanged', async () => {
    const file = join(k.home, 'pod.yaml');
    writeFileSync(file, POD_YAML);
    const r = await k.run(['apply', '-n', 'kt', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/web created');
    assert.equal(r.stderr, '', 'no validation or discovery warnings');
    const again = await k.run(['apply', '-n', 'kt', '-f', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'pod/web unchanged');
  });

  it('kubectl logs: an empty log for a simulated container; a missing pod is NotFound naming it', async () => {
    const r = await k.run(['logs', '-n', 'kt', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const follow = await k.run(['logs', '-n', 'kt', 'web', '-f', '--tail=10']);
    assert.equal(follow.code, 0, follow.stderr);
    const missing = await k.run(['logs', '-n', 'kt', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /pods "nope" not found/);
    const badContainer = await k.run(['logs', '-n', 'kt', 'web', '-c', 'nope']);
    assert.notEqual(badContainer.code, 0);
    assert.match(badContainer.stderr, /container nope is not valid for pod web/);
  });

  it('kubectl debug: a clear refusal (the sim has no ephemeral containers), not a crash', async () => {
    const r = await k.run(['debug', '-n', 'kt', 'web', '--image=busybox', '--profile=general', '-it=false']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: ephemeral containers are disabled for this cluster/);
    assert.doesNotMatch(r.stderr, /panic|nil pointer/);
  });

  it('waits for the pod to be Running', async () => {
    const r = await k.run(['wait', '-n', 'kt', '--for=jsonpath={.status.phase}=Running', 'pod/web', '--timeout=20s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/web condition met');
    const table = await k.run(['get', 'pods', '-n', 'kt']);
    assert.match(table.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+[01]\/1\s+Running\s+0\s+\d+s\n$/);
  });

  it('execs with stdout, stderr and the exit code', async () => {
    const r = await k.run(['exec', '-n', 'kt', 'web', '-c', 'app', '--', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /^err\n/);
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  it('reads back in one exec a file written by another', async () => {
    const write = await k.run(['exec', '-n', 'kt', 'web', '-c', 'app', '--', 'sh', '-c', 'echo restored > marker']);
    assert.equal(write.code, 0, write.stderr);
    const read = await k.run(['exec', '-n', 'kt', 'web', '-c', 'app', '--', 'cat', 'marker']);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, 'restored\n');
  });

  it('shows ADDED, MODIFIED and DELETED with get -w --output-watch-events', async () => {
    sim.createNamespace('kw');
    const watch = k.spawn(['get', 'pods', '-n', 'kw', '-w', '--output-watch-events']);
    let out = '';
    const waiters: Array<() => void> = [];
    watch.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      for (const w of waiters.splice(0)) w();
    });
    const seen = async (word: string): Promise<void> => {
      while (!out.includes(word)) await new Promise<void>((r) => waiters.push(r));
    };
    // kubectl lists, then watches: create the pod once its watch is open on the sim.
    while ((sim.counters().watches.byNamespace['kw']?.current ?? 0) === 0) await new Promise((r) => setTimeout(r, 10));
    sim.createPod('kw', { metadata: { name: 'w1' }, spec: { containers: [{ name: 'app', image: 'x' }] } });
    await seen('MODIFIED');
    const del = await k.run(['delete', 'pod', '-n', 'kw', 'w1']);
    assert.equal(del.code, 0, del.stderr);
    await seen('DELETED');
    watch.kill();
    const events = out
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .filter((e) => e !== '');
    assert.equal(events[0], 'ADDED');
    assert.ok(events.includes('MODIFIED'));
    assert.equal(events.at(-1), 'DELETED');
    assert.match(out.split('\n')[0] ?? '', /^EVENT\s+NAME\s+READY\s+STATUS/);
  });

  it('deletes a pod', async () => {
    const r = await k.run(['delete', 'pod', '-n', 'kt', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod "web" deleted/);
    const get = await k.run(['get', 'pod', '-n', 'kt', 'web']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /NotFound.*pods "web" not found/);
  });

  it('lists Velero restores across namespaces', async () => {
    const empty = await k.run(['get', 'restores.velero.io', '-A']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /No resources found/);
    const create = await k.run(['create', '-n', 'kt', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'nightly' }, spec: { backupName: 'b' } }),
    });
    assert.equal(create.code, 0, create.stderr);
    const r = await k.run(['get', 'restores.velero.io', '-A']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAMESPACE\s+NAME\s+AGE\nkt\s+nightly\s+\d+s\n$/);
  });
});
