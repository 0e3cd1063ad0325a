// One hook's exec inside a pod's run (pod-processor.ts): its running mark (the gate no
// stopped job passes), the exec in an exec slot, its result, and the audit, metrics, Event
// and log lines that go with them. What this returns besides a hook phase tells the pod's
// run to hand the pod back, to leave it to another run, or to read why its job stopped.

import { isHookEnded } from '../domain/ended.ts';
import { execRefusal, hookResultFromExec, REFUSED_BEFORE_EXEC } from '../domain/exec-result.ts';
import { hookEndOfExec } from '../domain/hook-event.ts';
import { HookPhase, type PlannedHook, type PodStatus } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import { HookNotRunnableError } from '../store/redis-store.ts';
import type { PodEvents } from './hook-events.ts';
import type { ExecOutcome } from './ports.ts';
import { commandShape, levelOf, quotesHidden } from './log-safe.ts';
import { noMetrics } from './metrics.ts';
import type { ExecAudit, PodProcessorDeps, PodSignals, PodTask } from './pod-processor.ts';

/** Whether the pod's status must turn running with this hook's mark, and how to note that it did. */
export interface PodShownRunning {
  readonly needed: boolean;
  done(): void;
}

/**
 * Whether a hook's end ends its pod: the pod's final status, written with the hook's result in
 * one step, or null when the pod goes on (or its end needs more than its hooks' phases).
 */
export interface PodEnding {
  statusAfter(hookIndex: number, phase: HookPhase): PodStatus | null;
  written(status: PodStatus): void;
}

/** markHookRunning's answer when the job has a stop reason. */
export const STOPPED = 'stopped';
/** A graceful shutdown came before the exec started: the pod goes back to the queue. */
export const HANDED_BACK = 'handed back';
/** Another worker holds this pod now (this one lost its lock): leave it to that worker. */
export const TAKEN_OVER = 'taken over';

export async function runHook(
  task: PodTask,
  hook: PlannedHook,
  deps: PodProcessorDeps,
  podLog: Logger,
  running: PodShownRunning,
  ending: PodEnding,
  signals: PodSignals,
  who: Omit<Parameters<ExecAudit['write']>[0], 'event'>,
  events: PodEvents,
): Promise<HookPhase | typeof STOPPED | typeof HANDED_BACK | typeof TAKEN_OVER> {
  const { store, clock } = deps;
  const { shutdown, hardStop } = signals;
  const log = podLog.child({ container: hook.container, hook: hook.name, index: hook.index });
  // After SIGTERM no exec starts: a pod waiting for a slot, or given one too late, goes back.
  const inSlot = async (): Promise<HookPhase | typeof STOPPED | typeof HANDED_BACK | typeof TAKEN_OVER> => {
    if (shutdown.aborted) return HANDED_BACK;
    // One step writes the mark, the worker's claim on the hook (it outlives the exec's own
    // timeout by a minute) and the pod's status: none is ever seen without the others.
    const claim = deps.claims ? { holder: deps.claims.nextClaim(), forMs: hook.execTimeoutMs + 60_000 } : undefined;
    try {
      await store.markHookRunning(task.jobId, task.podIndex, hook.index, clock(), { ...(claim ? { claim } : {}), showRunning: running.needed });
      running.done();
    } catch (err) {
      // The store is the gate: a DELETE or a failFast that came first forbids the exec.
      if (err instanceof HookNotRunnableError && (isHookEnded(err.phase) || err.phase === STOPPED)) {
        log.info({ phase: err.phase }, 'hook not run: it ended, or its job stopped, before its exec could start');
        return isHookEnded(err.phase) ? err.phase : STOPPED;
      }
      if (err instanceof HookNotRunnableError && err.phase === HookPhase.Running) return TAKEN_OVER;
      throw err;
    }
    const started = clock();
    const refused = execRefusal(hook);
    if (refused === null) {
      log.info({ ...commandShape(hook.command), timeoutMs: hook.execTimeoutMs }, 'hook started');
      // The whole command goes to the audit stream only, never to the log.
      deps.audit?.write({ event: 'hook.exec.started', ...who, container: hook.container, command: hook.command });
    }
    const outcome: ExecOutcome = refused !== null ? { kind: 'error', code: REFUSED_BEFORE_EXEC, message: refused, stdout: '', stderr: '', truncated: false } : await deps.executor.exec(
      {
        namespace: task.ref.namespace,
        pod: task.ref.name,
        container: hook.container,
        command: hook.command,
        timeoutMs: hook.execTimeoutMs,
        maxOutputBytes: deps.maxOutputBytes,
      },
      // A running exec is allowed to finish or time out, even through a graceful shutdown;
      // one refused before it started is not tried again once the shutdown has begun.
      hardStop,
      shutdown,
    );
    if (outcome.kind === 'error' && outcome.notStarted !== undefined && shutdown.aborted) {
      await store.unmarkHookRunning(task.jobId, task.podIndex, hook.index, { releaseClaim: claim !== undefined });
      log.info('exec not started before the shutdown; hook handed back with its pod');
      return HANDED_BACK;
    }
    const result = hookResultFromExec(hook, outcome);
    const podStatus = ending.statusAfter(hook.index, result.phase);
    await store.recordHookResult(task.jobId, task.podIndex, hook.index, result, clock(), {
      execStartedAtMs: started,
      releaseClaim: claim !== undefined,
      ...(podStatus !== null ? { podStatus } : {}),
    });
    if (podStatus !== null) ending.written(podStatus);
    (deps.metrics ?? noMetrics).hookEnded(result.phase, clock() - started);
    events.ended(hook, hookEndOfExec(outcome, hook.execTimeoutMs));
    if (refused === null) deps.audit?.write({ event: 'hook.exec.ended', ...who, container: hook.container, command: hook.command, phase: result.phase, exitCode: result.exitCode });
    // Output stays out of the log: it can hold secrets. Its size is enough to debug with.
    log[levelOf(result.phase)](
      {
        phase: result.phase,
        exitCode: result.exitCode,
        durationMs: Math.round(clock() - started),
        stdoutBytes: result.stdout.length,
        stderrBytes: result.stderr.length,
        outputTruncated: result.outputTruncated,
        error: result.error === null ? null : quotesHidden(result.error),
      },
      'hook finished',
    );
    return result.phase;
  };
  try {
    return await deps.execSlots.run(inSlot, shutdown);
  } catch (err) {
    if (shutdown.aborted && err === shutdown.reason) return HANDED_BACK;
    throw err;
  }
}
