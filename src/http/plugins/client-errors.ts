// Answers to requests Fastify's router or Node's parser refuse before any route runs, in
// the documented error shape with a HOOKD_ code: a URL with bad percent-encoding, a path
// parameter over the router's limit, malformed HTTP, headers over Node's limit, a request
// that never arrived in time, a CONNECT, an Expect Node does not know. Fastify's defaults answer these with their own codes and
// bodies, which clients cannot switch on.

import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../errors.ts';
import { capped } from '../capped.ts';

type HookdError = { statusCode: number; code: string; message: string };

const body = (err: HookdError): string => JSON.stringify({ statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message });

/** Router errors (Fastify's frameworkErrors option). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '';
  const shown = JSON.stringify(capped(path, 123));
  const err: HookdError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new E.RequestUriTooLong(`path ${shown}: a path parameter is longer than any id or Kubernetes name`)
      : error.code === 'FST_ERR_BAD_URL'
        ? new E.RequestBad(`path ${shown}: not a valid URL (bad percent-encoding)`)
        : new E.RequestBad(error.message);
  request.log.info({ code: err.code }, 'request rejected');
  reply.code(err.statusCode).type('application/json; charset=utf-8').send(body(err));
}

/** Writes the answer on a socket that has no request object to answer through, and closes it. */
function answerOnSocket(socket: Duplex, err: HookdError): void {
  const text = body(err);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? 'Error'}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

/** Errors of Node's HTTP parser (Fastify's clientErrorHandler option): no request exists yet. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const err: HookdError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new E.RequestHeadersTooLarge('the request headers are larger than the server accepts (16 KiB)')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new E.RequestTimeout('the request did not arrive in time')
        : new E.RequestBad(`malformed HTTP request (${error.code ?? 'parse error'})`);
  answerOnSocket(socket, err);
}

/**
 * Requests Node answers itself, before Fastify sees them, unless the server listens for them:
 * a CONNECT (closed without a word: hookd is no proxy, so it is an unknown route, as any
 * other method hookd does not serve) and an Expect other than 100-continue (a 417 with an
 * empty body; RFC 9110 section 10.1.1 allows the 417, the contract wants its body).
 */
export function answerNodeRefusals(server: Server, log: FastifyBaseLogger): void {
  server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    const err = new E.RouteNotFound('CONNECT', capped(request.url ?? '', 123));
    log.info({ code: err.code }, 'request rejected');
    answerOnSocket(socket, err);
  });
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const expectation = JSON.stringify(capped(String(request.headers.expect ?? '')));
    const bad = new E.RequestBad(`Expect: ${expectation} is not supported (only 100-continue)`);
    log.info({ code: bad.code }, 'request rejected');
    const text = body({ statusCode: 417, code: bad.code, message: bad.message });
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
  });
}
