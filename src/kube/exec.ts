// The Executor of src/queue/ports.ts: each hook's command through pods/exec over its own
// WebSocket (exec-session.ts), speaking the channel protocol directly with `ws` rather than
// through client-node's Exec. Credentials and TLS still come from client-node's KubeConfig
// (exec-connection.ts). A try refused before the command started is tried again here.

import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Executor } from '../queue/ports.ts';
import { createExecConnections } from './exec-connection.ts';
import { execSession } from './exec-session.ts';
import { API_RETRY, retryDelayMs, sleep, type RetryPolicy } from './retry.ts';

export interface ExecutorDeps {
  readonly kc: KubeConfig;
  readonly log: Logger;
  /** WebSocket ping period on a running exec; a ping unanswered by the next one ends it. Default 20 s. */
  readonly pingIntervalMs?: number;
  /** Retries of an exec refused before it started (default API_RETRY). */
  readonly retry?: RetryPolicy;
  /** Called once per retry (a metric). */
  readonly onRetry?: () => void;
  /** How long applied credentials are reused by later execs (default 1 s; 0: applied for every exec). */
  readonly credentialTtlMs?: number;
}

export function createExecutor(deps: ExecutorDeps): Executor {
  const pingIntervalMs = deps.pingIntervalMs ?? 20_000;
  const policy = deps.retry ?? API_RETRY;
  const connections = createExecConnections(deps.kc, deps.credentialTtlMs);

  // A refused exec never started its command, so trying again cannot run it twice; one
  // that opened is never tried again, whatever happens next.
  return {
    async exec(req, signal, noNewTry) {
      const started = Date.now();
      let reauthorized = false;
      for (let attempt = 1; ; attempt++) {
        const outcome = await execSession(connections, req, signal, pingIntervalMs);
        // A 401 refuses the upgrade (the command never started) and drops the kept
        // credentials, which may be up to a second old: from before a token was rotated and
        // the old one revoked. One try at once with fresh ones, not a backoff series (a
        // token the server rejects whatever we do stays rejected).
        if (outcome.kind === 'error' && outcome.code === 'KUBE_UNAUTHORIZED' && !reauthorized && !noNewTry?.aborted) {
          reauthorized = true;
          attempt--;
          deps.log.warn({ namespace: req.namespace, pod: req.pod, container: req.container, err: outcome.message }, 'exec refused as unauthorized; trying once with fresh credentials');
          deps.onRetry?.();
          continue;
        }
        if (outcome.kind !== 'error' || outcome.notStarted === undefined || noNewTry?.aborted) return outcome;
        const delay = retryDelayMs(policy, attempt, outcome.notStarted.retryAfterMs);
        if (attempt >= policy.tries || Date.now() - started + delay > policy.budgetMs) {
          return { ...outcome, message: `${outcome.message} (refused ${attempt} times in ${Math.round((Date.now() - started) / 1000)} s; the command never started)` };
        }
        deps.log.warn({ namespace: req.namespace, pod: req.pod, container: req.container, attempt, delayMs: delay, err: outcome.message }, 'exec refused before it started; trying again');
        deps.onRetry?.();
        await sleep(delay, noNewTry ? AbortSignal.any([signal, noNewTry]) : signal).catch((err: unknown) => {
          if (!noNewTry?.aborted) throw err;
        });
        if (noNewTry?.aborted) return outcome;
      }
    },
  };
}
