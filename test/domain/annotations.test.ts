import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAnnotationHook } from '../../src/domain/annotations.ts';
import type { AnnotationReading } from '../../src/domain/annotations.ts';

const P = 'post.hook.restore.velero.io/';
const base = { container: '', command: ['echo hi'], onError: 'Continue', execTimeoutMs: 30_000, waitTimeoutMs: null, waitForReady: false } as const;

const cases: { name: string; annotations: Record<string, string>; want: AnnotationReading }[] = [
  { name: 'annotations: no command, no hook', annotations: {}, want: { hook: null, warnings: [] } },
  { name: 'annotations: empty command, no hook', annotations: { [`${P}command`]: '' }, want: { hook: null, warnings: [] } },
  { name: 'annotations: command alone gets every default', annotations: { [`${P}command`]: 'echo hi' }, want: { hook: base, warnings: [] } },
  {
    name: 'annotations: all keys read',
    annotations: {
      [`${P}command`]: '["psql","-c","select 1"]',
      [`${P}container`]: 'pg',
      [`${P}on-error`]: 'Fail',
      [`${P}exec-timeout`]: '1m30s',
      [`${P}wait-timeout`]: '5m',
      [`${P}wait-for-ready`]: 'True',
    },
    want: {
      hook: { container: 'pg', command: ['psql', '-c', 'select 1'], onError: 'Fail', execTimeoutMs: 90_000, waitTimeoutMs: 300_000, waitForReady: true },
      warnings: [],
    },
  },
  {
    name: 'annotations: on-error is exact case, "fail" behaves as Continue with a warning',
    annotations: { [`${P}command`]: 'echo hi', [`${P}on-error`]: 'fail' },
    want: { hook: base, warnings: [`${P}on-error: "fail" is not Continue or Fail (exact case); Continue`] },
  },
  {
    name: 'annotations: unparsable wait-timeout warns and means no limit',
    annotations: { [`${P}command`]: 'echo hi', [`${P}wait-timeout`]: '5 minutes' },
    want: { hook: base, warnings: [`${P}wait-timeout: "5 minutes" is not a duration; no wait limit`] },
  },
  {
    name: 'annotations: unparsable exec-timeout warns and gets the default 30s',
    annotations: { [`${P}command`]: 'echo hi', [`${P}exec-timeout`]: '10' },
    want: { hook: base, warnings: [`${P}exec-timeout: "10" is not a duration; default 30s`] },
  },
  {
    name: 'annotations: exec-timeout 0 means the default 30s',
    annotations: { [`${P}command`]: 'echo hi', [`${P}exec-timeout`]: '0' },
    want: { hook: base, warnings: [] },
  },
  {
    name: 'annotations: negative exec-timeout warns and gets the default (Velero would not time out)',
    annotations: { [`${P}command`]: 'echo hi', [`${P}exec-timeout`]: '-5s' },
    want: { hook: base, warnings: [`${P}exec-timeout: "-5s" is negative; Velero's exec takes its default 30s for any timeout of 0 or less`] },
  },
  {
    name: 'annotations: negative wait-timeout is kept (expires at once, as in Velero) with a warning',
    annotations: { [`${P}command`]: 'echo hi', [`${P}wait-timeout`]: '-1m' },
    want: {
      hook: { ...base, waitTimeoutMs: -60_000 },
      warnings: [`${P}wait-timeout: "-1m" is negative; as in Velero the hook fails as expired once its container is up`],
    },
  },
  {
    name: 'annotations: unparsable wait-for-ready warns and is false',
    annotations: { [`${P}command`]: 'echo hi', [`${P}wait-for-ready`]: 'yes' },
    want: { hook: base, warnings: [`${P}wait-for-ready: "yes" is not a boolean (true, false, 1, 0, t, f, ...); false`] },
  },
  {
    name: 'annotations: an unknown key under the prefix warns with the keys it may mean (velero #6764: timeout)',
    annotations: { [`${P}command`]: 'echo hi', [`${P}timeout`]: '30s' },
    want: {
      hook: base,
      warnings: [`${P}timeout: unknown key, ignored (did you mean exec-timeout or wait-timeout?)`],
    },
  },
  {
    name: 'annotations: a misspelt key names the key meant; its value is ignored (on-error stays Continue)',
    annotations: { [`${P}command`]: 'echo hi', [`${P}on-eror`]: 'Fail', [`${P}Container`]: 'pg', [`${P}wait_for_ready`]: 'true' },
    want: {
      hook: base,
      warnings: [
        `${P}on-eror: unknown key, ignored (did you mean on-error?)`,
        `${P}Container: unknown key, ignored (did you mean container?)`,
        `${P}wait_for_ready: unknown key, ignored (did you mean wait-for-ready?)`,
      ],
    },
  },
  {
    name: 'annotations: an unknown key near none lists the known keys',
    annotations: { [`${P}command`]: 'echo hi', [`${P}priority`]: '1' },
    want: {
      hook: base,
      warnings: [`${P}priority: unknown key, ignored (known keys: command, container, on-error, exec-timeout, wait-timeout, wait-for-ready)`],
    },
  },
  {
    name: 'annotations: misspelt prefix warns (Velero ignores it silently) and names the key meant',
    annotations: { 'hook.restore.velero.io/command': 'echo hi' },
    want: { hook: null, warnings: ['hook.restore.velero.io/command: "echo hi" is not under post.hook.restore.velero.io/; ignored (did you mean post.hook.restore.velero.io/command?)'] },
  },
  {
    name: 'annotations: init hook and backup hook annotations are not warned about',
    annotations: { 'init.hook.restore.velero.io/container-image': 'busybox', 'pre.hook.backup.velero.io/command': 'sync' },
    want: { hook: null, warnings: [] },
  },
  {
    name: 'annotations: other keys without a command warn that there is no hook',
    annotations: { [`${P}container`]: 'pg' },
    want: { hook: null, warnings: [`${P}container: "pg" has no ${P}command beside it; no annotation hook`] },
  },
  {
    name: 'annotations: value starting with [ that is not a JSON array warns and runs as one argument',
    annotations: { [`${P}command`]: '[echo hi]' },
    want: { hook: { ...base, command: ['[echo hi]'] }, warnings: [`${P}command: "[echo hi]" starts with '[' but is not a JSON array of strings; run as one argument`] },
  },
];
for (const c of cases) test(c.name, () => assert.deepEqual(readAnnotationHook(c.annotations), c.want));
