// Two things an exec socket needs beyond reading its frames: the Status of a refused
// upgrade (ws alone reports only "Unexpected server response: N"), and pings.

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

export function readRefusal(socket: WebSocket, events: Pick<ExecSocketEvents, 'refused'>): void {
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
}

/**
 * Pings every `intervalMs` (proxies and load balancers cut idle sockets). A ping still
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
