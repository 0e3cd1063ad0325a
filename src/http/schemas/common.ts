// Building blocks shared by the route schemas: the error body, nullable fields,
// and Kubernetes name patterns. Schemas here are the single source for validation,
// `Static<>` types, serialization and the published OpenAPI document.

import { Type, type Static, type TSchema } from 'typebox';
import { ERROR_CODES } from '../../errors.ts';
import { errorExample, type ErrorExample } from './error-examples.ts';

/**
 * `T | null` as `type: [T, 'null']` rather than anyOf: fast-json-stringify serializes it
 * without trying each branch (a 10,000-pod job view has ~10 such fields per hook).
 */
export function Nullable<T extends TSchema & { type: string }>(schema: T, extra: Record<string, unknown> = {}) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'], ...extra });
}

/** Kubernetes DNS-1123 label: namespaces. */
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** Kubernetes DNS-1123 subdomain: pod and Restore names. */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export const Namespace = Type.String({
  pattern: DNS_LABEL,
  maxLength: 63,
  description: 'a namespace name: a DNS label (lowercase letters, digits and "-", at most 63 characters)',
});
export const ObjectName = Type.String({
  pattern: DNS_SUBDOMAIN,
  maxLength: 253,
  description: 'an object name: a DNS subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)',
});

export const ERROR_CODE_LIST = ERROR_CODES.map((c) => c.code);

/**
 * A reference to a schema shared once in the document (components.schemas.<id>, added with
 * app.addSchema): Swagger UI lists it by name, and the routes and other schemas point at it.
 */
export function Ref<T>(id: string, description?: string) {
  return Type.Unsafe<T>({ $ref: `${id}#`, ...(description === undefined ? {} : { description }) });
}

/** Every 4xx/5xx body. Shared once in the document (components.schemas.ErrorBody). */
export const ErrorBodySchema = Type.Object(
  {
    statusCode: Type.Integer({ description: 'the HTTP status code' }),
    code: Type.Unsafe<string>({ type: 'string', enum: ERROR_CODE_LIST, description: 'a stable HOOKD_* code to switch on' }),
    error: Type.String({ description: 'the HTTP reason phrase' }),
    message: Type.String({ description: 'what was wrong, and where' }),
  },
  { $id: 'ErrorBody', description: 'Every 4xx and 5xx answer: a stable HOOKD_* code to switch on, and a message that says what was wrong and where' },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Invalid input: the message names the field and what is wrong with it',
  401: 'Missing or unknown bearer token (not with HOOKD_AUTH=none); answered with WWW-Authenticate: Bearer',
  403: 'Forbidden: the caller may not do this; the message names the missing permission and where',
  404: 'Not found',
  408: 'The request did not arrive in time',
  409: 'Conflict',
  413: 'The body is larger than the configured limit',
  414: 'A path parameter is longer than any id or name',
  415: 'The body is not application/json',
  422: 'The referenced object holds values hookd cannot use',
  431: 'The request headers are too large',
  429: 'Too many requests from this client: wait for Retry-After seconds',
  500: 'Internal error (details in the server log)',
  502: 'An upstream API failed',
  503: 'A dependency (Redis, Kubernetes, the queue) is unavailable, or a limit on open streams is reached',
};

const errorResponse = (schema: Record<string, unknown>) => Type.Unsafe<ErrorBody>(schema);
type ErrorResponse = ReturnType<typeof errorResponse>;

/**
 * The error responses of a route, from the HOOKD_* codes it can answer with: one response per
 * status, with one example per code (its real status, code and a message in the server's
 * words), which Swagger UI offers by code. For documentation only: nothing validates them.
 */
export function errorResponses(...codes: readonly string[]): Record<number, ErrorResponse> {
  const byStatus = new Map<number, ErrorExample[]>();
  for (const code of new Set(codes)) {
    const example = errorExample(code);
    byStatus.set(example.statusCode, [...(byStatus.get(example.statusCode) ?? []), example]);
  }
  const out: Record<number, ErrorResponse> = {};
  for (const [status, examples] of [...byStatus].sort(([a], [b]) => a - b)) {
    // The content form keeps the examples beside the $ref (a bare $ref's siblings are dropped from the document).
    out[status] = errorResponse({
      description: `${STATUS_TEXT[status] ?? 'Error'} (${examples.map((e) => e.code).join(', ')})`,
      content: {
        'application/json': {
          schema: { $ref: 'ErrorBody#' },
          examples: Object.fromEntries(examples.map((e) => [e.code, { summary: e.code, value: e }])),
        },
      },
    });
  }
  return out;
}

/** Codes every /v1 route can answer with: no or an unknown token, too many requests, Redis away. */
export const V1_ERRORS = ['HOOKD_AUTH_REQUIRED', 'HOOKD_RATE_LIMITED', 'HOOKD_STORE_UNAVAILABLE'] as const;

/** Every /v1 route: bearer auth, required unless HOOKD_AUTH=none. */
export const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, {}];
