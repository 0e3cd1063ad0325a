import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateHookInput } from '../../src/domain/hook-input.ts';
import type { HookInputProblem } from '../../src/domain/hook-input.ts';
import type { ExecRestoreHook, RestoreHooks } from '../../src/domain/types.ts';

const withExec = (exec: Partial<ExecRestoreHook>): RestoreHooks => ({
  resources: [{ name: 'e', postHooks: [{ exec: { command: ['ok'] } }, { exec: { command: ['x'], ...exec } }] }],
});
const P = 'hooks.resources[0].postHooks[1].exec';

const cases: { name: string; hooks: RestoreHooks; want: HookInputProblem[] }[] = [
  { name: 'input: valid hooks have no problems', hooks: withExec({ onError: 'Fail', execTimeout: '1m30s', waitTimeout: '0', waitForReady: true }), want: [] },
  {
    name: 'input: waitTimeout must be a Go duration, path names the field',
    hooks: withExec({ waitTimeout: '5 minutes' }),
    want: [{ path: `${P}.waitTimeout`, kind: 'invalid', message: '"5 minutes" is not a Go duration such as 30s or 1m30s (time: unknown unit " minutes" in duration "5 minutes")' }],
  },
  {
    name: 'input: execTimeout with days is not a Go duration',
    hooks: withExec({ execTimeout: '1d' }),
    want: [{ path: `${P}.execTimeout`, kind: 'invalid', message: '"1d" is not a Go duration such as 30s or 1m30s (time: unknown unit "d" in duration "1d")' }],
  },
  { name: 'input: negative duration is invalid', hooks: withExec({ execTimeout: '-1s' }), want: [{ path: `${P}.execTimeout`, kind: 'invalid', message: '"-1s" is negative' }] },
  {
    name: 'input: onError must be exactly Continue or Fail',
    hooks: withExec({ onError: 'continue' as 'Continue' }),
    want: [{ path: `${P}.onError`, kind: 'invalid', message: '"continue" must be exactly Continue or Fail' }],
  },
  { name: 'input: command must not be empty', hooks: withExec({ command: [] }), want: [{ path: `${P}.command`, kind: 'invalid', message: 'must not be empty (Velero: command is required)' }] },
  {
    name: 'input: In needs values, Exists must have none, operators are checked',
    hooks: {
      resources: [
        {
          name: 'e',
          labelSelector: {
            matchExpressions: [
              { key: 'a', operator: 'In', values: [] },
              { key: 'b', operator: 'Exists', values: ['x'] },
              { key: 'c', operator: 'Gt' as 'In', values: ['1'] },
            ],
          },
          postHooks: [{ exec: { command: ['x'] } }],
        },
      ],
    },
    want: [
      { path: 'hooks.resources[0].labelSelector.matchExpressions[0]', kind: 'invalid', message: 'operator In needs at least one value' },
      { path: 'hooks.resources[0].labelSelector.matchExpressions[1]', kind: 'invalid', message: 'operator Exists must have no values' },
      { path: 'hooks.resources[0].labelSelector.matchExpressions[2]', kind: 'invalid', message: '"Gt" is not a valid label selector operator' },
    ],
  },
  {
    name: 'input: label keys and values are checked',
    hooks: { resources: [{ name: 'e', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'ok', 'bad key': 'v', k: 'bad value' } }, postHooks: [] }] },
    want: [
      {
        path: 'hooks.resources[0].labelSelector.matchLabels["bad key"]',
        kind: 'invalid',
        message: `label key "bad key": the name part must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`,
      },
      {
        path: 'hooks.resources[0].labelSelector.matchLabels["k"]',
        kind: 'invalid',
        message: `label value "bad value": at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (or empty)`,
      },
    ],
  },
  {
    name: 'input: namespace pattern that does not compile is invalid',
    hooks: { resources: [{ name: 'e', includedNamespaces: ['prod-*', 'db-[0-9a-z]'], postHooks: [] }] },
    want: [
      {
        path: 'hooks.resources[0].includedNamespaces[1]',
        kind: 'invalid',
        message: '"db-[0-9a-z]" is not a valid glob pattern (expected close range character); Velero would match no namespace',
      },
    ],
  },
  {
    name: 'input: init hooks are reported with kind init',
    hooks: { resources: [{ name: 'e', postHooks: [{ init: { initContainers: [] } }] }] },
    want: [{ path: 'hooks.resources[0].postHooks[0].init', kind: 'init', message: 'init hooks must be injected before a pod starts; hookd runs exec hooks only' }],
  },
  { name: 'input: entry name must not be empty', hooks: { resources: [{ name: '', postHooks: [] }] }, want: [{ path: 'hooks.resources[0].name', kind: 'invalid', message: 'must not be empty (Velero: hookName is required)' }] },
  { name: 'input: a post hook needs exec', hooks: { resources: [{ name: 'e', postHooks: [{}] }] }, want: [{ path: 'hooks.resources[0].postHooks[0]', kind: 'invalid', message: 'a post hook needs exec' }] },
];
for (const c of cases) test(c.name, () => assert.deepEqual(validateHookInput(c.hooks, 'hooks'), c.want));
