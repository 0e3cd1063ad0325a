// /metrics of a running hookd (API and workers in one process) on the simulated cluster:
// Prometheus naming (hookd_ prefix, _total counters, _seconds units), the queue depth read
// from BullMQ at each scrape, pods waiting and the oldest one's age, exec retries, and the
// Grafana dashboard in deploy/grafana, every metric of which must exist here.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHookd, type TestHookd } from '../helpers/hookd.ts';
import { eventually } from '../helpers/eventually.ts';
import { startSim } from '../helpers/start-sim.ts';
import { createPod, ended, entry, hookOf, sh, submit } from './velero-support.ts';

const env = await startSim({ lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 } });
const { sim } = env;
const NS = 'metrics';
sim.createNamespace(NS);

const DASHBOARD = join(import.meta.dirname, '../../deploy/grafana/hookd-dashboard.json');

interface Scrape {
  text: string;
  /** Metric name -> type, from the # TYPE lines. */
  types: Map<string, string>;
  /** The value of one sample line, e.g. 'hookd_queue_depth{queue="hookd-pods",state="active"}'. */
  value(series: string): number | null;
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1] ?? '', m[2] ?? '');
  return {
    text,
    types,
    value(series) {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? null : Number(line.slice(series.length + 1));
    },
  };
}

describe('hookd /metrics', () => {
  let hookd: TestHookd;
  before(async () => {
    hookd = await startHookd({ kubeconfig: sim.kubeconfig });
  });
  after(async () => hookd?.stop());

  test('pods waiting, the oldest wait and the queue depth follow a pod whose container is not up', async () => {
    createPod(sim, NS, 'slow-0', { containers: ['app'] });
    const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'slow-0' }], hooks: { resources: [entry('h', NS, [{ container: 'app', command: sh('true') }])] } });
    await eventually('the pod to wait', async () => (await scrape(hookd.url)).value('hookd_pods_waiting') === 1);
    await new Promise((r) => setTimeout(r, 1100));
    const during = await scrape(hookd.url);
    assert.ok((during.value('hookd_pods_waiting_oldest_age_seconds') ?? 0) >= 1, during.text);
    // A waiting pod is parked: its queue job is delayed (until its deadline), not held active.
    assert.equal(during.value('hookd_queue_depth{queue="hookd-pods",state="active"}'), 0);
    assert.equal(during.value('hookd_queue_depth{queue="hookd-pods",state="delayed"}'), 1);
    assert.equal(during.value('hookd_queue_depth{queue="hookd-pods",state="waiting"}'), 0);
    assert.equal(during.value('hookd_queue_depth{queue="hookd-jobs",state="delayed"}'), 0);

    sim.setContainerState(NS, 'slow-0', 'app', 'running');
    assert.equal((await ended(hookd.url, id)).status, 'completed');
    const afterwards = await scrape(hookd.url);
    assert.equal(afterwards.value('hookd_pods_waiting'), 0);
    assert.equal(afterwards.value('hookd_pods_waiting_oldest_age_seconds'), 0);
    await eventually('the pod job to leave the active state', async () => (await scrape(hookd.url)).value('hookd_queue_depth{queue="hookd-pods",state="active"}') === 0);
  });

  test('an exec refused before it started is retried and counted', async () => {
    createPod(sim, NS, 'retry-0', { manual: false, containers: ['app'] });
    const before = (await scrape(hookd.url)).value('hookd_exec_retries_total') ?? 0;
    const fault = sim.faults.add({ kind: 'error', status: 503, times: 2, match: { resource: 'pods/exec', name: 'retry-0' } });
    try {
      const id = await submit(hookd.url, { pods: [{ namespace: NS, name: 'retry-0' }], hooks: { resources: [entry('h', NS, [{ container: 'app', command: sh('true') }])] } });
      const job = await ended(hookd.url, id);
      assert.equal(hookOf(job, 'retry-0', 0).phase, 'succeeded');
    } finally {
      sim.faults.remove(fault);
    }
    assert.equal((await scrape(hookd.url)).value('hookd_exec_retries_total'), before + 2);
  });

  test('every hookd metric is named by the Prometheus conventions', async () => {
    const { types } = await scrape(hookd.url);
    const required = [
      'hookd_hooks_total',
      'hookd_hook_exec_duration_seconds',
      'hookd_pods_in_flight',
      'hookd_pods_waiting',
      'hookd_pods_waiting_oldest_age_seconds',
      'hookd_exec_retries_total',
      'hookd_queue_depth',
      'hookd_events_written_total',
      'hookd_events_failed_total',
      'hookd_events_dropped_total',
      'hookd_http_requests_total',
      'hookd_http_request_duration_seconds',
      'hookd_jobs_created_total',
      'hookd_sse_clients',
    ];
    for (const name of required) assert.ok(types.has(name), `${name} is exported`);
    for (const [name, type] of types) {
      assert.match(name, /^hookd_[a-z0-9_]+$/, `${name}: the hookd_ prefix, snake case`);
      if (type === 'counter') assert.match(name, /_total$/, `${name}: a counter ends in _total`);
      else assert.doesNotMatch(name, /_total$/, `${name}: only counters end in _total`);
      if (type === 'histogram' || /(duration|latency|age|time)/.test(name)) assert.match(name, /_seconds$/, `${name}: durations in seconds`);
      assert.doesNotMatch(name, /_(ms|milliseconds|millis)($|_)/, `${name}: base units`);
    }
  });

  test('the Grafana dashboard is valid JSON with the panels operators need, and every metric it queries exists', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { title: string; uid: string; panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    assert.equal(dashboard.uid, 'hookd-overview');
    const titles = dashboard.panels.map((p) => p.title.toLowerCase());
    for (const want of ['throughput', 'outcomes', 'latency', 'queue depth', 'waiting', 'oldest', 'retries', 'events dropped']) {
      assert.ok(titles.some((t) => t.includes(want)), `a panel for ${want}: ${titles.join('; ')}`);
    }
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bhookd_[a-z0-9_]+/g)].map((m) => m[0])));
    assert.ok(used.size >= 10, [...used].join(', '));
    // The HTTP histogram has series once a request was timed; the scrape before this one was.
    await scrape(hookd.url);
    const { types, text } = await scrape(hookd.url);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const type = types.get(name) ?? types.get(base);
      assert.ok(type !== undefined, `the dashboard queries ${name}, which /metrics does not export`);
      if (name !== base) assert.equal(type, 'histogram', `${name} is a histogram's series`);
      assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), `${name} has a sample`);
    }
  });
});
