// Every failure that comes out of @kubernetes/client-node, undici or ws is turned into a
// KubeError here, so callers switch on `code` (like undici's UND_ERR_*), never on text.
// client-node throws several shapes: ApiException (`code` = HTTP status, `body` = the
// API server's Status as a JSON string), Watch errors (`statusCode` + status text),
// "Unexpected server response: N" from ws, and fetch/socket errors with a `cause` chain.

export type KubeErrorCode =
  | 'KUBE_NOT_FOUND'
  | 'KUBE_FORBIDDEN'
  | 'KUBE_UNAUTHORIZED'
  | 'KUBE_GONE'
  | 'KUBE_BAD_REQUEST'
  | 'KUBE_UNAVAILABLE'
  | 'KUBE_TIMEOUT'
  | 'KUBE_ERROR';

export class KubeError extends Error {
  override readonly name = 'KubeError';
  readonly code: KubeErrorCode;
  /** The API server's HTTP status when it answered; null for connection-level failures. */
  readonly statusCode: number | null;

  constructor(code: KubeErrorCode, message: string, statusCode: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.statusCode = statusCode;
  }
}

export function codeForStatus(status: number): KubeErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'KUBE_BAD_REQUEST';
    case 401:
      return 'KUBE_UNAUTHORIZED';
    case 403:
      return 'KUBE_FORBIDDEN';
    case 404:
      return 'KUBE_NOT_FOUND';
    case 410:
      return 'KUBE_GONE';
    case 408:
    case 504:
      return 'KUBE_TIMEOUT';
    case 429:
    case 500:
    case 502:
    case 503:
      return 'KUBE_UNAVAILABLE';
    default:
      return 'KUBE_ERROR';
  }
}

// Socket-level error codes (node and undici) that mean "the API server could not be reached".
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The `message` of a Kubernetes Status, whether given as an object or as its JSON text. */
export function statusMessage(body: unknown): string | null {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim().length > 0 ? body.trim().slice(0, 500) : null;
    }
  }
  const message = field(value, 'message');
  return typeof message === 'string' && message.length > 0 ? message : null;
}

/** The HTTP status carried by any of client-node's error shapes, if there is one. */
function httpStatus(err: unknown): number | null {
  const statusCode = field(err, 'statusCode');
  if (typeof statusCode === 'number') return statusCode;
  const code = field(err, 'code');
  // ApiException: `code` is the HTTP status (a number); node errors have string codes.
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  const message = field(err, 'message');
  const m = typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message) : null;
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** The first string `code` in the error's cause chain (fetch failed -> cause -> ECONNREFUSED). */
function socketCode(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = field(current, 'code');
    if (typeof code === 'string') return code;
    current = field(current, 'cause');
  }
  return null;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = field(err, 'cause');
    const causeMessage = cause instanceof Error && cause.message !== err.message ? `: ${cause.message}` : '';
    return `${err.message}${causeMessage}`;
  }
  return String(err);
}

/** A Watch error's status text ("Forbidden"); not ApiException's multi-line dump nor ws's own wording. */
function shortText(err: unknown, status: number): string {
  const message = field(err, 'message');
  if (typeof message !== 'string' || message === '' || message.includes('\n') || message.includes(String(status))) return '';
  return ` ${message}`;
}

/**
 * Maps any error from a Kubernetes call to a KubeError. `what` names the call for a
 * person reading the message ("read pod db/pg-0"); the API server's own Status message
 * is kept when it sent one.
 */
export function toKubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  const status = httpStatus(err);
  if (status !== null) {
    const detail = statusMessage(field(err, 'body')) ?? `HTTP ${status}${shortText(err, status)}`;
    return new KubeError(codeForStatus(status), `${what}: ${detail}`, status, { cause: err });
  }
  const name = field(err, 'name');
  if (name === 'TimeoutError') {
    return new KubeError('KUBE_TIMEOUT', `${what}: timed out`, null, { cause: err });
  }
  const code = socketCode(err);
  if (code !== null && TIMEOUT_CODES.has(code)) {
    return new KubeError('KUBE_TIMEOUT', `${what}: ${describe(err)}`, null, { cause: err });
  }
  if ((code !== null && UNAVAILABLE_CODES.has(code)) || (err instanceof TypeError && err.message === 'fetch failed')) {
    return new KubeError('KUBE_UNAVAILABLE', `${what}: API server unreachable (${describe(err)})`, null, { cause: err });
  }
  return new KubeError('KUBE_ERROR', `${what}: ${describe(err)}`, null, { cause: err });
}
