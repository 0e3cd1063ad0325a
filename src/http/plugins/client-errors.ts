// Answers to requests Fastify's router or Node's parser refuse before any route runs, in
// the documented error shape with a HOOKD_ code: a URL with bad percent-encoding, a path
// parameter over the router's limit, malformed HTTP, headers over Node's limit, a request
// that never arrived in time. Fastify's defaults answer these with their own codes and
// bodies, which clients cannot switch on.

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../errors.ts';

type HookdError = { statusCode: number; code: string; message: string };

const body = (err: HookdError): string => JSON.stringify({ statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message });

/** Router errors (Fastify's frameworkErrors option). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '';
  const shown = JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}...` : path);
  const err: HookdError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new E.RequestUriTooLong(`path ${shown}: a path parameter is longer than any id or Kubernetes name`)
      : error.code === 'FST_ERR_BAD_URL'
        ? new E.RequestBad(`path ${shown}: not a valid URL (bad percent-encoding)`)
        : new E.RequestBad(error.message);
  request.log.info({ code: err.code }, 'request rejected');
  reply.code(err.statusCode).type('application/json; charset=utf-8').send(body(err));
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
  const text = body(err);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? 'Error'}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}
