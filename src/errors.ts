// Every error code hookd answers with, in one place.
// Fastify turns an @fastify/error instance into the API's error body
// `{ statusCode, code, error, message }`; the HTTP error handler maps Fastify's own FST_*
// client errors onto the REQUEST_* codes below, so a client only ever sees HOOKD_* codes.
// test/http/errors.test.ts checks that this list and openapi/openapi.json agree.

import createError from '@fastify/error';

type Msg = [string];

// ---- the request itself ----
export const RequestInvalid = createError<'HOOKD_REQUEST_INVALID', 400, Msg>('HOOKD_REQUEST_INVALID', '%s', 400);
export const RequestMalformedJson = createError<'HOOKD_REQUEST_MALFORMED_JSON', 400, Msg>('HOOKD_REQUEST_MALFORMED_JSON', 'body is not valid JSON: %s', 400);
export const RequestTooLarge = createError<'HOOKD_REQUEST_TOO_LARGE', 413, Msg>('HOOKD_REQUEST_TOO_LARGE', 'body is larger than the limit of %s bytes', 413);
export const RequestUnsupportedMediaType = createError<'HOOKD_REQUEST_UNSUPPORTED_MEDIA_TYPE', 415, Msg>(
  'HOOKD_REQUEST_UNSUPPORTED_MEDIA_TYPE',
  'content-type %s is not supported: send application/json',
  415,
);
export const RequestTimeout = createError<'HOOKD_REQUEST_TIMEOUT', 408, Msg>('HOOKD_REQUEST_TIMEOUT', '%s', 408);
export const RequestUriTooLong = createError<'HOOKD_REQUEST_URI_TOO_LONG', 414, Msg>('HOOKD_REQUEST_URI_TOO_LONG', '%s', 414);
export const RequestHeadersTooLarge = createError<'HOOKD_REQUEST_HEADERS_TOO_LARGE', 431, Msg>('HOOKD_REQUEST_HEADERS_TOO_LARGE', '%s', 431);
export const RequestBad = createError<'HOOKD_REQUEST_BAD', 400, Msg>('HOOKD_REQUEST_BAD', '%s', 400);
export const AuthRequired = createError<'HOOKD_AUTH_REQUIRED', 401, Msg>('HOOKD_AUTH_REQUIRED', '%s', 401);
/** A known caller who may not do what it asked: the message names the missing permission and where. */
export const Forbidden = createError<'HOOKD_FORBIDDEN', 403, Msg>('HOOKD_FORBIDDEN', '%s', 403);
export const HostNotAllowed = createError<'HOOKD_HOST_NOT_ALLOWED', 403, Msg>(
  'HOOKD_HOST_NOT_ALLOWED',
  'Host %s is not a name this server answers to: add it to HOOKD_ALLOWED_HOSTS',
  403,
);
export const OriginForbidden = createError<'HOOKD_ORIGIN_FORBIDDEN', 403, [string, string]>(
  'HOOKD_ORIGIN_FORBIDDEN',
  '%s is another origin: a %s from a page of another site is refused; call the API from a client, not a web page',
  403,
);
export const RouteNotFound = createError<'HOOKD_ROUTE_NOT_FOUND', 404, [string, string]>('HOOKD_ROUTE_NOT_FOUND', 'route %s %s not found', 404);

// ---- what a job asks for ----
export const JobSourceInvalid = createError<'HOOKD_JOB_SOURCE_INVALID', 400, Msg>('HOOKD_JOB_SOURCE_INVALID', '%s', 400);
export const JobPodDuplicate = createError<'HOOKD_JOB_POD_DUPLICATE', 400, Msg>('HOOKD_JOB_POD_DUPLICATE', '%s', 400);
export const JobSelectorInvalid = createError<'HOOKD_JOB_SELECTOR_INVALID', 400, Msg>('HOOKD_JOB_SELECTOR_INVALID', '%s', 400);
export const HookInvalid = createError<'HOOKD_HOOK_INVALID', 400, Msg>('HOOKD_HOOK_INVALID', '%s', 400);
export const InitHooksRejected = createError<'HOOKD_INIT_HOOKS_UNSUPPORTED', 400, Msg>(
  'HOOKD_INIT_HOOKS_UNSUPPORTED',
  '%s: init hooks must be injected before a pod starts (Velero does that); hookd runs exec post hooks only',
  400,
);
export const LimitPods = createError<'HOOKD_LIMIT_PODS', 400, Msg>('HOOKD_LIMIT_PODS', '%s', 400);
export const LimitHooks = createError<'HOOKD_LIMIT_HOOKS', 400, Msg>('HOOKD_LIMIT_HOOKS', '%s', 400);
export const LimitCommand = createError<'HOOKD_LIMIT_COMMAND', 400, Msg>('HOOKD_LIMIT_COMMAND', '%s', 400);
export const LimitJobSize = createError<'HOOKD_LIMIT_JOB_SIZE', 400, Msg>('HOOKD_LIMIT_JOB_SIZE', '%s', 400);

// ---- reading and changing jobs ----
export const JobNotFound = createError<'HOOKD_JOB_NOT_FOUND', 404, Msg>('HOOKD_JOB_NOT_FOUND', 'job %s not found (unknown id, or its results expired)', 404);
export const JobEnded = createError<'HOOKD_JOB_ENDED', 409, [string, string]>('HOOKD_JOB_ENDED', 'job %s has already ended (%s): nothing to cancel', 409);
export const IdempotencyConflict = createError<'HOOKD_IDEMPOTENCY_CONFLICT', 409, [string, string]>(
  'HOOKD_IDEMPOTENCY_CONFLICT',
  'Idempotency-Key %s was used for job %s with another body: use a new key for another request',
  409,
);
export const IdempotencyInProgress = createError<'HOOKD_IDEMPOTENCY_IN_PROGRESS', 409, Msg>(
  'HOOKD_IDEMPOTENCY_IN_PROGRESS',
  'a request with Idempotency-Key %s is still being processed: retry in a moment',
  409,
);
export const CursorInvalid = createError<'HOOKD_CURSOR_INVALID', 400, Msg>('HOOKD_CURSOR_INVALID', 'querystring.cursor: %s', 400);
export const LastEventIdInvalid = createError<'HOOKD_EVENTS_LAST_ID_INVALID', 400, Msg>(
  'HOOKD_EVENTS_LAST_ID_INVALID',
  'headers.last-event-id: "%s" is not an event id this server sent (expected <ms>-<seq>)',
  400,
);
export const RateLimited = createError<'HOOKD_RATE_LIMITED', 429, Msg>(
  'HOOKD_RATE_LIMITED',
  'too many requests from this client: retry in %s s (HOOKD_RATE_LIMIT per HOOKD_RATE_LIMIT_WINDOW)',
  429,
);
export const LimitSseClients = createError<'HOOKD_LIMIT_SSE_CLIENTS', 503, Msg>(
  'HOOKD_LIMIT_SSE_CLIENTS',
  'too many event streams are open (limit %s): retry later, or poll GET /v1/jobs/{id}',
  503,
);

export const LimitSseClientStreams = createError<'HOOKD_LIMIT_SSE_PER_CLIENT', 429, Msg>(
  'HOOKD_LIMIT_SSE_PER_CLIENT',
  'this client has %s event streams open already (HOOKD_MAX_SSE_PER_CLIENT): close one, or poll GET /v1/jobs/{id}',
  429,
);

// ---- the Velero trigger ----
export const RestoreNotFound = createError<'HOOKD_RESTORE_NOT_FOUND', 404, [string, string]>(
  'HOOKD_RESTORE_NOT_FOUND',
  'Velero Restore %s/%s not found (velero.io/v1 restores): check the namespace and the name',
  404,
);
export const RestoreForbidden = createError<'HOOKD_RESTORE_FORBIDDEN', 403, [string, string]>(
  'HOOKD_RESTORE_FORBIDDEN',
  'hookd may not read Velero Restore %s/%s: grant its service account get on restores.velero.io',
  403,
);
export const RestoreHooksInvalid = createError<'HOOKD_RESTORE_HOOKS_INVALID', 422, Msg>('HOOKD_RESTORE_HOOKS_INVALID', '%s', 422);
export const KubeError = createError<'HOOKD_KUBE_ERROR', 502, Msg>('HOOKD_KUBE_ERROR', 'the Kubernetes API failed: %s', 502);
export const KubeUnavailable = createError<'HOOKD_KUBE_UNAVAILABLE', 503, Msg>('HOOKD_KUBE_UNAVAILABLE', 'the Kubernetes API is unreachable: %s', 503);

// ---- the service ----
export const StoreUnavailable = createError<'HOOKD_STORE_UNAVAILABLE', 503, Msg>('HOOKD_STORE_UNAVAILABLE', 'the results store (Redis) is unavailable: %s', 503);
export const QueueUnavailable = createError<'HOOKD_QUEUE_UNAVAILABLE', 503, Msg>('HOOKD_QUEUE_UNAVAILABLE', 'the job could not be queued: %s', 503);
export const NotReady = createError<'HOOKD_NOT_READY', 503, Msg>('HOOKD_NOT_READY', 'not ready: %s', 503);
export const Internal = createError<'HOOKD_INTERNAL', 500, []>('HOOKD_INTERNAL', 'internal error: the server log has the details', 500);

/** Every code above, for the OpenAPI error schema and the tests that keep both in step. */
export const ERROR_CODES = [
  RequestInvalid, RequestMalformedJson, RequestTooLarge, RequestUnsupportedMediaType, RequestTimeout, RequestUriTooLong, RequestHeadersTooLarge, RequestBad, AuthRequired, Forbidden, HostNotAllowed, OriginForbidden, RouteNotFound,
  JobSourceInvalid, JobPodDuplicate, JobSelectorInvalid, HookInvalid, InitHooksRejected, LimitPods, LimitHooks, LimitCommand, LimitJobSize,
  JobNotFound, JobEnded, IdempotencyConflict, IdempotencyInProgress, CursorInvalid, LastEventIdInvalid, RateLimited, LimitSseClients, LimitSseClientStreams,
  RestoreNotFound, RestoreForbidden, RestoreHooksInvalid, KubeError, KubeUnavailable,
  StoreUnavailable, QueueUnavailable, NotReady, Internal,
].map(describe);

function describe(E: abstract new (...args: never[]) => { code: string; statusCode?: number }): { code: string; statusCode: number } {
  // @fastify/error sets code and statusCode in the constructor, so build one to read them.
  const e = Reflect.construct(E, []) as { code: string; statusCode?: number };
  return { code: e.code, statusCode: e.statusCode ?? 500 };
}
