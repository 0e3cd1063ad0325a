// How the HTTP layer logs its requests: ids that stay unique across processes, probes kept
// out of the info stream, and the job id bound to a request's lines once it is known.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Request ids `<process>-<n>`: a random per-process prefix and a counter. Fastify's own
 * `req-1`, `req-2`... repeat in every API replica and after every restart, so one id in a
 * merged log could name several requests.
 */
export function requestIds(prefix: string = randomBytes(4).toString('hex')): (req: IncomingMessage) => string {
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

/** Routes that kubelet and Prometheus call every few seconds. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

const isProbe = (request: FastifyRequest): boolean => PROBES.has(request.routeOptions.url ?? '');

/**
 * Fastify's request lines, with probes at debug: two info lines per liveness probe every
 * few seconds would bury a job's story. A probe that fails (readyz 503, a 500) keeps
 * Fastify's own level, since that is the line an operator looks for.
 */
export class ProbeQuietLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isProbe(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error || !isProbe(request) || reply.statusCode >= 400) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * From here on every line of this request (Fastify's "request completed" included) carries
 * the job id. Request and reply hold separate logger references, so both are replaced.
 */
export function bindJobId(request: FastifyRequest, reply: FastifyReply, jobId: string): void {
  const log = request.log.child({ jobId });
  request.log = log;
  reply.log = log;
}
