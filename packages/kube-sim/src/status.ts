// v1 Status objects with the codes, reasons and messages a real API server uses
// (k8s.io/apimachinery/pkg/api/errors), so clients that switch on reason or code behave
// against the sim exactly as against a cluster.

import type { JsonObject } from './types.ts';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** An error that answers as a v1 Status; thrown anywhere in request handling. */
export class SimError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, reason: string, message: string, details?: StatusDetails, headers?: Record<string, string>) {
    super(message);
    this.name = 'SimError';
    this.status = status;
    this.reason = reason;
    this.details = details;
    this.headers = headers ?? {};
  }

  toStatus(): JsonObject {
    return failureStatus(this.status, this.reason, this.message, this.details);
  }
}

/**
 * A list's continue token that has expired. As the API server (the etcd3 store's answer to
 * a compacted revision while paging): 410 Expired, and in the Status's list metadata a
 * token that continues from the same place at the current state, for a client that accepts
 * an inconsistent list.
 */
export class ExpiredContinueError extends SimError {
  readonly continueToken: string;

  constructor(continueToken: string) {
    super(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
        'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
        'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
    this.continueToken = continueToken;
  }

  override toStatus(): JsonObject {
    return { ...super.toStatus(), metadata: { continue: this.continueToken } };
  }
}

export function failureStatus(code: number, reason: string, message: string, details?: StatusDetails): JsonObject {
  const status: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status['details'] = details;
  return status;
}

/** "pods" -> group "" kind "pods"; "restores.velero.io" style qualified names for CRDs. */
function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

export function notFound(resource: string, group: string, name: string): SimError {
  return new SimError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });
}

export function alreadyExists(resource: string, group: string, name: string): SimError {
  return new SimError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });
}

export function conflict(resource: string, group: string, name: string, why: string): SimError {
  return new SimError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`,
    { name, group, kind: resource },
  );
}

/** 422 Invalid: `Pod "x" is invalid: spec.containers: Required value`. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): SimError {
  const list = causes.map((c) => `${c.field ?? ''}: ${c.message}`);
  const message = `${kind} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  return new SimError(422, 'Invalid', message, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field ?? '' })),
  });
}

export function badRequest(message: string): SimError {
  return new SimError(400, 'BadRequest', message);
}

export function methodNotAllowed(): SimError {
  return new SimError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unauthorized(): SimError {
  return new SimError(401, 'Unauthorized', 'Unauthorized');
}

/** The RBAC authorizer's message: `pods "x" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns"`. */
export function forbiddenMessage(user: string, verb: string, resource: string, group: string, namespace: string | null, name?: string): string {
  const where = namespace === null ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  const base = resource.split('/')[0] ?? resource;
  const subject = name ? `${qualified(base, group)} "${name}"` : qualified(base, group);
  return `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${where}`;
}

export function forbidden(user: string, verb: string, resource: string, group: string, namespace: string | null, name?: string): SimError {
  return new SimError(403, 'Forbidden', forbiddenMessage(user, verb, resource, group, namespace, name), {
    ...(name ? { name } : {}),
    group,
    kind: resource.split('/')[0] ?? resource,
  });
}

/** A non-resource URL (discovery, /version) the user may not GET. */
export function forbiddenPath(user: string, verb: string, path: string): SimError {
  return new SimError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`);
}

/** The ERROR event a watch gets when its resourceVersion is older than the retained history. */
export function expired(requested: number, oldest: number): JsonObject {
  return failureStatus(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

export function injected(status: 500 | 429 | 503, retryAfterSeconds: number | undefined): SimError {
  if (status === 429) {
    const seconds = retryAfterSeconds ?? 1;
    return new SimError(
      429,
      'TooManyRequests',
      'the server has received too many requests and has asked us to try again later',
      { retryAfterSeconds: seconds },
      { 'Retry-After': String(seconds) },
    );
  }
  if (status === 503) {
    const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {};
    return new SimError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', undefined, headers);
  }
  return new SimError(500, 'InternalError', 'Internal error occurred: injected fault');
}
