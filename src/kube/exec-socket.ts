// What client-node's WebSocketHandler does not do for an exec socket, attached from our
// socket factory: read a refused upgrade's Status, contain handler exceptions, and ping.

import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { statusMessage } from './errors.ts';

export interface ExecSocketEvents {
  /** The API server answered the upgrade with an HTTP error; its Status message if it sent one, and its Retry-After. */
  refused(status: number, apiMessage: string | null, retryAfterMs: number | null): void;
  /** Something ended the socket from our side: an unreadable frame or an unanswered ping. */
  broken(err: Error): void;
}

/** Retry-After in seconds (the API server's form), as ms; null when absent or not a number. */
function retryAfterMs(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return null;
  return Number(value.trim()) * 1000;
}

export function guardExecSocket(socket: WebSocket, events: ExecSocketEvents): void {
  // With a listener here ws does not abort the handshake itself ("Unexpected server
  // response: N", message lost): we read up to 4 KiB of the body, then end the socket.
  socket.on('unexpected-response', (_req, res: IncomingMessage) => {
    let body = '';
    let reported = false;
    const done = (): void => {
      clearTimeout(slow);
      if (!reported) events.refused(res.statusCode ?? 0, statusMessage(body), retryAfterMs(res.headers['retry-after']));
      reported = true;
      socket.terminate();
    };
    const slow = setTimeout(done, 1_000);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 4096)));
    for (const event of ['end', 'error', 'close']) res.once(event, done);
  });

  // client-node's handler throws inside ws's dispatch on a frame it does not know
  // (channel 255, a status that is not JSON), which would crash the process: contain it.
  let onmessage: ((ev: WebSocket.MessageEvent) => void) | null = null;
  Object.defineProperty(socket, 'onmessage', {
    get: () => onmessage,
    set: (fn: (ev: WebSocket.MessageEvent) => void) => {
      onmessage = fn;
      socket.addEventListener('message', (ev) => {
        try {
          fn(ev);
        } catch (err) {
          events.broken(new Error(`unreadable frame from the API server: ${err instanceof Error ? err.message : String(err)}`));
          socket.terminate();
        }
      });
    },
  });
}

/**
 * Pings every `intervalMs` (client-node never does; proxies cut idle sockets). A ping still
 * unanswered at the next one means the peer is gone (a dropped network fires no event).
 * Returns the function that stops pinging.
 */
export function pingExecSocket(socket: WebSocket, intervalMs: number, events: Pick<ExecSocketEvents, 'broken'>): () => void {
  let awaitingPong = false;
  const onPong = (): void => {
    awaitingPong = false;
  };
  socket.on('pong', onPong);
  const timer = setInterval(() => {
    if (awaitingPong) {
      events.broken(new Error(`no answer to a WebSocket ping within ${intervalMs} ms`));
      socket.terminate();
      return;
    }
    awaitingPong = true;
    socket.ping();
  }, intervalMs);
  return () => {
    clearInterval(timer);
    socket.off('pong', onPong);
  };
}
