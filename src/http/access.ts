// The HTTP side of "Who may do what": every /v1 request learns its caller (request.caller)
// from its bearer token, or is refused with 401 HOOKD_AUTH_REQUIRED; the routes then ask the
// access policy, and a refusal is one `access.denied` audit line and a 403 HOOKD_FORBIDDEN
// naming what was missing, or a 404 where a job must not be known to exist.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerGroups, callerKey, callerName, ownerKeyOf, type Caller } from '../auth/caller.ts';
import type { AuditLog, AuditRecord } from '../auth/audit.ts';
import type { AccessPolicy } from '../auth/policy.ts';
import type { OwnerView } from '../domain/views.ts';
import * as E from '../errors.ts';

function bearer(header: string | undefined): string | null | 'malformed' {
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? 'malformed';
}

function codeOf(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

/** A review that failed (the API server unreachable, or refusing hookd itself) is the server's problem: 503 or 502. */
export async function asking<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (codeOf(err) === 'KUBE_UNAVAILABLE' || codeOf(err) === 'KUBE_TIMEOUT') throw new E.KubeUnavailable(message);
    throw new E.KubeError(message);
  }
}

/** onRequest for the /v1 scope: request.caller, or 401. */
export function requireCaller(app: FastifyInstance, policy: AccessPolicy): void {
  // null until the hook below runs; every /v1 handler runs after it.
  app.decorateRequest('caller', null as never);
  app.addHook('onRequest', async (request) => {
    if (policy.mode === 'none') {
      request.caller = { kind: 'anonymous' };
      return;
    }
    const token = bearer(request.headers.authorization);
    if (token === null) throw new E.AuthRequired('missing Authorization: Bearer <token> header');
    if (token === 'malformed') throw new E.AuthRequired('the Authorization header must be "Bearer <token>"');
    // A TokenReview that failed says nothing about the caller: 503/502, not 401.
    const caller: Caller | null = await asking(policy.authenticate(token));
    if (caller === null) throw new E.AuthRequired('the bearer token is not valid');
    request.caller = caller;
    request.log = request.log.child({ caller: callerKey(caller) });
  });
}

/** The audit fields of the request's caller. */
export function auditWho(request: FastifyRequest): Pick<AuditRecord, 'user' | 'groups' | 'sourceIP'> {
  return { user: callerName(request.caller), groups: callerGroups(request.caller), sourceIP: request.ip };
}

/** Writes the refusal to the audit stream and returns the 403 to throw. */
export function denied(request: FastifyRequest, audit: AuditLog, message: string, where: Partial<AuditRecord> = {}): Error {
  audit.write({ event: 'access.denied', ...auditWho(request), reason: message, ...where });
  request.log.info({ reason: message }, 'access denied');
  return new E.Forbidden(message);
}

/**
 * May the caller act on this job? Unknown ids and jobs it may not read are the same 404
 * (ids do not leak); a job it may read but not cancel is a 403.
 */
export async function checkJobAccess(
  request: FastifyRequest,
  policy: AccessPolicy,
  audit: AuditLog,
  jobId: string,
  owner: OwnerView | null | undefined,
  verb: 'get' | 'delete',
): Promise<void> {
  if (owner === undefined) throw new E.JobNotFound(jobId);
  const a = await asking(policy.onJob(request.caller, ownerKeyOf(owner), verb));
  if (a.kind === 'yes') return;
  if (a.kind === 'hidden') {
    if (policy.mode !== 'none') audit.write({ event: 'access.denied', ...auditWho(request), jobId, reason: `${verb} of another caller's job` });
    throw new E.JobNotFound(jobId);
  }
  throw denied(request, audit, a.message, { jobId });
}
