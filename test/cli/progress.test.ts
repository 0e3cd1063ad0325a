// Following a job: each hook change counted and printed once, the live line, the exit code.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyHookEvent, emptyProgress, exitCodeOf, hookLine, progressLine, type HookEvent, type Progress } from '../../src/cli/progress.ts';

const ev = (pod: string, index: number, phase: HookEvent['phase'], over: Partial<HookEvent> = {}): HookEvent => ({
  namespace: 'demo',
  pod,
  index,
  name: 'warm-cache',
  source: 'spec',
  container: 'redis',
  command: ['true'],
  onError: 'Continue',
  phase,
  exitCode: null,
  stdout: '',
  stderr: '',
  outputTruncated: false,
  error: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  ...over,
});

function apply(events: HookEvent[]): { progress: Progress; changed: boolean[] } {
  let progress = emptyProgress;
  const changed: boolean[] = [];
  for (const e of events) {
    const r = applyHookEvent(progress, e);
    progress = r.progress;
    changed.push(r.changed);
  }
  return { progress, changed };
}

describe('progress', () => {
  it('a repeated state (a snapshot, a reconnect) is not a change; hooks are told apart by pod and index', () => {
    const { changed } = apply([ev('cache-0', 0, 'running'), ev('cache-0', 0, 'running'), ev('cache-0', 1, 'running'), ev('cache-1', 0, 'running'), ev('cache-0', 0, 'succeeded')]);
    assert.deepEqual(changed, [true, false, true, true, true]);
  });

  it('the live line counts ended, running and waiting hooks against the total', () => {
    const { progress } = apply([ev('a', 0, 'succeeded'), ev('b', 0, 'failed'), ev('c', 0, 'skipped'), ev('d', 0, 'running'), ev('e', 0, 'waiting'), ev('f', 0, 'pending')]);
    assert.equal(
      progressLine(progress, { id: 'j1', status: 'running', total: 8 }, 5200),
      'job j1 running: 3/8 hooks ended (1 succeeded, 1 failed, 1 skipped), 1 running, 1 waiting, 5.2s',
    );
    // A total not known yet (a selector not listed) is never below what was seen.
    assert.match(progressLine(progress, { id: 'j1', status: 'running', total: 0 }, 0), /: 3\/6 hooks ended/);
    assert.match(progressLine(emptyProgress, { id: 'j1', status: 'queued', total: null }, 0), /^job j1 queued: 0\/0 hooks ended/);
  });

  it('one line per change: who, phase, exit code, duration, why', () => {
    assert.equal(hookLine(ev('cache-0', 0, 'running')), 'demo/cache-0 warm-cache [redis]: running');
    assert.equal(hookLine(ev('cache-0', 0, 'succeeded', { exitCode: 0, durationMs: 12 })), 'demo/cache-0 warm-cache [redis]: succeeded (exit code 0, 12ms)');
    assert.equal(
      hookLine(ev('search-0', 0, 'failed', { name: '<from-annotation>', container: 'search', exitCode: 3, durationMs: 1500, error: 'command terminated\nwith exit code 3' })),
      'demo/search-0 <from-annotation> [search]: failed (exit code 3, 1.5s): command terminated with exit code 3',
    );
    assert.equal(hookLine(ev('x', 0, 'skipped', { error: 'job cancelled' })), 'demo/x warm-cache [redis]: skipped: job cancelled');
    assert.equal(hookLine(ev('x', 1, 'running')), 'demo/x warm-cache [redis, hook 2]: running', 'hooks of one spec entry share its name');
  });

  it('exit code: 0 only for a completed job', () => {
    assert.deepEqual(
      (['completed', 'partially_failed', 'failed', 'cancelled'] as const).map(exitCodeOf),
      [0, 1, 1, 1],
    );
  });
});
