// One error model for every response: `{ statusCode, code, error, message }`
// with a HOOKD_* code. Fastify's own client errors (bad JSON, body too large, wrong content
// type, schema validation) are mapped onto our codes; anything without a status is a bare
// 500 logged with its request (demo's setErrorHandler), never leaking internals.

import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../errors.ts';
import { capped } from '../capped.ts';
import { validationMessage, type SchemaError } from '../validation-message.ts';

interface HookdError {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
}

function isHookd(err: unknown): err is HookdError {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; statusCode?: unknown };
  return typeof e.code === 'string' && e.code.startsWith('HOOKD_') && typeof e.statusCode === 'number';
}

/** Redis unreachable: ioredis's offline-queue refusal, retries exhausted, or a socket error. */
function isRedisDown(err: Error): boolean {
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(err.message)
  );
}

function toHookd(err: FastifyError, request: FastifyRequest, bodyLimit: number): HookdError | null {
  if (isHookd(err)) return err;
  if (err.validation) {
    const context = err.validationContext ?? 'body';
    const schema = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[context === 'querystring' ? 'querystring' : context];
    const data = context === 'body' ? request.body : context === 'querystring' ? request.query : context === 'params' ? request.params : request.headers;
    if (context === 'body' && data === undefined) return new E.RequestInvalid('body: is required: send a JSON object with Content-Type: application/json');
    return new E.RequestInvalid(validationMessage(err.validation as unknown as SchemaError[], context, schema, data));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new E.RequestTooLarge(String(bodyLimit));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new E.RequestUnsupportedMediaType(JSON.stringify(capped(request.headers['content-type'] ?? '')));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new E.RequestMalformedJson('the body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new E.RequestMalformedJson(err.message);
    case 'FST_ERR_HANDLER_TIMEOUT':
      // A body still arriving is the client's slowness, not ours.
      return request.raw.complete ? new E.StoreUnavailable('the request took too long') : new E.RequestTimeout('the request body did not arrive in time');
  }
  // The JSON parser's own failures (syntax, prototype poisoning) carry a 400 and no code.
  if (err instanceof SyntaxError && err.statusCode === 400) return new E.RequestMalformedJson(err.message);
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    if (err.statusCode === 413) return new E.RequestTooLarge(String(bodyLimit));
    const bad = new E.RequestBad(err.message);
    return { statusCode: err.statusCode, code: bad.code, message: bad.message };
  }
  if (isRedisDown(err)) return new E.StoreUnavailable(err.message);
  return null;
}

export function sendError(reply: FastifyReply, err: HookdError, extra: Record<string, unknown> = {}): FastifyReply {
  return reply
    .code(err.statusCode)
    .type('application/json; charset=utf-8')
    .send({ statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message, ...extra });
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = toHookd(err, request, bodyLimit);
    if (known) {
      // A 4xx message can quote the body (a hook's command may hold a secret): the log gets its code only.
      if (known.statusCode >= 500) request.log.warn({ code: known.code, err: known.message }, 'request failed');
      else request.log.info({ code: known.code }, 'request rejected');
      if ((known.statusCode === 503 || known.statusCode === 429) && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
      // A body not read to its end would keep the socket busy after the answer: close it.
      if (!request.raw.complete) reply.header('connection', 'close');
      if (known.statusCode === 401) reply.header('www-authenticate', 'Bearer');
      return sendError(reply, known);
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, new E.Internal());
  });
  // A path is up to Node's 16 KiB of headers long: quoted up to 120 characters (the router's errors too).
  app.setNotFoundHandler((request, reply) => sendError(reply, new E.RouteNotFound(request.method, capped(request.url.split('?')[0] ?? '', 123))));
}
