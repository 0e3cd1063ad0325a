// Paging a running job on the simulated cluster: GET /v1/jobs/{id}/pods gives every pod
// exactly once while hooks run and pods change status between pages; once the job has ended,
// ?view=summary has the same summary as the full view and the status filter splits the pods.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

interface Pod {
  name: string;
  status: string;
  hooks: { phase: string }[];
}
interface Page {
  pods: Pod[];
  nextCursor: string | null;
}

const NS = 'paging';
const PODS = 120;
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });

describe('paging a running job', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
    env.sim.createNamespace(NS);
    for (let i = 0; i < PODS; i++) {
      // Every third pod stays Pending until the test starts it, so the job is running while it is paged.
      const manual = i % 3 === 0 ? { 'sim.hookd.io/lifecycle': 'manual' } : {};
      env.sim.createPod(NS, { metadata: { name: `p-${String(i).padStart(3, '0')}`, labels: { app: 'paged' }, annotations: manual }, spec: { containers: [{ name: 'app', image: 'x' }] } });
    }
  });
  after(async () => {
    await hookd?.stop();
  });

  test('every pod exactly once while it runs; the summary view and the filter agree with the full view at the end', async () => {
    const post = await api<{ id: string }>(hookd.url, 'POST', '/v1/jobs', {
      selector: { namespaces: [NS], labelSelector: 'app=paged' },
      hooks: { resources: [{ name: 'touch', postHooks: [{ exec: { command: ['/bin/sh', '-c', 'echo ok'], execTimeout: '10s' } }] }] },
    });
    assert.equal(post.status, 202);
    const id = post.body.id;
    // Wait until the pods are listed and the free ones have run: the job is half way.
    const halfWay = async () => {
      const s = (await api<{ summary: { pods: number; hooksSucceeded: number } }>(hookd.url, 'GET', `/v1/jobs/${id}?view=summary`)).body.summary;
      return s.pods === PODS && s.hooksSucceeded >= (PODS * 2) / 3;
    };
    for (let i = 0; !(await halfWay()); i++) {
      assert.ok(i < 800, 'the free pods ran');
      await new Promise((r) => setTimeout(r, 25));
    }

    const seen: string[] = [];
    const statuses = new Set<string>();
    let cursor: string | null = null;
    let released = 0;
    do {
      const page: { status: number; body: Page } = await api<Page>(hookd.url, 'GET', `/v1/jobs/${id}/pods?limit=11${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(page.status, 200);
      for (const p of page.body.pods) {
        seen.push(p.name);
        statuses.add(p.status);
      }
      cursor = page.body.nextCursor;
      // Between pages, start a few of the waiting pods: statuses change on both sides of the cursor.
      for (let k = 0; k < 6 && released < PODS; k++, released += 3) {
        const name = `p-${String(released).padStart(3, '0')}`;
        env.sim.setContainerState(NS, name, 'app', 'running', { ready: true });
      }
      await new Promise((r) => setTimeout(r, 10));
    } while (cursor !== null);
    assert.deepEqual(seen, Array.from({ length: PODS }, (_, i) => `p-${String(i).padStart(3, '0')}`));
    assert.ok(statuses.size > 1, `pages were read while pods changed: ${[...statuses].join(', ')}`);

    for (; released < PODS; released += 3) env.sim.setContainerState(NS, `p-${String(released).padStart(3, '0')}`, 'app', 'running', { ready: true });
    const full = await waitForJobEnd<{ status: string; summary: unknown; pods: Pod[] }>(hookd.url, id, 60_000);
    assert.equal(full.status, 'completed');
    const summary = await api<{ summary: unknown; pods?: unknown }>(hookd.url, 'GET', `/v1/jobs/${id}?view=summary`);
    assert.equal(summary.body.pods, undefined);
    assert.deepEqual(summary.body.summary, full.summary);
    const succeeded = await api<Page>(hookd.url, 'GET', `/v1/jobs/${id}/pods?status=succeeded&limit=1000`);
    assert.equal(succeeded.body.pods.length, PODS);
    assert.equal(succeeded.body.nextCursor, null);
    assert.deepEqual(succeeded.body.pods, full.pods);
    assert.deepEqual((await api<Page>(hookd.url, 'GET', `/v1/jobs/${id}/pods?status=failed`)).body, { pods: [], nextCursor: null });
  });
});
