import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregationKey, hookEndOfExec, hookEvent, NOTE_MAX_BYTES, truncateUtf8, type HookEnd, type HookEventInput } from '../../src/domain/hook-event.ts';
import { nextStep } from '../../src/domain/next-step.ts';
import { pod } from '../fixtures/pod.ts';
import { planOf, planned } from '../fixtures/plan.ts';

const base: Omit<HookEventInput, 'end'> = {
  jobId: 'j123',
  hook: { name: 'warm-cache', container: 'redis' },
  pod: { namespace: 'demo', name: 'cache-0', uid: 'u-1' },
  restore: null,
};
const ev = (end: HookEnd, fields: Partial<HookEventInput> = {}) => hookEvent({ ...base, end, ...fields });
const bytes = (s: string): number => new TextEncoder().encode(s).length;

const cases: { name: string; end: HookEnd; type: string; reason: string; note: string }[] = [
  { name: 'exit 0', end: { kind: 'exited', exitCode: 0 }, type: 'Normal', reason: 'HookSucceeded', note: 'hook warm-cache in container redis succeeded, exit code 0 (job j123)' },
  { name: 'exit 3', end: { kind: 'exited', exitCode: 3 }, type: 'Warning', reason: 'HookFailed', note: 'hook warm-cache in container redis failed, exit code 3 (job j123)' },
  {
    name: 'exec timeout',
    end: { kind: 'exec-timeout', timeoutMs: 30_000 },
    type: 'Warning',
    reason: 'HookTimedOut',
    note: 'hook warm-cache in container redis timed out after 30s (the process may still be running in the container) (job j123)',
  },
  {
    name: 'exec error',
    end: { kind: 'exec-error', cause: 'container not found ("redis") (KUBE_BAD_REQUEST)' },
    type: 'Warning',
    reason: 'HookFailed',
    note: 'hook warm-cache in container redis failed to execute: container not found ("redis") (KUBE_BAD_REQUEST) (job j123)',
  },
  {
    name: 'expired before executing',
    end: { kind: 'settled', phase: 'failed', reason: 'hook warm-cache in container redis expired before executing', expired: true },
    type: 'Warning',
    reason: 'HookWaitExpired',
    note: 'hook warm-cache in container redis expired before executing (job j123)',
  },
  {
    name: 'not executed: pod deleted',
    end: { kind: 'settled', phase: 'failed', reason: 'hook warm-cache in container redis not executed: pod deleted before all hooks were executed', expired: false },
    type: 'Warning',
    reason: 'HookFailed',
    note: 'hook warm-cache in container redis not executed: pod deleted before all hooks were executed (job j123)',
  },
  {
    name: 'skipped with a reason that does not name the hook',
    end: { kind: 'settled', phase: 'skipped', reason: 'job cancelled by alice', expired: false },
    type: 'Warning',
    reason: 'HookSkipped',
    note: 'hook warm-cache in container redis skipped: job cancelled by alice (job j123)',
  },
  {
    name: 'interrupted',
    end: { kind: 'interrupted', reason: 'interrupted: the worker running this hook stopped before it ended' },
    type: 'Warning',
    reason: 'HookInterrupted',
    note: 'hook warm-cache in container redis interrupted: the worker running this hook stopped before it ended (job j123)',
  },
];

for (const c of cases) {
  test(`hook event: ${c.name} -> ${c.type} ${c.reason}`, () => {
    const e = ev(c.end);
    assert.equal(e.type, c.type);
    assert.equal(e.reason, c.reason);
    assert.equal(e.note, c.note);
    assert.equal(e.action, 'ExecHook');
    assert.deepEqual(e.regarding, { apiVersion: 'v1', kind: 'Pod', namespace: 'demo', name: 'cache-0', uid: 'u-1' });
    assert.equal(e.namespace, 'demo');
    assert.equal(e.related, null);
  });
}

test('hook event: the Velero Restore is the related object; a pod seen only by name has no uid', () => {
  const restore = { apiVersion: 'velero.io/v1', kind: 'Restore', namespace: 'velero', name: 'r1', uid: 'r-uid' };
  const e = ev({ kind: 'exited', exitCode: 0 }, { restore, pod: { namespace: 'demo', name: 'cache-0', uid: null } });
  assert.deepEqual(e.related, restore);
  assert.equal('uid' in e.regarding, false);
});

test('hook event: every wait expiry of nextStep becomes HookWaitExpired, other failures HookFailed', () => {
  const T0 = 1_000_000;
  const running = { kind: 'present' as const, pod: pod('ns', 'p').container('app').running().build() };
  const pending = { kind: 'present' as const, pod: pod('ns', 'p').container('app').build() };
  const input = { outcomes: new Map(), waitStartMs: T0, jobMaxWaitMs: 3_600_000, stopReason: null };
  const settled = (step: ReturnType<typeof nextStep>): HookEnd => {
    assert.equal(step.kind, 'settle');
    const s = step.kind === 'settle' ? step.settlements[0] : undefined;
    assert.ok(s);
    return { kind: 'settled', phase: s.phase, reason: s.reason, expired: s.expired === true };
  };
  const own = settled(nextStep({ ...input, plan: planOf(planned(0, { waitTimeoutMs: 1000 })), state: running, nowMs: T0 + 2000 }));
  assert.equal(ev(own).reason, 'HookWaitExpired');
  const waitEnded = settled(nextStep({ ...input, plan: planOf(planned(0, { waitTimeoutMs: 1000 })), state: pending, nowMs: T0 + 2000 }));
  assert.equal(ev(waitEnded).reason, 'HookWaitExpired');
  const deleted = settled(nextStep({ ...input, plan: planOf(planned(0)), state: { kind: 'deleted' }, nowMs: T0 }));
  assert.equal(ev(deleted).reason, 'HookFailed');
  const noCommand = settled(nextStep({ ...input, plan: planOf(planned(0, { command: [] })), state: running, nowMs: T0 }));
  assert.equal(ev(noCommand).reason, 'HookFailed');
});

test('hook event: exec outcomes map to their ends, and output never reaches the note', () => {
  const out = { stdout: 'SECRET-STDOUT', stderr: 'SECRET-STDERR', truncated: false };
  assert.deepEqual(hookEndOfExec({ kind: 'exited', exitCode: 2, ...out }, 5000), { kind: 'exited', exitCode: 2 });
  assert.deepEqual(hookEndOfExec({ kind: 'timeout', ...out }, 5000), { kind: 'exec-timeout', timeoutMs: 5000 });
  assert.deepEqual(hookEndOfExec({ kind: 'error', code: 'KUBE_UNAVAILABLE', message: 'refused', ...out }, 5000), { kind: 'exec-error', cause: 'refused (KUBE_UNAVAILABLE)' });
  for (const o of [{ kind: 'exited' as const, exitCode: 1, ...out }, { kind: 'timeout' as const, ...out }]) {
    assert.doesNotMatch(ev(hookEndOfExec(o, 5000)).note, /SECRET/);
  }
});

test('hook event: the note stays within 1 kB of UTF-8, cutting the cause first and keeping the job id', () => {
  const long = ev({ kind: 'exec-error', cause: 'é'.repeat(2000) });
  assert.ok(bytes(long.note) <= NOTE_MAX_BYTES, `${bytes(long.note)} bytes`);
  assert.ok(bytes(long.note) >= NOTE_MAX_BYTES - 3);
  assert.match(long.note, /^hook warm-cache in container redis failed to execute: é+\.\.\. \(job j123\)$/);
  const longName = ev({ kind: 'exited', exitCode: 1 }, { hook: { name: 'n'.repeat(5000), container: 'redis' } });
  assert.ok(bytes(longName.note) <= NOTE_MAX_BYTES);
  assert.match(longName.note, /failed, exit code 1 \(job j123\)$/);
  assert.equal(truncateUtf8('abc', 3), 'abc');
  assert.equal(truncateUtf8('aé€😀', 6), 'aé...');
  assert.equal(truncateUtf8('aé€😀', 5), 'a...');
  assert.equal(truncateUtf8('😀😀😀', 7), '😀...');
});

test('hook event: the aggregation key is the object, reason, action, related object and note', () => {
  const a = ev({ kind: 'exited', exitCode: 3 });
  assert.equal(aggregationKey(a), aggregationKey(ev({ kind: 'exited', exitCode: 3 })));
  assert.notEqual(aggregationKey(a), aggregationKey(ev({ kind: 'exited', exitCode: 4 })));
  assert.notEqual(aggregationKey(a), aggregationKey(ev({ kind: 'exited', exitCode: 3 }, { pod: { namespace: 'demo', name: 'cache-1', uid: 'u-2' } })));
  assert.notEqual(aggregationKey(a), aggregationKey(ev({ kind: 'exited', exitCode: 3 }, { jobId: 'other' })));
});
