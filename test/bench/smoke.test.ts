// The benchmark harness at N = 50 (npm run bench at full size is not part of npm test): it
// must build and start hookd, the sim and the runners, finish, write both reports with every
// field of issue 6 holding a plausible value, and leave no Redis key behind.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { runBench } from '../../bench/harness.ts';
import { createProgress } from '../../bench/progress.ts';
import type { BenchReport } from '../../bench/report.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';

const out = mkdtempSync(join(tmpdir(), 'hookd-bench-smoke-'));
after(() => rmSync(out, { recursive: true, force: true }));

const PODS = 50;

/** A number that is there, finite, and (unless zero is allowed) above zero. */
function num(v: number | null, what: string, allowZero = false): number {
  assert.equal(typeof v, 'number', `${what} is a number, not ${String(v)}`);
  const n = v as number;
  assert.ok(Number.isFinite(n) && (allowZero ? n >= 0 : n > 0), `${what} = ${n}`);
  return n;
}

function ordered(p: { p50Ms: number | null; p95Ms?: number | null; p99Ms: number | null }, what: string): void {
  const p50 = num(p.p50Ms, `${what}.p50Ms`, true);
  const p99 = num(p.p99Ms, `${what}.p99Ms`, true);
  const p95 = p.p95Ms === undefined ? p99 : num(p.p95Ms, `${what}.p95Ms`, true);
  assert.ok(p50 <= p95 && p95 <= p99, `${what}: p50 <= p95 <= p99 (${JSON.stringify(p)})`);
}

test(`npm run bench harness at N = ${PODS}: every field, sane values, nothing left behind`, { timeout: 120_000 }, async () => {
  const { files } = await runBench(
    {
      pods: PODS,
      concurrency: 5,
      out,
      repeat: 1,
      reactionPods: 20,
      reactionIntervalMs: 5,
      httpDurationSec: 1,
      httpConnections: 1,
      redisUrl: TEST_REDIS_URL,
      cpuProfDir: null,
      keepLogs: false,
      hookdNodeArgs: [],
      workerNodeArgs: [],
      workerMallocArenaMax: '2',
      workerMallocThreshold: '131072',
      throughputWorkers: 1,
      alsoWorkers: 2,
      parkedPods: 200,
      parkedNamespaces: 4,
      only: [],
      command: 'test/bench/smoke.test.ts',
    },
    createProgress(null),
  );
  assert.equal(files.json, join(out, 'latest.json'));
  assert.ok(existsSync(files.md));
  const r = JSON.parse(readFileSync(files.json, 'utf8')) as BenchReport;

  assert.deepEqual(r.failures, [], 'no phase failed');
  assert.ok(!Number.isNaN(Date.parse(r.startedAt)));
  assert.match(r.node, /^v24\./);
  assert.ok(Number.isInteger(r.cpus) && r.cpus >= 1);

  assert.equal(r.throughput.pods, PODS);
  assert.equal(r.throughput.concurrency, 5);
  const hookd = num(r.throughput.hookdHooksPerSec, 'throughput.hookdHooksPerSec');
  const baseline = num(r.throughput.baselineHooksPerSec, 'throughput.baselineHooksPerSec');
  assert.ok(Math.abs(num(r.throughput.ratio, 'throughput.ratio') - hookd / baseline) < 0.01, 'ratio = hookd / baseline');
  assert.deepEqual(r.throughput.runs.map((x) => x.hookdRounds.length), [1, 1], 'one round at --repeat 1, per run');
  assert.deepEqual(r.throughput.runs.map((x) => x.workers), [1, 2], 'one worker (judged), then two for comparison');
  for (const [i, run] of r.throughput.runs.entries()) {
    assert.equal(Object.keys(run.cpuMsPerHook ?? {}).length, 6, `throughput.runs[${i}].cpuMsPerHook has every figure`);
    for (const [k, v] of Object.entries(run.cpuMsPerHook ?? {})) num(v, `throughput.runs[${i}].cpuMsPerHook.${k}`);
  }
  assert.equal(r.realProcesses?.pods, PODS);
  assert.equal(r.realProcesses.execs, 'process');
  num(r.realProcesses.ratio, 'realProcesses.ratio');

  ordered(r.reaction, 'reaction');
  assert.equal(r.reaction.samples, 20);
  ordered(r.reaction.veleroStyle, 'Velero-style reaction');

  // Every hook is one exec request, for hookd as for the baseline (checked by the harness too).
  assert.equal(r.apiServer.execRequestsPerHook, 1);
  const watches = num(r.apiServer.maxWatchesPerNamespace, 'apiServer.maxWatchesPerNamespace');
  assert.ok(Number.isInteger(watches), 'hookd watched while pods waited');
  // The Velero-style runner holds one watch per pod: all 50 open before any pod runs.
  assert.equal(r.apiServer.velerostyleWatches, PODS);
  num(r.apiServer.requestsPerPod, 'apiServer.requestsPerPod');
  num(r.apiServer.velerostyleRequestsPerPod, 'apiServer.velerostyleRequestsPerPod');

  for (const [k, v] of Object.entries({ worker: r.memory.workerPeakRssMiB, api: r.memory.apiPeakRssMiB })) {
    const mib = num(v, `memory.${k}PeakRssMiB`);
    assert.ok(mib > 20 && mib < 16_384, `${k} peak RSS ${mib} MiB is plausible for a Node process`);
  }
  num(r.memory.redisBytesPer1000Hooks, 'memory.redisBytesPer1000Hooks');

  for (const [k, h] of Object.entries(r.http)) {
    ordered(h, `http.${k}`);
    num(h.rps, `http.${k}.rps`);
  }
  assert.equal(r.http.post1000Pods.pods, 1000);
  assert.equal(r.http.get10000Hooks.hooks, PODS);
  assert.equal(r.http.get10000HooksPage.pods, 100);
  for (const b of [r.http.get10000Hooks.bodyBytes, r.http.get10000HooksSummary.bodyBytes, r.http.get10000HooksPage.bodyBytes]) num(b, 'GET body bytes');
  assert.ok((r.http.get10000HooksSummary.bodyBytes ?? 0) < (r.http.get10000Hooks.bodyBytes ?? 0), 'the summary is smaller than the whole job');

  // The parked phase: 200 pods over 4 namespaces, 20 of them woken (reaction-pods).
  assert.equal(r.parked.pods, 200);
  assert.equal(r.parked.namespaces, 4);
  assert.equal(r.parked.reactionPods, 20);
  ordered({ p50Ms: r.parked.reactionP50Ms, p99Ms: r.parked.reactionP99Ms }, 'parked reaction');
  num(r.parked.workerCpuMsPerWake ?? null, 'parked.workerCpuMsPerWake');
  assert.equal(r.parked.maxWatchesPerNamespace, 1, 'one watch per namespace, whatever the pods parked in it');
  num(r.parked.workerPeakRssMiB, 'parked.workerPeakRssMiB');
  num(r.parked.parkEntryBytesPerPod, 'parked.parkEntryBytesPerPod');
  assert.ok(num(r.parked.redisBytesPerPod, 'parked.redisBytesPerPod') > (r.parked.parkEntryBytesPerPod ?? 0), 'everything a pod costs includes its parked entry');
  num(r.parked.requestsPerPod, 'parked.requestsPerPod');

  assert.equal(r.targets.length, 10);
  for (const t of r.targets) assert.equal(typeof t.met, 'boolean');
  // Targets are judged from the figures (whether they are met at N = 50 is not this test's business).
  assert.equal(r.targets.find((t) => t.name === 'exec requests per hook')?.met, true);
  assert.match(readFileSync(files.md, 'utf8'), /^# hookd benchmark/);

  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const left: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${r.redisPrefix}*`, 'COUNT', 10_000);
      cursor = next;
      left.push(...keys);
    } while (cursor !== '0');
    assert.deepEqual(left, [], 'the run removed its Redis keys');
  } finally {
    redis.disconnect();
  }
});
