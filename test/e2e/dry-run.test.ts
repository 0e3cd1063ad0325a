// Dry runs on the simulated cluster with the quick start's demo (src/demo.ts): the dry run
// of the demo Restore lists exactly the hooks its real job then runs, and executes nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_NAMESPACE, DEMO_RESTORE, seedDemo, VELERO_NAMESPACE } from '../../src/demo.ts';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

interface DryHook {
  name: string;
  source: string;
  container: string;
  command: string[];
  onError: string;
  execTimeoutMs: number;
  waitTimeoutMs: number | null;
  waitForReady: boolean;
}
interface DryRun {
  dryRun: true;
  warnings: string[];
  pods: { namespace: string; name: string; status: string; warnings: string[]; hooks: DryHook[] }[];
  summary: { pods: number; hooksTotal: number };
}
interface Job {
  status: string;
  warnings: string[];
  pods: { namespace: string; name: string; warnings: string[]; hooks: { name: string; source: string; container: string; command: string[]; onError: string; phase: string; startedAt: string | null }[] }[];
}

const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 10, startMs: 10, readyMs: 10 } });

describe('dry run of the demo', () => {
  let hookd: TestHookd;
  before(async () => {
    await seedDemo(env.kc);
    hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  });
  after(async () => {
    await hookd?.stop();
  });

  test('the dry run of the demo Restore lists exactly the hooks its real job then runs; the dry run runs none', async () => {
    const restore = `/v1/velero/restores/${VELERO_NAMESPACE}/${DEMO_RESTORE}/jobs`;
    const execsBefore = env.sim.counters().exec.started;
    const dry = await api<DryRun>(hookd.url, 'POST', `${restore}?dryRun=true`);
    assert.equal(dry.status, 200);
    assert.equal(dry.body.dryRun, true);
    assert.equal(env.sim.counters().exec.started, execsBefore, 'the dry run executed nothing');
    assert.deepEqual((await api<{ jobs: unknown[] }>(hookd.url, 'GET', '/v1/jobs')).body.jobs, [], 'and stored no job');

    // What the README says the demo shows.
    assert.deepEqual(dry.body.pods.map((p) => [p.name, p.status, p.hooks.map((h) => `${h.name}@${h.container}`)]), [
      ['cache-0', 'planned', ['warm-cache@redis']],
      ['cache-1', 'planned', ['warm-cache@redis']],
      ['postgres-0', 'planned', ['<from-annotation>@postgres']],
      ['search-0', 'planned', ['<from-annotation>@search']],
    ]);
    const search = dry.body.pods.find((p) => p.name === 'search-0');
    assert.ok(search?.warnings.includes('post.hook.restore.velero.io/on-eror: unknown key, ignored (did you mean on-error?)'));
    const postgres = dry.body.pods.find((p) => p.name === 'postgres-0')?.hooks[0];
    assert.deepEqual(
      { onError: postgres?.onError, execTimeoutMs: postgres?.execTimeoutMs, waitForReady: postgres?.waitForReady, waitTimeoutMs: postgres?.waitTimeoutMs },
      { onError: 'Fail', execTimeoutMs: 10_000, waitForReady: true, waitTimeoutMs: null },
    );
    assert.equal(dry.body.warnings.length, 1);
    assert.match(dry.body.warnings[0] ?? '', /1 init hook left out/);
    assert.deepEqual(dry.body.summary, { pods: 4, hooksTotal: 4 });

    const real = await api<{ id: string }>(hookd.url, 'POST', restore);
    assert.equal(real.status, 202);
    const job = await waitForJobEnd<Job>(hookd.url, real.body.id);
    assert.equal(job.status, 'partially_failed');
    assert.deepEqual(job.warnings, dry.body.warnings, 'the same job warnings');
    const ran = job.pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      warnings: p.warnings,
      hooks: p.hooks.filter((h) => h.startedAt !== null).map((h) => ({ name: h.name, source: h.source, container: h.container, command: h.command, onError: h.onError })),
    }));
    const planned = dry.body.pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      warnings: p.warnings,
      hooks: p.hooks.map((h) => ({ name: h.name, source: h.source, container: h.container, command: h.command, onError: h.onError })),
    }));
    assert.deepEqual(ran, planned, 'every hook the dry run listed ran, and no other; the same pod warnings');
    assert.equal(env.sim.counters().exec.started - execsBefore, 4, 'the real job executed the 4 hooks');
  });

  test('POST /v1/jobs?dryRun=true on the demo pods, one of them missing', async () => {
    const dry = await api<DryRun>(hookd.url, 'POST', '/v1/jobs?dryRun=true', {
      pods: [{ namespace: DEMO_NAMESPACE, name: 'cache-0' }, { namespace: DEMO_NAMESPACE, name: 'cache-9' }],
      hooks: { resources: [{ name: 'say-hello', includedNamespaces: [DEMO_NAMESPACE], postHooks: [{ exec: { container: 'redis', command: ['/bin/sh', '-c', 'echo hello'], execTimeout: '10s' } }] }] },
    });
    assert.equal(dry.status, 200);
    assert.deepEqual(dry.body, {
      dryRun: true,
      warnings: [],
      pods: [
        {
          namespace: DEMO_NAMESPACE,
          name: 'cache-0',
          status: 'planned',
          warnings: [],
          hooks: [{ name: 'say-hello', source: 'spec', container: 'redis', command: ['/bin/sh', '-c', 'echo hello'], onError: 'Continue', execTimeoutMs: 10_000, waitTimeoutMs: null, waitForReady: false }],
        },
        { namespace: DEMO_NAMESPACE, name: 'cache-9', status: 'not found', warnings: [], hooks: [] },
      ],
      summary: { pods: 2, hooksTotal: 1 },
    });
  });
});
