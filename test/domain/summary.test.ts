import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHookEnded, isPodEnded, settledResult } from '../../src/domain/ended.ts';
import { jobStatusOf, podStatusOf, summarize } from '../../src/domain/summary.ts';
import type { HookPhase, JobStatus, PodStatus } from '../../src/domain/types.ts';

const h = (phase: HookPhase, started = false): { phase: HookPhase; startedAt: string | null } => ({
  phase,
  startedAt: started ? '2026-01-01T00:00:00.000Z' : null,
});

test('summary: attempted counts started execs; the phases add up to the total', () => {
  const s = summarize([
    { hooks: [h('succeeded', true), h('failed', true), h('failed'), h('skipped')] },
    { hooks: [h('pending'), h('waiting'), h('running', true)] },
    { hooks: [] },
  ]);
  assert.deepEqual(s, { pods: 3, hooksTotal: 7, hooksAttempted: 3, hooksSucceeded: 1, hooksFailed: 2, hooksPending: 3, hooksSkipped: 1 });
  assert.equal(s.hooksSucceeded + s.hooksFailed + s.hooksSkipped + s.hooksPending, s.hooksTotal);
});

const pods: { name: string; hooks: HookPhase[]; podError: string | null; want: PodStatus }[] = [
  { name: 'pod status: all succeeded', hooks: ['succeeded', 'succeeded'], podError: null, want: 'succeeded' },
  { name: 'pod status: any hook failed (also with Continue) fails the pod', hooks: ['failed', 'succeeded'], podError: null, want: 'failed' },
  { name: 'pod status: pod error (not found) fails the pod', hooks: [], podError: 'pod db/x not found', want: 'failed' },
  { name: 'pod status: skipped hooks alone do not fail the pod', hooks: ['skipped'], podError: null, want: 'succeeded' },
  { name: 'pod status: no hooks is succeeded', hooks: [], podError: null, want: 'succeeded' },
];
for (const c of pods) test(c.name, () => assert.equal(podStatusOf(c.hooks.map((phase) => ({ phase })), c.podError), c.want));

const jobs: { name: string; cancelled: boolean; jobError: string | null; pods: PodStatus[]; want: JobStatus }[] = [
  { name: 'job status: every pod succeeded is completed', cancelled: false, jobError: null, pods: ['succeeded', 'succeeded'], want: 'completed' },
  { name: 'job status: a failed pod is partially_failed', cancelled: false, jobError: null, pods: ['succeeded', 'failed'], want: 'partially_failed' },
  { name: 'job status: job error is failed', cancelled: false, jobError: 'cannot list pods in db', pods: [], want: 'failed' },
  { name: 'job status: cancelled wins', cancelled: true, jobError: null, pods: ['failed'], want: 'cancelled' },
  { name: 'job status: no pods is completed', cancelled: false, jobError: null, pods: [], want: 'completed' },
  { name: 'job status: an unfinished pod keeps the job running', cancelled: false, jobError: null, pods: ['failed', 'waiting'], want: 'running' },
];
for (const c of jobs) {
  test(c.name, () => assert.equal(jobStatusOf({ cancelled: c.cancelled, jobError: c.jobError, pods: c.pods.map((status) => ({ status })) }), c.want));
}

test('ended: succeeded, failed and skipped hooks are over; pending, waiting and running are not', () => {
  assert.deepEqual(['pending', 'waiting', 'running', 'succeeded', 'failed', 'skipped'].map(isHookEnded), [false, false, false, true, true, true]);
  assert.deepEqual(['pending', 'waiting', 'running', 'succeeded', 'failed', 'cancelled'].map(isPodEnded), [false, false, false, true, true, true]);
  assert.deepEqual(settledResult('skipped', 'job cancelled'), { phase: 'skipped', exitCode: null, stdout: '', stderr: '', outputTruncated: false, error: 'job cancelled' });
});
