// What kubectl hookd prints, from literal views: the describe layout (per pod, per hook:
// phase, exit code, duration, error), the wide and list tables, the dry run, -o yaml/json.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { formatAge, formatDurationMs, shellWords, table } from '../../src/cli/format.ts';
import { describeDryRun, describeJob, hooksTable, jobsTable, submitted } from '../../src/cli/render.ts';
import { serialize } from '../../src/cli/serialize.ts';
import type { DryRunView } from '../../src/domain/dry-run.ts';
import type { HookView, JobView } from '../../src/domain/views.ts';

const hook = (over: Partial<HookView>): HookView => ({
  index: 0,
  name: 'warm-cache',
  source: 'spec',
  container: 'redis',
  command: ['/bin/sh', '-c', 'echo warming cache on $HOSTNAME'],
  onError: 'Continue',
  phase: 'succeeded',
  exitCode: 0,
  stdout: 'warming cache on cache-0\n',
  stderr: '',
  outputTruncated: false,
  error: null,
  startedAt: '2026-12-01T10:00:00.100Z',
  finishedAt: '2026-12-01T10:00:00.112Z',
  durationMs: 12,
  ...over,
});

const JOB: JobView = {
  id: 'j1',
  owner: { name: 'system:serviceaccount:team-a:alice', kind: 'user' },
  restore: 'demo-restore',
  status: 'partially_failed',
  warnings: ['Restore velero/demo-restore spec.hooks: 1 init hook left out'],
  error: null,
  failFast: false,
  createdAt: '2026-12-01T10:00:00.000Z',
  startedAt: '2026-12-01T10:00:00.050Z',
  finishedAt: '2026-12-01T10:00:01.550Z',
  summary: { pods: 3, hooksTotal: 2, hooksAttempted: 2, hooksSucceeded: 1, hooksFailed: 1, hooksPending: 0, hooksSkipped: 0 },
  pods: [
    { namespace: 'demo', name: 'cache-0', status: 'succeeded', error: null, warnings: [], hooks: [hook({})] },
    {
      namespace: 'demo',
      name: 'search-0',
      status: 'failed',
      error: null,
      warnings: ['post.hook.restore.velero.io/on-eror: unknown key, ignored (did you mean on-error?)'],
      hooks: [
        hook({
          name: '<from-annotation>',
          source: 'annotation',
          container: 'search',
          command: ['/bin/sh', '-c', 'exit 3'],
          phase: 'failed',
          exitCode: 3,
          stdout: 'rebuilding index\n',
          stderr: 'index is corrupt\n',
          error: 'hook <from-annotation> in container search failed to execute, err: command terminated with exit code 3',
          durationMs: 1500,
        }),
      ],
    },
    { namespace: 'demo', name: 'gone-0', status: 'failed', error: 'pod demo/gone-0 not found', warnings: [], hooks: [] },
  ],
};

describe('describeJob', () => {
  it('reads like velero restore describe --details', () => {
    assert.equal(
      describeJob(JOB),
      `Job:        j1
Restore:    demo-restore
Owner:      system:serviceaccount:team-a:alice (user)
Status:     partially_failed
Fail fast:  false

Created:   2026-12-01T10:00:00.000Z
Started:   2026-12-01T10:00:00.050Z
Finished:  2026-12-01T10:00:01.550Z (took 1.5s)

Warnings:
  Restore velero/demo-restore spec.hooks: 1 init hook left out

Summary:
  Pods:       3
  Hooks:      2
  Attempted:  2
  Succeeded:  1
  Failed:     1
  Skipped:    0
  Pending:    0

Pods:
  demo/cache-0 (succeeded):
    warm-cache (spec hook, container redis):
      Phase:      succeeded
      Exit code:  0
      Duration:   12ms
      On error:   Continue
      Command:    /bin/sh -c 'echo warming cache on $HOSTNAME'
  demo/search-0 (failed):
    Warnings:
      post.hook.restore.velero.io/on-eror: unknown key, ignored (did you mean on-error?)
    <from-annotation> (annotation hook, container search):
      Phase:      failed
      Exit code:  3
      Duration:   1.5s
      On error:   Continue
      Command:    /bin/sh -c 'exit 3'
      Error:      hook <from-annotation> in container search failed to execute, err: command terminated with exit code 3
  demo/gone-0 (failed):
    Error:  pod demo/gone-0 not found
    Hooks:  <none>
`,
    );
  });

  it('--show-output adds stdout and stderr, indented, and says when output was cut', () => {
    const text = describeJob({ ...JOB, pods: [{ ...JOB.pods[1]!, hooks: [{ ...JOB.pods[1]!.hooks[0]!, outputTruncated: true }] }] }, { showOutput: true });
    assert.match(text, /      Error: {6}hook <from-annotation>.*\n      Stdout:\n        rebuilding index\n      Stderr:\n        index is corrupt\n      \(output truncated\)\n$/);
    assert.doesNotMatch(describeJob(JOB), /rebuilding index/, 'no output without the flag');
  });

  it('a job still running, without owner or restore, with a job error; a hook that never ran', () => {
    const text = describeJob({
      ...JOB,
      owner: null,
      restore: null,
      status: 'failed',
      error: 'namespace x cannot be listed',
      warnings: [],
      finishedAt: null,
      pods: [{ ...JOB.pods[0]!, status: 'waiting', hooks: [hook({ phase: 'waiting', exitCode: null, durationMs: null, startedAt: null, finishedAt: null })] }],
    });
    assert.match(text, /^Restore: {4}<none>$/m);
    assert.match(text, /^Owner: {6}<none>$/m);
    assert.match(text, /^Finished: {2}<not yet>$/m);
    assert.match(text, /^Error: {2}namespace x cannot be listed$/m);
    assert.doesNotMatch(text, /^Warnings:/m);
    assert.match(text, /Phase: {6}waiting\n {6}Exit code: {2}-\n {6}Duration: {3}-\n/);
  });

  it('a value with newlines stays on its line (an error quoting output cannot forge a field)', () => {
    const text = describeJob({ ...JOB, pods: [{ ...JOB.pods[0]!, hooks: [hook({ error: 'boom\nPhase:      succeeded' })] }] });
    assert.match(text, /Error: {6}boom Phase: {6}succeeded\n/);
  });
});

describe('tables', () => {
  it('get -o wide: one row per hook, a pod without hooks shows its own status and error', () => {
    assert.equal(
      hooksTable(JOB),
      `NAMESPACE   POD        HOOK                SOURCE       CONTAINER   ON-ERROR   PHASE       EXIT   DURATION   ERROR
demo        cache-0    warm-cache          spec         redis       Continue   succeeded   0      12ms
demo        search-0   <from-annotation>   annotation   search      Continue   failed      3      1.5s       hook <from-annotation> in container search failed to execute, err: command terminated with exit code 3
demo        gone-0     <none>              -            -           -          failed      -      -          pod demo/gone-0 not found
`,
    );
  });

  it('list: kubectl columns and AGE; wide adds duration, owner and warnings; none says so', () => {
    const now = Date.parse('2026-12-01T10:05:00.000Z');
    const queued = { ...JOB, id: 'j2', restore: null, status: 'queued' as const, createdAt: '2026-12-01T10:04:30.000Z', startedAt: null, finishedAt: null, owner: null, warnings: [] };
    assert.equal(
      jobsTable([queued, JOB], now),
      `ID   RESTORE        STATUS             PODS   HOOKS   SUCCEEDED   FAILED   SKIPPED   AGE
j2   <none>         queued             3      2       1           1        0         30s
j1   demo-restore   partially_failed   3      2       1           1        0         5m
`,
    );
    assert.match(jobsTable([JOB], now, true), /AGE {3}DURATION {3}OWNER {32}WARNINGS\n.* 5m {4}1.5s {7}system:serviceaccount:team-a:alice {3}1\n$/);
    assert.equal(jobsTable([], now), 'No jobs found.\n');
  });

  it('table pads every column but the last, and keeps cells on one line', () => {
    assert.equal(table(['A', 'LONGER'], [['xx\nyy', 'z'], ['1', '']]), 'A       LONGER\nxx yy   z\n1\n');
  });
});

describe('dry run', () => {
  const view: DryRunView = {
    dryRun: true,
    warnings: [],
    pods: [
      {
        namespace: 'demo',
        name: 'postgres-0',
        status: 'planned',
        warnings: [],
        hooks: [{ name: '<from-annotation>', source: 'annotation', container: 'postgres', command: ['/bin/sh', '-c', "echo it's"], onError: 'Fail', execTimeoutMs: 10_000, waitTimeoutMs: null, waitForReady: true }],
      },
      { namespace: 'team-b', name: 'app-b', status: 'forbidden', warnings: ['forbidden: alice may not create pods/exec in team-b: its hooks would be skipped'], hooks: [] },
    ],
    summary: { pods: 2, hooksTotal: 1 },
  };
  it('each pod, its status, and each hook that would run with its settings', () => {
    assert.equal(
      describeDryRun(view),
      `Dry run: nothing was queued, stored or executed.

Pods:                  2
Hooks that would run:  1

Pods:
  demo/postgres-0 (planned):
    <from-annotation> (annotation hook, container postgres):
      Command:         /bin/sh -c 'echo it'\\''s'
      On error:        Fail
      Exec timeout:    10s
      Wait timeout:    none
      Wait for ready:  true
  team-b/app-b (forbidden):
    Warnings:
      forbidden: alice may not create pods/exec in team-b: its hooks would be skipped
    Hooks:  <none>
`,
    );
  });
});

describe('formats', () => {
  it('durations', () => {
    const cases: [number | null, string][] = [[null, '-'], [0, '0ms'], [999, '999ms'], [1000, '1s'], [1540, '1.5s'], [12_300, '12s'], [60_000, '1m0s'], [125_000, '2m5s'], [3_603_000, '1h0m3s']];
    for (const [ms, want] of cases) assert.equal(formatDurationMs(ms), want, String(ms));
  });

  it('ages as kubectl shows them', () => {
    const now = Date.parse('2026-12-10T00:00:00Z');
    const ago = (s: number): string => new Date(now - s * 1000).toISOString();
    const cases: [number, string][] = [[5, '5s'], [119, '119s'], [150, '2m30s'], [600, '10m'], [3 * 3600, '3h'], [3 * 86400, '3d'], [800 * 86400, '2y']];
    for (const [s, want] of cases) assert.equal(formatAge(ago(s), now), want, String(s));
    assert.equal(formatAge(null, now), '<unknown>');
  });

  it('commands are quoted as a shell would need them', () => {
    assert.equal(shellWords(['/bin/sh', '-c', 'echo a b']), "/bin/sh -c 'echo a b'");
    assert.equal(shellWords(['psql', '-U', 'postgres', "it's"]), "psql -U postgres 'it'\\''s'");
  });

  it('-o json and -o yaml print the view as it is', () => {
    assert.deepEqual(JSON.parse(serialize(JOB, 'json')), JOB);
    assert.deepEqual(parseYaml(serialize(JOB, 'yaml')), JOB);
    const shared = ['a warning'];
    assert.equal(serialize({ a: shared, b: shared }, 'yaml'), 'a:\n  - a warning\nb:\n  - a warning\n', 'no YAML anchors for repeated values');
  });

  it('after a submission: the id and how to look at it', () => {
    assert.equal(submitted('j1', 'queued'), 'Job j1 submitted (queued).\nRun `kubectl hookd get j1` for its results, or `kubectl hookd get j1 --watch` to follow it.\n');
  });
});
