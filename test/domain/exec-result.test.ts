import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hookResultFromExec } from '../../src/domain/exec-result.ts';
import type { HookResult } from '../../src/domain/types.ts';
import type { ExecOutcome } from '../../src/queue/ports.ts';
import { planned } from '../fixtures/plan.ts';

const hook = planned(0, { name: 'backup-db', container: 'pg', execTimeoutMs: 90_000 });
const out = { stdout: 'o', stderr: 'e', truncated: false };

const cases: { name: string; outcome: ExecOutcome; want: HookResult }[] = [
  {
    name: 'exec: exit 0 succeeds',
    outcome: { kind: 'exited', exitCode: 0, ...out },
    want: { phase: 'succeeded', exitCode: 0, stdout: 'o', stderr: 'e', outputTruncated: false, error: null },
  },
  {
    name: 'exec: non-zero exit fails naming the exit code, in Velero words',
    outcome: { kind: 'exited', exitCode: 3, ...out, truncated: true },
    want: {
      phase: 'failed',
      exitCode: 3,
      stdout: 'o',
      stderr: 'e',
      outputTruncated: true,
      error: 'hook backup-db in container pg failed to execute, err: command terminated with exit code 3',
    },
  },
  {
    name: 'exec: exec error fails naming the error',
    outcome: { kind: 'error', code: 'KUBE_GONE', message: 'container not found ("pg")', ...out },
    want: {
      phase: 'failed',
      exitCode: null,
      stdout: 'o',
      stderr: 'e',
      outputTruncated: false,
      error: 'hook backup-db in container pg failed to execute, err: container not found ("pg") (KUBE_GONE)',
    },
  },
  {
    name: 'exec: timeout fails naming the timeout and that the process may still run',
    outcome: { kind: 'timeout', ...out },
    want: {
      phase: 'failed',
      exitCode: null,
      stdout: 'o',
      stderr: 'e',
      outputTruncated: false,
      error: 'hook backup-db in container pg failed to execute, err: timed out after 1m30s (the process may still be running in the container)',
    },
  },
];
for (const c of cases) test(c.name, () => assert.deepEqual(hookResultFromExec(hook, c.outcome), c.want));
