// A Velero Restore's spec.hooks read as Velero reads them: what it runs is kept, what it reads
// differently from a caller's hooks is a warning, what it cannot run at all is an error.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRestoreHooks } from '../../src/domain/restore-hooks.ts';

const W = 'R spec.hooks';

test('restore hooks: init hooks are counted and left out; an exec beside an init is kept', () => {
  const raw = { resources: [{ name: 'a', postHooks: [{ init: { initContainers: [] } }, { exec: { command: ['x'] } }, { init: {}, exec: { command: ['y'] } }] }, { name: 'b' }] };
  assert.deepEqual(readRestoreHooks(raw, W), {
    hooks: { resources: [{ name: 'a', postHooks: [{ exec: { command: ['x'] } }, { exec: { command: ['y'] } }] }, { name: 'b', postHooks: [] }] },
    warnings: [],
    errors: [],
    initHooks: 2,
  });
  assert.deepEqual(readRestoreHooks(null, W), { hooks: {}, warnings: [], errors: [], initHooks: 0 });
});

test('restore hooks: nulls are absent, an empty container is left to the plan (the first container), waitForReady null is unset', () => {
  const raw = { resources: [{ name: 'a', includedNamespaces: null, excludedNamespaces: null, labelSelector: null, postHooks: [{ exec: { container: '', command: ['x'], waitForReady: null } }] }], other: 1 };
  const r = readRestoreHooks(raw, W);
  assert.deepEqual(r.hooks, { resources: [{ name: 'a', postHooks: [{ exec: { command: ['x'] } }] }] });
  assert.deepEqual(r.warnings, ['R spec.hooks.other: unknown field, ignored (Velero ignores it too)']);
});

test('restore hooks: negative and long durations are kept for the plan to read as Velero does; one Velero cannot decode is an error', () => {
  const raw = { resources: [{ name: 'a', postHooks: [{ exec: { command: ['x'], execTimeout: '-5s', waitTimeout: '-1s' } }, { exec: { command: ['y'], execTimeout: '9h', waitTimeout: 'soon' } }] }] };
  const r = readRestoreHooks(raw, W);
  assert.deepEqual(r.hooks.resources?.[0]?.postHooks?.map((h) => [h.exec?.execTimeout, h.exec?.waitTimeout]), [['-5s', '-1s'], ['9h', 'soon']]);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0] ?? '', /^R spec\.hooks\.resources\[0\]\.postHooks\[1\]\.exec\.waitTimeout: "soon" is not a Go duration .*Velero cannot decode this Restore$/);
});

test('restore hooks: an empty name, a broken pattern and a post hook without exec are warnings; a bad selector is an error', () => {
  const raw = {
    resources: [
      { name: '', includedNamespaces: ['[a'], postHooks: [{}, { exec: { command: ['x'] } }] },
      { name: 'b', labelSelector: { matchLabels: { 'bad key!': 'v' } }, postHooks: [{ exec: { command: ['x'] } }] },
    ],
  };
  const r = readRestoreHooks(raw, W);
  assert.deepEqual(r.warnings, [
    'R spec.hooks.resources[0].name: empty; Velero fails each of its hooks with "hookName is required" once its container is up, without running it, and so does hookd',
    r.warnings[1],
    'R spec.hooks.resources[0].postHooks[0]: no exec; Velero skips it',
  ]);
  assert.match(r.warnings[1] ?? '', /^R spec\.hooks\.resources\[0\]\.includedNamespaces\[0\]: "\[a" is not a valid glob pattern .*stops at the first that does not compile, it matches no namespace$/);
  assert.deepEqual(r.hooks.resources?.[0], { name: '', includedNamespaces: ['[a'], postHooks: [{ exec: { command: ['x'] } }] });
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0] ?? '', /^R spec\.hooks\.resources\[1\]\.labelSelector\.matchLabels\["bad key!"\]: .*\(Velero fails the Restore's hooks\)$/);
});

test('restore hooks: a broken namespace pattern hides every pattern sorted after it, and the warning names them', () => {
  const r = readRestoreHooks({ resources: [{ name: 'a', excludedNamespaces: ['prod', '[', 'a-*'], postHooks: [{ exec: { command: ['x'] } }] }] }, W);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0] ?? '', /^R spec\.hooks\.resources\[0\]\.excludedNamespaces\[1\]: "\[" is not a valid glob pattern .* it and every pattern sorted after it \("a-\*", "prod"\) match no namespace$/);
});

test("restore hooks: entries sharing a name are warned about (Velero's tracker counts their hooks at one position once)", () => {
  const r = readRestoreHooks({ resources: [{ name: 'db', postHooks: [{ exec: { command: ['x'] } }] }, { name: 'web' }, { name: 'db', postHooks: [{ exec: { command: ['y'] } }] }] }, W);
  assert.deepEqual(r.warnings, [
    'R spec.hooks.resources[2].name: "db" is also the name of resources[0]; Velero counts hooks of the two at the same position on one container once in its restore status, keeping the first result; hookd reports each',
  ]);
  assert.equal(r.hooks.resources?.length, 3, 'both run');
});
