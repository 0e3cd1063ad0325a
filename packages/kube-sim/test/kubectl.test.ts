// The real kubectl v1.34 against the sim, command by command as the issue lists them:
// discovery, OpenAPI and field validation for apply, create namespace (protobuf), wait,
// get -w with watch events, exec over WebSocket with exit codes and files that persist,
// delete, Velero restores, explain, auth can-i with a ServiceAccount's token, and events.

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

  it('kubectl explain describes pods, their containers and status, namespaces, events and Velero restores (OpenAPI v3)', async () => {
    const explain = async (...args: string[]): Promise<string> => {
      const r = await k.run(['explain', ...args]);
      assert.equal(r.code, 0, `kubectl explain ${args.join(' ')}: ${r.stderr}`);
      // kubectl wraps descriptions at 80 columns: join a description's lines into one.
      const lines: string[] = [];
      for (const line of r.stdout.split('\n')) {
        const prev = lines.at(-1);
        if (prev !== undefined && /^ {4}\S/.test(prev) && /^ {4}\S/.test(line)) lines[lines.length - 1] = `${prev} ${line.trim()}`;
        else lines.push(line);
      }
      return lines.join('\n');
    };
    const pod = await explain('pod');
    assert.match(pod, /^KIND:\s+Pod\nVERSION:\s+v1\n/);
    assert.match(pod, /Pod is a collection of containers that can run on a host\./);
    assert.match(pod, /\n {2}metadata\t<ObjectMeta>\n {4}Standard object's metadata\./);
    assert.match(pod, /\n {2}spec\t<PodSpec>\n {4}Specification of the desired behavior of the pod\./);
    assert.match(pod, /\n {2}status\t<PodStatus>\n {4}Most recently observed status of the pod\./);
    const containers = await explain('pod.spec.containers');
    assert.match(containers, /FIELD: containers <\[\]Container>/);
    assert.match(containers, /\n {2}name\t<string> -required-\n {4}Name of the container specified as a DNS_LABEL\./);
    assert.match(containers, /\n {2}image\t<string>\n {4}Container image name\./);
    assert.match(containers, /\n {2}command\t<\[\]string>\n {4}Entrypoint array\. Not executed within a shell\./);
    const statuses = await explain('pod.status.containerStatuses');
    assert.match(statuses, /FIELD: containerStatuses <\[\]ContainerStatus>/);
    assert.match(statuses, /\n {2}restartCount\t<integer> -required-\n {4}RestartCount holds the number of times the container has been restarted\./);
    assert.match(await explain('pod.status.containerStatuses.state.terminated.exitCode'), /FIELD: exitCode <integer>\n\n\nDESCRIPTION:\n {4}Exit status from the last termination of the container/);
    assert.match(await explain('namespaces.status'), /\n {2}phase\t<string>\n {4}Phase is the current lifecycle phase of the namespace\./);
    const event = await explain('events');
    assert.match(event, /\n {2}involvedObject\t<ObjectReference> -required-\n {4}The object that this event is about\./);
    assert.match(await explain('events', '--api-version=events.k8s.io/v1'), /GROUP:\s+events\.k8s\.io\n[^]*\n {2}note\t<string>\n {4}note is a human-readable description/);
    const restore = await explain('restores.velero.io');
    assert.match(restore, /^GROUP:\s+velero\.io\nKIND:\s+Restore\nVERSION:\s+v1\n/);
    assert.match(restore, /Restore is a Velero resource that represents the application of resources from a Velero backup/);
    const exec = await explain('restores.velero.io.spec.hooks.resources.postHooks.exec');
    assert.match(exec, /\n {2}command\t<\[\]string> -required-\n {4}Command is the command and arguments to execute from within a container/);
    assert.match(exec, /\n {2}onError\t<string>\n {2}enum: Continue, Fail\n {4}OnError specifies how Velero should behave/);
    const missing = await k.run(['explain', 'pod.spec.containers.nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /field "nope" does not exist/);
  });

  it('creates a ServiceAccount, a Role and a RoleBinding (kubectl sends them as protobuf); auth can-i answers for the admin and for its token', async () => {
    for (const args of [
      ['create', 'serviceaccount', '-n', 'kt', 'runner'],
      ['create', 'role', '-n', 'kt', 'exec-only', '--verb=create', '--resource=pods/exec'],
      ['create', 'rolebinding', '-n', 'kt', 'runner-exec', '--role=exec-only', '--serviceaccount=kt:runner'],
    ]) {
      const r = await k.run(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    }
    const role = await k.run(['get', 'role', '-n', 'kt', 'exec-only', '-o', 'jsonpath={.rules}']);
    assert.deepEqual(JSON.parse(role.stdout), [{ verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }]);
    const binding = await k.run(['get', 'rolebinding', '-n', 'kt', 'runner-exec', '-o', 'jsonpath={.subjects}']);
    assert.deepEqual(JSON.parse(binding.stdout), [{ kind: 'ServiceAccount', name: 'runner', namespace: 'kt' }]);
    const token = await k.run(['create', 'token', '-n', 'kt', 'runner']);
    assert.equal(token.code, 0, token.stderr);
    const canI = async (args: string[], asRunner: boolean): Promise<string> => {
      const r = await k.run(['auth', 'can-i', ...args, ...(asRunner ? [`--token=${token.stdout.trim()}`] : [])]);
      // can-i exits 0 for yes and 1 for no, and prints the answer either way.
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      assert.equal(r.code === 0, r.stdout.trim() === 'yes', r.stdout);
      return r.stdout.trim();
    };
    assert.equal(await canI(['create', 'pods', '--subresource=exec', '-n', 'kt'], false), 'yes');
    assert.equal(await canI(['create', 'pods/exec', '-n', 'kt'], false), 'yes');
    assert.equal(await canI(['create', 'pods', '--subresource=exec', '-n', 'kt'], true), 'yes');
    assert.equal(await canI(['create', 'pods', '--subresource=exec', '-n', 'default'], true), 'no');
    assert.equal(await canI(['get', 'pods', '-n', 'kt'], true), 'no');
    // kubectl reads "pods/exec" as resource/name (create the pod named "exec"), not as a
    // subresource: a real API server says no to a token that may only exec.
    assert.equal(await canI(['create', 'pods/exec', '-n', 'kt'], true), 'no');
    const whoami = await k.run(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}', `--token=${token.stdout.trim()}`]);
    assert.equal(whoami.stdout, 'system:serviceaccount:kt:runner', whoami.stderr);
  });

  it('kubectl get events lists the Events the sim stores; a token without access to them is Forbidden', async () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.restored' },
      involvedObject: { kind: 'Pod', namespace: 'kt', name: 'web', apiVersion: 'v1' },
      reason: 'HookSucceeded',
      message: 'post-restore hook ran',
      type: 'Normal',
      source: { component: 'hookd' },
      count: 1,
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const create = await k.run(['create', '-n', 'kt', '-f', '-'], { input: JSON.stringify(event) });
    assert.equal(create.code, 0, create.stderr);
    const r = await k.run(['get', 'events', '-n', 'kt']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
    assert.match(r.stdout, /\n\d+s\s+Normal\s+HookSucceeded\s+pod\/web\s+post-restore hook ran\n/);
    const token = await k.run(['create', 'token', '-n', 'kt', 'runner']);
    const denied = await k.run(['get', 'events', '-n', 'kt', `--token=${token.stdout.trim()}`]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /Forbidden.*User "system:serviceaccount:kt:runner" cannot list resource "events" in API group "" in the namespace "kt"/);
  });
});
