// Fault injection (latency, 500/429/503 at a rate or a number of times, watch cuts, expired
// continue tokens, exec hangs and missing status), the counters, and the admin endpoint
// that controls both from another process.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { apiError, collectWatch, podManifest, rawRequest, runExec, type RawResponse, type StatusBody } from './support.ts';

const LIMITED = 'limited-faults-token';
const { sim, kc } = await startSim({ faultSeed: 42, extraTokens: [{ token: LIMITED, namespaces: ['f'] }] });
const core = kc.makeApiClient(CoreV1Api);
sim.createNamespace('f');
sim.createPod('f', podManifest('p', { manual: true }));
sim.setContainerState('f', 'p', 'app', 'running', { ready: true });

describe('faults', () => {
  it('adds latency to the matching route only', async () => {
    const id = sim.faults.add({ kind: 'latency', match: { verb: 'get', resource: 'pods' }, ms: 250 });
    let t = Date.now();
    await core.readNamespacedPod({ namespace: 'f', name: 'p' });
    assert.ok(Date.now() - t >= 240, 'get is slowed');
    t = Date.now();
    await core.listNamespacedPod({ namespace: 'f' });
    assert.ok(Date.now() - t < 200, 'list is not');
    assert.ok(sim.faults.remove(id));
  });

  it('injects 500 InternalError a number of times, then lets requests through', async () => {
    sim.faults.add({ kind: 'error', match: { resource: 'pods/status', name: 'p' }, status: 500, times: 2 });
    for (let i = 0; i < 2; i++) {
      const e = await apiError(() => core.patchNamespacedPodStatus({ namespace: 'f', name: 'p', body: [] }));
      assert.equal(e.code, 500);
      assert.equal(e.body.reason, 'InternalError');
    }
    await core.patchNamespacedPodStatus({ namespace: 'f', name: 'p', body: [] });
    assert.equal(sim.faults.list()[0]?.hits, 2);
    sim.faults.clear();
  });

  it('answers 429 TooManyRequests with Retry-After, and 503', async () => {
    sim.faults.add({ kind: 'error', match: { verb: 'list' }, status: 429, retryAfterSeconds: 7, times: 1 });
    const e = await apiError(() => core.listNamespacedPod({ namespace: 'f' }));
    assert.equal(e.code, 429);
    assert.equal(e.headers['retry-after'], '7');
    assert.equal(e.body.reason, 'TooManyRequests');
    assert.equal(e.body.details?.retryAfterSeconds, 7);
    sim.faults.add({ kind: 'error', match: { verb: 'list' }, status: 503, times: 1 });
    assert.equal((await apiError(() => core.listNamespacedPod({ namespace: 'f' }))).code, 503);
    sim.faults.clear();
  });

  it('fails about `rate` of the matching requests', async () => {
    sim.faults.add({ kind: 'error', match: { verb: 'get', resource: 'pods' }, status: 500, rate: 0.5 });
    let failed = 0;
    for (let i = 0; i < 60; i++) {
      try {
        await core.readNamespacedPod({ namespace: 'f', name: 'p' });
      } catch {
        failed++;
      }
    }
    sim.faults.clear();
    assert.ok(failed > 10 && failed < 50, `${failed} of 60 failed`);
  });

  it('cuts a watch after N events, or after T milliseconds', async () => {
    sim.faults.add({ kind: 'watch-cut', match: { namespace: 'f' }, afterEvents: 2, times: 1 });
    const byEvents = await collectWatch(kc, '/api/v1/namespaces/f/pods', { resourceVersion: '1' });
    assert.equal(await byEvents.done, null);
    assert.equal(byEvents.events.length, 2);
    sim.faults.add({ kind: 'watch-cut', match: { namespace: 'f' }, afterMs: 150, times: 1 });
    const t = Date.now();
    const byTime = await collectWatch(kc, '/api/v1/namespaces/f/pods', { resourceVersion: String(Number.MAX_SAFE_INTEGER) });
    assert.equal(await byTime.done, null);
    assert.ok(Date.now() - t >= 140 && Date.now() - t < 2000);
    sim.faults.clear();
  });

  it("expires a list's continue token: 410 Expired with the API server's Status, lists without a token untouched", async () => {
    for (const name of ['c1', 'c2', 'c3']) sim.createPod('f', podManifest(name, { manual: true }));
    try {
      const added = await rawRequest(sim, 'POST', '/sim/v1/faults', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'continue-expired', match: { verb: 'list', resource: 'pods', namespace: 'f' }, times: 1 }),
      });
      assert.equal(added.status, 201, 'the admin endpoint takes the fault, for tests driving the sim from another process');
      const first = await rawRequest(sim, 'GET', '/api/v1/namespaces/f/pods?limit=2');
      assert.equal(first.status, 200, 'a list without a token is not hit');
      const page = first.json() as { metadata: { continue?: string }; items: Array<{ metadata: { name: string } }> };
      const token = page.metadata.continue;
      assert.ok(token !== undefined && token !== '');

      const gone = await rawRequest(sim, 'GET', `/api/v1/namespaces/f/pods?limit=2&continue=${encodeURIComponent(token)}`);
      assert.equal(gone.status, 410);
      const status = gone.json() as StatusBody & { apiVersion?: string; metadata?: { continue?: string } };
      assert.equal(status.kind, 'Status');
      assert.equal(status.apiVersion, 'v1');
      assert.equal(status.status, 'Failure');
      assert.equal(status.reason, 'Expired');
      assert.equal(status.code, 410);
      assert.match(status.message ?? '', /^The provided continue parameter is too old to display a consistent list result\./);
      // As the API server: a token that goes on from the same place, for an inconsistent remainder.
      const inconsistent = status.metadata?.continue;
      assert.ok(inconsistent !== undefined && inconsistent !== '' && inconsistent !== token);

      const again = await rawRequest(sim, 'GET', `/api/v1/namespaces/f/pods?limit=2&continue=${encodeURIComponent(token)}`);
      assert.equal(again.status, 200, '`times` bounds it');
      const rest = await rawRequest(sim, 'GET', `/api/v1/namespaces/f/pods?limit=100&continue=${encodeURIComponent(inconsistent)}`);
      const names = (p: RawResponse): string[] => (p.json() as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
      assert.deepEqual(names(rest), names(again), 'the new token goes on from where the expired one stopped');
      assert.deepEqual([...page.items.map((i) => i.metadata.name), ...names(rest)], ['c1', 'c2', 'c3', 'p']);
      // Through client-node too: an ApiException with code 410 and the same Status.
      sim.faults.add({ kind: 'continue-expired', match: { namespace: 'f' }, times: 1 });
      const e = await apiError(() => core.listNamespacedPod({ namespace: 'f', limit: 2, _continue: token }));
      assert.deepEqual([e.code, e.body.reason], [410, 'Expired']);
    } finally {
      sim.faults.clear();
      for (const name of ['c1', 'c2', 'c3']) sim.deletePod('f', name);
    }
  });

  it('makes an exec hang or end without its status', async () => {
    sim.faults.add({ kind: 'exec', match: { container: 'app' }, mode: 'no-status', times: 1 });
    const r = await runExec(kc, 'f', 'p', 'app', ['echo', 'partial']);
    assert.equal(r.stdout, 'partial\n');
    assert.equal(r.status, null);
    assert.equal(r.closeCode, 1000);
    sim.faults.add({ kind: 'exec', match: { name: 'p' }, mode: 'hang', times: 1 });
    const hung = runExec(kc, 'f', 'p', 'app', ['echo', 'never']);
    const outcome = await Promise.race([hung, new Promise((r) => setTimeout(() => r('still hanging'), 300))]);
    assert.equal(outcome, 'still hanging');
    sim.faults.clear();
    sim.deletePod('f', 'p');
    const ended = await hung;
    assert.equal(ended.stdout, '', 'the command never ran');
    sim.createPod('f', podManifest('p', { manual: true }));
    sim.setContainerState('f', 'p', 'app', 'running', { ready: true });
  });

  it('rejects a malformed fault', () => {
    assert.throws(() => sim.faults.add({ kind: 'error', status: 418 } as never), /status must be 500, 429 or 503/);
    assert.throws(() => sim.faults.add({ kind: 'latency', ms: 5, rate: 2 }), /rate/);
  });
});

describe('counters', () => {
  it('counts requests by verb, route and pod, watches per namespace, and exec sessions', async () => {
    sim.resetCounters();
    await core.readNamespacedPod({ namespace: 'f', name: 'p' });
    await core.readNamespacedPod({ namespace: 'f', name: 'p' });
    await core.listNamespacedPod({ namespace: 'f' });
    const w1 = await collectWatch(kc, '/api/v1/namespaces/f/pods', {});
    const w2 = await collectWatch(kc, '/api/v1/pods', {});
    await runExec(kc, 'f', 'p', 'app', ['true']);
    const c = sim.counters();
    assert.equal(c.requests.byVerb['get'], 2);
    assert.equal(c.requests.byRoute['get /api/v1/namespaces/{namespace}/pods/{name}'], 2);
    assert.equal(c.requests.byRoute['list /api/v1/namespaces/{namespace}/pods'], 1);
    assert.equal(c.requests.byPod['f/p'], 3, 'two gets and one exec');
    assert.deepEqual(c.watches.byNamespace['f'], { current: 1, max: 1 });
    assert.deepEqual(c.watches.byNamespace['*'], { current: 1, max: 1 });
    assert.equal(c.exec.started, 1);
    assert.equal(c.requests.total, 6);
    w1.abort();
    w2.abort();
    await Promise.all([w1.done, w2.done]);
    // The server notices the closed connections shortly after the client does.
    const deadline = Date.now() + 2000;
    while (sim.counters().watches.current > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sim.counters().watches.current, 0);
    assert.equal(sim.counters().watches.max, 2);
  });
});

describe('admin endpoint', () => {
  it('serves counters and the timeline, and manages faults, scripts and container states', async () => {
    const counters = await rawRequest(sim, 'GET', '/sim/v1/counters');
    assert.equal(counters.status, 200);
    assert.ok((counters.json() as { requests: { total: number } }).requests.total > 0);
    const added = await rawRequest(sim, 'POST', '/sim/v1/faults', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'error', match: { verb: 'list', namespace: 'f' }, status: 503, times: 1 }),
    });
    assert.equal(added.status, 201);
    const { id } = added.json() as { id: string };
    assert.equal((await apiError(() => core.listNamespacedPod({ namespace: 'f' }))).code, 503);
    const listed = (await rawRequest(sim, 'GET', '/sim/v1/faults')).json() as { items: Array<{ id: string; hits: number }> };
    assert.deepEqual(listed.items.map((f) => [f.id, f.hits]), [[id, 1]]);
    assert.equal((await rawRequest(sim, 'DELETE', `/sim/v1/faults/${id}`)).status, 200);
    assert.equal((await rawRequest(sim, 'POST', '/sim/v1/faults', { body: '{"kind":"nope"}', headers: { 'content-type': 'application/json' } })).status, 400);

    const script = await rawRequest(sim, 'PUT', '/sim/v1/scripts', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { namespace: 'f', pod: 'p' }, result: { exitCode: 9, stdout: 'scripted' } }),
    });
    assert.equal(script.status, 200);
    const r = await runExec(kc, 'f', 'p', 'app', ['anything']);
    assert.deepEqual([r.stdout, r.status?.details?.causes?.[0]?.message], ['scripted', '9']);
    await rawRequest(sim, 'DELETE', '/sim/v1/scripts');

    sim.createPod('f', podManifest('via-admin', { manual: true }));
    const set = await rawRequest(sim, 'PUT', '/sim/v1/namespaces/f/pods/via-admin/containers/app', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'running', ready: true }),
    });
    assert.equal(set.status, 200);
    assert.equal((await core.readNamespacedPod({ namespace: 'f', name: 'via-admin' })).status?.phase, 'Running');

    const timeline = (await rawRequest(sim, 'GET', '/sim/v1/timeline')).json() as { containerRunning: unknown[] };
    assert.ok(timeline.containerRunning.length > 0);
    assert.equal((await rawRequest(sim, 'POST', '/sim/v1/counters/reset')).status, 200);
  });

  it('needs the main token: 401 without one, 403 with a limited one', async () => {
    assert.equal((await rawRequest(sim, 'GET', '/sim/v1/counters', { token: null })).status, 401);
    const limited = await rawRequest(sim, 'GET', '/sim/v1/counters', { token: LIMITED });
    assert.equal(limited.status, 403);
  });
});
