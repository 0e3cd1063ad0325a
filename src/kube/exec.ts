// The Executor of src/queue/ports.ts, through client-node's Exec (pods/exec over WebSocket).
// client-node's exec() resolves when the socket opens, not when the command ends; the end is
// the status frame (channel 3). Upgrade failures lose the API server's message and later
// socket errors are not surfaced (pitfalls.md). So we hand Exec a WebSocketHandler whose
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
import type { KubeErrorCode } from './errors.ts';

export interface ExecutorDeps {
  readonly kc: KubeConfig;
  readonly log: Logger;
  /** WebSocket ping period on a running exec; a ping unanswered by the next one ends it. Default 20 s. */
  readonly pingIntervalMs?: number;
}

type Failure = { code: KubeErrorCode; message: string };

const NO_STATUS = "connection closed before the command's exit status arrived; outcome unknown";

function refused(where: string, ns: string, status: number, apiMessage: string | null): Failure {
  const said = apiMessage !== null ? `: ${apiMessage}` : '';
  const guess: Record<number, string> = {
    400: 'container not found or not running',
    401: "unauthorized: the API server rejected hookd's credentials",
    403: `forbidden: hookd may not create pods/exec in namespace ${ns}`,
    404: 'pod not found',
  };
  return { code: codeForStatus(status), message: `${where}: ${guess[status] ?? 'exec refused'} (HTTP ${status})${said}` };
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
  const agents = createExecAgents();
  return {
    exec: (req: ExecRequest, signal: AbortSignal) =>
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
            refused: (status, apiMessage) => (upgrade ??= refused(where, req.namespace, status, apiMessage)),
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
            if (!opened) return fail(toKubeError(lastError ?? new Error(`socket closed (${code})`), where));
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
      }),
  };
}
