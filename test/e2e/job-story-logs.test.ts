// The log tells one job's story (issue 15 point 5), read back from the whole service on the
// simulated cluster: "job created" with the trigger and the caller, the POST's own lines
// bound to the job id, job warnings at warn, hooks that fail (exit code, timeout) at warn and
// those that succeed at info, and "job finished" with the summary counts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { JobView } from '../../src/domain/views.ts';
import { eventually } from '../helpers/eventually.ts';
import { api, startHookd, type TestHookd } from '../helpers/hookd.ts';
import { startSim } from '../helpers/start-sim.ts';
import { A, createPod, entry, sh } from './velero-support.ts';

const TOKEN = 'job-story-token-of-alice-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const NS = 'story';
const INFO = 30;
const WARN = 40;

const dir = mkdtempSync(join(tmpdir(), 'hookd-story-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const tokensFile = join(dir, 'tokens.yaml');
writeFileSync(tokensFile, `- name: alice\n  token: ${TOKEN}\n  rights: [submit, read, cancel]\n`);

const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const sim = env.sim;

type Line = Record<string, unknown>;

/** Polls the job view as alice until the job has ended. */
async function ended(base: string, id: string): Promise<JobView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await api<JobView>(base, 'GET', `/v1/jobs/${id}`, undefined, auth);
    if (body.finishedAt) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(body).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('one job, told by the log', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig, env: { HOOKD_TOKENS_FILE: tokensFile } });
    for (const ns of [NS, 'velero']) sim.createNamespace(ns);
    createPod(sim, NS, 'ok-0', { manual: false, labels: { app: 'ok' }, annotations: { [`${A}command`]: JSON.stringify(sh('echo fine')) } });
    createPod(sim, NS, 'bad-0', { manual: false, labels: { app: 'bad' }, annotations: { [`${A}command`]: JSON.stringify(sh('exit 3')) } });
    createPod(sim, NS, 'slow-0', { manual: false, labels: { app: 'slow' } });
    createPod(sim, NS, 'bare-0', { manual: false, labels: { app: 'bare' } });
    createPod(sim, NS, 'bare-1', { manual: false, labels: { app: 'bare' } });
  });
  after(async () => hookd?.stop());

  const linesOf = (jobId: string): Line[] => hookd.logs.lines.filter((l) => l['jobId'] === jobId);
  // The worker logs "job finished" once the store has the job's end, which the API may show first.
  const loggedEnd = (jobId: string): Promise<void> => eventually(`job ${jobId} is logged finished`, async () => linesOf(jobId).some((l) => l['msg'] === 'job finished'));
  const one = (lines: Line[], msg: string): Line => {
    const found = lines.filter((l) => l['msg'] === msg);
    assert.equal(found.length, 1, `one "${msg}" line: ${JSON.stringify(lines.map((l) => l['msg']))}`);
    return found[0] as Line;
  };

  test('explicit pods: created by alice, each hook at its level, finished with the counts', async () => {
    const res = await api<{ id: string }>(
      hookd.url,
      'POST',
      '/v1/jobs',
      {
        pods: ['ok-0', 'bad-0', 'slow-0'].map((name) => ({ namespace: NS, name })),
        hooks: { resources: [entry('too-slow', NS, [{ command: sh('sleep 5'), execTimeout: '1s' }], { labelSelector: { matchLabels: { app: 'slow' } } })] },
      },
      auth,
    );
    assert.equal(res.status, 202);
    const id = res.body.id;
    const job = await ended(hookd.url, id);
    assert.equal(job.status, 'partially_failed');
    await loggedEnd(id);
    const lines = linesOf(id);

    const created = one(lines, 'job created');
    assert.equal(created['level'], INFO);
    assert.equal(created['trigger'], 'pods');
    assert.equal(created['caller'], 'alice');
    assert.equal(created['callerKind'], 'token');
    assert.equal(created['pods'], 3);

    // Every line the POST wrote from the job's creation on, Fastify's own included, has the id.
    const reqId = created['reqId'];
    assert.equal(typeof reqId, 'string');
    const postLines = hookd.logs.lines.filter((l) => l['reqId'] === reqId);
    const completed = postLines.find((l) => l['msg'] === 'request completed');
    assert.ok(completed, 'the POST completed');
    assert.equal(completed['jobId'], id, 'the request line carries the job id');
    assert.equal(JSON.stringify(completed).split('"jobId"').length - 1, 1, 'and carries it once');
    assert.ok(!postLines.some((l) => l['msg'] === 'incoming request' && 'jobId' in l), 'not before it is known');

    const finished = lines.filter((l) => l['msg'] === 'hook finished');
    const byPod = (pod: string): Line => {
      const l = finished.find((f) => f['pod'] === pod);
      assert.ok(l, `hook finished for ${pod}`);
      return l;
    };
    assert.equal(byPod('ok-0')['level'], INFO);
    assert.equal(byPod('ok-0')['phase'], 'succeeded');
    assert.equal(byPod('bad-0')['level'], WARN, 'a non-zero exit is a warning');
    assert.equal(byPod('bad-0')['exitCode'], 3);
    assert.equal(byPod('slow-0')['level'], WARN, 'a timed-out hook is a warning');
    assert.equal(byPod('slow-0')['phase'], 'failed');

    const done = one(lines, 'job finished');
    assert.equal(done['level'], WARN, 'a partially failed job ends at warn');
    assert.equal(done['status'], 'partially_failed');
    assert.deepEqual(
      { pods: done['pods'], total: done['hooksTotal'], succeeded: done['hooksSucceeded'], failed: done['hooksFailed'], skipped: done['hooksSkipped'], pending: done['hooksPending'], attempted: done['hooksAttempted'] },
      { pods: 3, total: 3, succeeded: 1, failed: 2, skipped: 0, pending: 0, attempted: 3 },
    );
    assert.deepEqual(job.summary, { pods: 3, hooksTotal: 3, hooksAttempted: 3, hooksSucceeded: 1, hooksFailed: 2, hooksPending: 0, hooksSkipped: 0 });
  });

  test('a selector that finds pods without hooks ends completed, with a job warning in the view and the log', async () => {
    const res = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', { selector: { namespaces: [NS], labelSelector: 'app=bare' } }, auth);
    assert.equal(res.status, 202);
    const id = res.body.id;
    const job = await ended(hookd.url, id);
    assert.equal(job.status, 'completed');
    assert.equal(job.summary.hooksTotal, 0);
    await loggedEnd(id);
    assert.deepEqual(job.warnings, [
      `the selector matched 2 pods (labelSelector app=bare in namespace ${NS}), none has hooks: no post.hook.restore.velero.io annotations on them, and no hooks in the job`,
    ]);
    const lines = linesOf(id);
    assert.equal(one(lines, 'job created')['trigger'], 'selector');
    const warning = one(lines, 'job warning');
    assert.equal(warning['level'], WARN);
    assert.equal(warning['warning'], job.warnings[0]);
    const done = one(lines, 'job finished');
    assert.equal(done['level'], INFO);
    assert.equal(done['status'], 'completed');
    assert.equal(done['hooksTotal'], 0);
    assert.equal(done['pods'], 2);
  });

  test('a selector with hooks that match runs them, and says nothing of missing hooks', async () => {
    const hooks = { resources: [entry('hello', NS, [{ command: sh('echo hi') }])] };
    const res = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', { selector: { namespaces: [NS], labelSelector: 'app=bare' }, hooks }, auth);
    const job = await ended(hookd.url, res.body.id);
    assert.equal(job.status, 'completed');
    assert.equal(job.summary.hooksSucceeded, 2);
    assert.deepEqual(job.warnings, []);
    assert.ok(!linesOf(job.id).some((l) => l['msg'] === 'job warning'));
  });

  test("the Velero trigger: created as a velero restore by alice, the left-out init hook logged at warn", async () => {
    const custom = env.kc.makeApiClient(CustomObjectsApi);
    const body = {
      apiVersion: 'velero.io/v1',
      kind: 'Restore',
      metadata: { name: 'story-restore', namespace: 'velero' },
      spec: {
        hooks: {
          resources: [
            {
              name: 'r',
              includedNamespaces: [NS],
              postHooks: [{ init: { initContainers: [{ name: 'i', image: 'busybox' }] } }, { exec: { command: sh('echo restored') } }],
            },
          ],
        },
      },
    };
    await custom.createNamespacedCustomObject({ group: 'velero.io', version: 'v1', namespace: 'velero', plural: 'restores', body });
    createPod(sim, NS, 'restored-0', { manual: false, labels: { 'velero.io/restore-name': 'story-restore' } });
    const res = await api<{ id: string }>(hookd.url, 'POST', '/v1/velero/restores/velero/story-restore/jobs', undefined, auth);
    assert.equal(res.status, 202);
    const job = await api<JobView>(hookd.url, 'GET', `/v1/jobs/${res.body.id}`, undefined, auth).then((r) => r.body);
    assert.equal(job.warnings.length, 1);
    const lines = linesOf(res.body.id);
    const created = one(lines, 'job created');
    assert.equal(created['trigger'], 'velero-restore');
    assert.equal(created['caller'], 'alice');
    assert.equal(created['restore'], 'story-restore');
    const warning = one(lines, 'job warning');
    assert.equal(warning['level'], WARN);
    assert.equal(warning['warning'], job.warnings[0]);
    assert.match(String(warning['warning']), /1 init hook left out/);
  });
});
