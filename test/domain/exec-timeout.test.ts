// Exec timeouts as Velero's main branch reads them: 0 or less is 30 s, above 4 h capped;
// an annotation is capped with a warning, a caller's hooks get a 400 naming the field.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAnnotationHook } from '../../src/domain/annotations.ts';
import { effectiveExecTimeout, MAX_EXEC_TIMEOUT_MS } from '../../src/domain/exec-timeout.ts';
import { validateHookInput } from '../../src/domain/hook-input.ts';
import { planPodHooks } from '../../src/domain/plan.ts';
import { pod } from '../fixtures/pod.ts';

const A = 'post.hook.restore.velero.io/';

test('effective timeouts', () => {
  const cases: Array<[number, number, boolean]> = [
    [0, 30_000, false],
    [-5, 30_000, false],
    [1, 1, false],
    [MAX_EXEC_TIMEOUT_MS, MAX_EXEC_TIMEOUT_MS, false],
    [MAX_EXEC_TIMEOUT_MS + 1, MAX_EXEC_TIMEOUT_MS, true],
    [30 * 24 * 3600 * 1000, MAX_EXEC_TIMEOUT_MS, true],
    [Number.NaN, 30_000, false],
  ];
  for (const [given, ms, capped] of cases) assert.deepEqual(effectiveExecTimeout(given), { ms, capped }, String(given));
});

test('an annotation above 4h is capped with a warning; 720h no longer becomes a 1 ms timer', () => {
  const r = readAnnotationHook({ [`${A}command`]: '["true"]', [`${A}exec-timeout`]: '720h' });
  assert.equal(r.hook?.execTimeoutMs, MAX_EXEC_TIMEOUT_MS);
  assert.ok(r.warnings.some((w) => /exec-timeout: "720h" is more than 4h0m0s; capped at 4h0m0s/.test(w)), r.warnings.join('\n'));
  assert.equal(readAnnotationHook({ [`${A}command`]: '["true"]', [`${A}exec-timeout`]: '0s' }).hook?.execTimeoutMs, 30_000);
});

test("a caller's execTimeout above 4h is a problem naming the field; 4h itself is fine", () => {
  const hooks = (t: string) => ({ resources: [{ name: 'r', postHooks: [{ exec: { command: ['x'], execTimeout: t } }] }] });
  const problems = validateHookInput(hooks('4h0m1s'), 'body.hooks');
  assert.equal(problems[0]?.path, 'body.hooks.resources[0].postHooks[0].exec.execTimeout');
  assert.match(problems[0]?.message ?? '', /more than the 4h/);
  assert.deepEqual(validateHookInput(hooks('4h'), 'body.hooks'), []);
});

test('a Restore spec above 4h (not validated as a caller\'s input) is capped with a warning', () => {
  const plan = planPodHooks(pod('ns', 'p').container('c').build(), {
    resources: [{ name: 'r', postHooks: [{ exec: { command: ['x'], execTimeout: '100h' } }] }],
  });
  assert.equal(plan.hooks[0]?.execTimeoutMs, MAX_EXEC_TIMEOUT_MS);
  assert.ok(plan.warnings.some((w) => /execTimeout: "100h" is more than 4h0m0s; capped/.test(w)), plan.warnings.join('\n'));
});
