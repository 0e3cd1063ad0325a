// One try of an exec: its own WebSocket to pods/exec, read frame by frame until the status
// frame (channel 3) says how the command ended. We hold the socket from the start, so we read
// a refused upgrade's Status, watch `close` (a socket gone before the status: outcome
// unknown), ping on long execs, and end it on our deadline or on abort even during the
// handshake. The outcome is settled only once the socket is closed, so no socket or timer
// outlives a call.

import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import type { ExecOutcome, ExecRequest } from '../queue/ports.ts';
import { BoundedOutput } from './bounded-output.ts';
import { toKubeError } from './errors.ts';
import { execUrl, type ExecConnection, type ExecConnections } from './exec-connection.ts';
import { decodeExecFrame, EXEC_PROTOCOLS } from './exec-frame.ts';
import { fromStatus, NO_STATUS, noProtocol, refused, type Failure } from './exec-outcome.ts';
import { pingExecSocket, readRefusal } from './exec-socket.ts';
import { RETRYABLE_NETWORK } from './retry.ts';

const OFFERED = [...EXEC_PROTOCOLS];

function bytes(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data; // what ws gives with its default binaryType
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export function execSession(connections: ExecConnections, req: ExecRequest, signal: AbortSignal, pingIntervalMs: number): Promise<ExecOutcome> {
  return new Promise<ExecOutcome>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const where = `exec in ${req.namespace}/${req.pod} container ${req.container}`;
    const stdout = new BoundedOutput(req.maxOutputBytes);
    const stderr = new BoundedOutput(req.maxOutputBytes);
    const output = () => ({ stdout: stdout.text(), stderr: stderr.text(), truncated: stdout.truncated || stderr.truncated });
    let ws: WebSocket | null = null;
    let opened = false;
    let upgrade: Failure | null = null;
    let lastError: unknown = null;
    let requestOut = false;
    let decided = false;
    let stopPings = (): void => {};

    // Records the outcome once, ends the socket, and settles when it has closed.
    //
    // Always terminate(), never the close handshake: whatever decided, the socket has nothing
    // more to give. After the status frame in particular, the API server sends the status
    // last, after the command's output (the kubelet writes it once the streams are copied),
    // and closes the socket itself; ws delivers frames in order, so all output is already
    // read. A close handshake would cost a write and a round trip per exec (and a
    // grace timer for a peer that never answers) to tell the server what it already knows;
    // the server only sees its socket end, which it handles like a client gone. Ending
    // without a close frame does not spoil the TLS session kept for the next exec.
    const decide = (settle: () => void): void => {
      if (decided) return;
      decided = true;
      clearTimeout(deadline);
      stopPings();
      signal.removeEventListener('abort', onAbort);
      const socket = ws;
      if (socket === null || socket.readyState === WebSocket.CLOSED) return settle();
      socket.once('close', settle);
      socket.terminate();
    };
    const fail = (f: Failure): void => decide(() => resolve({ kind: 'error', ...f, ...output() }));
    const onAbort = (): void => decide(() => reject(signal.reason));
    const deadline = setTimeout(() => decide(() => resolve({ kind: 'timeout', ...output() })), req.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });

    const broken = (err: Error): void => {
      lastError = err;
      ws?.terminate();
    };

    const onMessage = (data: WebSocket.RawData): void => {
      if (decided) return;
      const frame = decodeExecFrame(bytes(data));
      switch (frame.kind) {
        case 'stdout':
          return stdout.write(frame.data);
        case 'stderr':
          return stderr.write(frame.data);
        case 'status': {
          const r = fromStatus(where, frame.status);
          if ('exitCode' in r) return decide(() => resolve({ kind: 'exited', exitCode: r.exitCode, ...output() }));
          return fail(r);
        }
        case 'unreadable':
          return broken(new Error(`unreadable frame from the API server: ${frame.reason}`));
        case 'ignored':
          return;
      }
    };

    const onClose = (code: number, reason: Buffer): void => {
      if (decided) return;
      if (upgrade !== null) return fail(upgrade);
      if (!opened) {
        const e = toKubeError(lastError ?? new Error(`socket closed (${code})`), where);
        const errno = (lastError as NodeJS.ErrnoException | null)?.code;
        if (errno === undefined || !RETRYABLE_NETWORK.has(errno)) return fail({ code: e.code, message: e.message });
        // A reset or timeout once the request could have gone out may have come after the
        // API server started the command (it answers the upgrade once the kubelet's streams
        // are set up, and that answer can be lost): not tried again.
        if (requestOut) return fail({ code: e.code, message: `${e.message}; the exec request had reached the server, so the command may have started (outcome unknown)` });
        return fail({ code: e.code, message: e.message, notStarted: { retryAfterMs: null } });
      }
      const why = lastError instanceof Error ? lastError.message : `WebSocket close ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`;
      fail({ code: 'KUBE_UNAVAILABLE', message: `${where}: ${NO_STATUS} (${why})` });
    };

    // Whether the upgrade request can have reached the server: once its connection is up
    // (TLS handshake done for wss). Network errors before that are safe to retry.
    const finishRequest = (request: ClientRequest): void => {
      request.once('socket', (s: Socket) => {
        const out = (): void => {
          requestOut = true;
        };
        // A socket already connected (none is reused today: keepAlive is off) counts as out.
        if (!s.connecting) out();
        else s.once(s instanceof TLSSocket ? 'secureConnect' : 'connect', out);
      });
      request.end();
    };

    const open = (connection: ExecConnection): void => {
      const socket = new WebSocket(execUrl(connection.base, req), OFFERED, { ...connection.options, finishRequest });
      ws = socket;
      socket.on('error', (err) => (lastError = err));
      readRefusal(socket, {
        refused: (status, apiMessage, retryAfterMs) => {
          if (status === 401) connections.invalidate(connection); // the next exec asks for fresh credentials
          upgrade ??= refused(where, req.namespace, status, apiMessage, retryAfterMs);
        },
      });
      // ws then aborts the handshake itself ("Server sent no subprotocol"); we say why.
      socket.on('upgrade', (res) => {
        const chosen = res.headers['sec-websocket-protocol'];
        if (chosen === undefined || !OFFERED.includes(chosen)) upgrade ??= noProtocol(where, chosen);
      });
      socket.on('open', () => {
        opened = true;
        if (!decided) stopPings = pingExecSocket(socket, pingIntervalMs, { broken });
      });
      socket.on('message', onMessage);
      socket.on('close', onClose);
    };

    connections.get().then(
      (c) => {
        if (decided) return; // our deadline or abort came first
        try {
          open(c);
        } catch (err) {
          fail(toKubeError(err, where)); // ws refuses the URL before any I/O
        }
      },
      (err: unknown) => fail(toKubeError(err, where)),
    );
  });
}
