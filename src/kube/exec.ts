// The Executor of src/queue/ports.ts, through client-node's Exec (pods/exec over WebSocket).
// client-node's exec() resolves when the socket opens, not when the command ends; the end is
// the status frame (channel 3). Upgrade failures lose the API server's message and later
// socket errors are not surfaced. So we hand Exec a WebSocketHandler whose
// socket factory gives us the socket from the start: we read the refused upgrade's Status,
// watch `close`, ping on long execs (client-node never pings; see exec-socket.ts), and can
// terminate it on our deadline or on abort even during the handshake. The outcome is settled only once the
// socket is closed, so no socket or timer outlives a call.

import { Exec } from '@kubernetes/client-node';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
// Not re-exported by the package index; the class is public and its socket factory is the supported seam.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { ExecOutcome, ExecRequest, Executor } from '../queue/ports.ts';
import { BoundedOutput } from './bounded-output.ts';
import { codeForStatus, toKubeError } from './errors.ts';
import { createExecAgents } from './exec-agent.ts';
import { guardExecSocket, pingExecSocket } from './exec-socket.ts';
import { API_RETRY, RETRYABLE_NETWORK, RETRYABLE_STATUS, retryDelayMs, sleep, type RetryPolicy } from './retry.ts';
import type { KubeErrorCode } from './errors.ts';

export interface ExecutorDeps {
  readonly kc: KubeConfig;
  readonly log: Logger;
  /** WebSocket ping period on a running exec; a ping unanswered by the next one ends it. Default 20 s. */
  readonly pingIntervalMs?: number;
  /** Retries of an exec refused before it started (default API_RETRY). */
  readonly retry?: RetryPolicy;
  /** Called once per retry (a metric). */
  readonly onRetry?: () => void;
}

type Failure = { code: KubeErrorCode; message: string; notStarted?: { retryAfterMs: number | null } };

const NO_STATUS = "connection closed before the command's exit status arrived; outcome unknown";

function refused(where: string, ns: string, status: number, apiMessage: string | null, retryAfterMs: number | null): Failure {
  const said = apiMessage !== null ? `: ${apiMessage}` : '';
  // The upgrade is refused before the kubelet is asked: the command never started.
  const notStarted = RETRYABLE_STATUS.has(status) ? { notStarted: { retryAfterMs } } : {};
  const guess: Record<number, string> = {
    400: 'container not found or not running',
    401: "unauthorized: the API server rejected hookd's credentials",
    403: `forbidden: hookd may not create pods/exec in namespace ${ns}`,
    404: 'pod not found',
  };
  return { code: codeForStatus(status), message: `${where}: ${guess[status] ?? 'exec refused'} (HTTP ${status})${said}`, ...notStarted };
}

/** Success -> exit 0; NonZeroExitCode with an ExitCode cause -> that code; any other Failure -> error. */
function fromStatus(where: string, s: V1Status): { exitCode: number } | Failure {
  if (s.status === 'Success') return { exitCode: 0 };
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const exitCode = Number(cause?.message);
  if (s.reason === 'NonZeroExitCode' && cause !== undefined && Number.isInteger(exitCode)) return { exitCode };
  return { code: 'KUBE_ERROR', message: `${where}: ${s.message ?? s.reason ?? 'exec failed without a message'}` };
}

export function createExecutor(deps: ExecutorDeps): Executor {
  const pingIntervalMs = deps.pingIntervalMs ?? 20_000;
  const policy = deps.retry ?? API_RETRY;
  const agents = createExecAgents();
  const once = (req: ExecRequest, signal: AbortSignal): Promise<ExecOutcome> =>
      new Promise<ExecOutcome>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const where = `exec in ${req.namespace}/${req.pod} container ${req.container}`;
        const stdout = new BoundedOutput(req.maxOutputBytes);
        const stderr = new BoundedOutput(req.maxOutputBytes);
        for (const s of [stdout, stderr]) s.on('error', () => {}); // a frame after end() must not crash us
        const output = () => ({ stdout: stdout.text(), stderr: stderr.text(), truncated: stdout.truncated || stderr.truncated });
        let ws: WebSocket | null = null;
        let opened = false;
        let upgrade: Failure | null = null;
        let lastError: unknown = null;
        let decided = false;
        let stopPings = (): void => {};

        // Records the outcome once, takes the socket down, and settles when it has closed.
        const decide = (settle: () => void, how: 'close' | 'terminate'): void => {
          if (decided) return;
          decided = true;
          clearTimeout(deadline);
          stopPings();
          signal.removeEventListener('abort', onAbort);
          const socket = ws;
          if (socket === null || socket.readyState === WebSocket.CLOSED) return settle();
          const grace = how === 'close' ? setTimeout(() => socket.terminate(), 1_000) : undefined;
          socket.once('close', () => {
            clearTimeout(grace);
            settle();
          });
          if (how === 'close') socket.close(1000);
          else socket.terminate();
        };
        const fail = (f: Failure): void => decide(() => resolve({ kind: 'error', ...f, ...output() }), 'close');
        const onAbort = (): void => decide(() => reject(signal.reason), 'terminate');
        const deadline = setTimeout(() => decide(() => resolve({ kind: 'timeout', ...output() }), 'terminate'), req.timeoutMs);
        signal.addEventListener('abort', onAbort, { once: true });

        const factory = (uri: string, protocols: string[], opts: WebSocket.ClientOptions): WebSocket => {
          const socket = new WebSocket(uri, protocols, { ...opts, agent: agents.forOptions(opts.agent) ?? opts.agent });
          ws = socket;
          socket.on('error', (err) => (lastError = err));
          guardExecSocket(socket, {
            refused: (status, apiMessage, retryAfterMs) => (upgrade ??= refused(where, req.namespace, status, apiMessage, retryAfterMs)),
            broken: (err) => (lastError = err),
          });
          socket.on('open', () => {
            opened = true;
            if (decided) return;
            stopPings = pingExecSocket(socket, pingIntervalMs, { broken: (err) => (lastError = err) });
          });
          socket.on('close', (code, reason) => {
            if (decided) return;
            if (upgrade !== null) return fail(upgrade);
            if (!opened) {
              const e = toKubeError(lastError ?? new Error(`socket closed (${code})`), where);
              const errno = (lastError as NodeJS.ErrnoException | null)?.code;
              return fail({ code: e.code, message: e.message, ...(errno !== undefined && RETRYABLE_NETWORK.has(errno) ? { notStarted: { retryAfterMs: null } } : {}) });
            }
            const why = lastError instanceof Error ? lastError.message : `WebSocket close ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`;
            fail({ code: 'KUBE_UNAVAILABLE', message: `${where}: ${NO_STATUS} (${why})` });
          });
          if (decided) socket.terminate(); // our deadline or abort came before the connection
          return socket;
        };

        // stdin null and tty false, as Velero's hooks run; stdout/stderr wired through our own
        // streams (client-node would otherwise end process.stdout on a close-stream frame).
        const streams = { stdin: new PassThrough(), stdout, stderr };
        const exec = new Exec(deps.kc, new WebSocketHandler(deps.kc, factory, streams));
        const onStatus = (s: V1Status): void => {
          const r = fromStatus(where, s);
          if ('exitCode' in r) decide(() => resolve({ kind: 'exited', exitCode: r.exitCode, ...output() }), 'close');
          else fail(r);
        };
        exec.exec(req.namespace, req.pod, req.container, [...req.command], stdout, stderr, null, false, onStatus).catch((err: unknown) => {
          // With a socket, its `close` handler reports; without one (auth or config failed first), we do.
          if (ws === null) fail(toKubeError(err, where));
        });
      });

  // A refused exec never started its command, so trying again cannot run it twice; one
  // that opened is never tried again, whatever happens next.
  return {
    async exec(req, signal, noNewTry) {
      const started = Date.now();
      for (let attempt = 1; ; attempt++) {
        const outcome = await once(req, signal);
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
