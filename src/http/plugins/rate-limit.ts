// Every /v1 request spends one unit of its client's budget, before authentication, so a
// flood of wrong tokens is limited as much as anything else. The client is its network
// address (request.ip). The budget lives in Redis (store/rate-limit.ts) and is shared by
// every API replica. When Redis cannot answer, the request goes on: the route itself then
// answers 503 if it needs Redis, and a limiter outage must not take the API down alone.

import type { FastifyInstance } from 'fastify';
import { RateLimited } from '../../errors.ts';
import type { RateLimiter } from '../../store/rate-limit.ts';

export function registerRateLimit(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    let decision;
    try {
      decision = await limiter.take(`ip:${request.ip}`);
    } catch (err) {
      request.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate limit not checked: Redis did not answer');
      return;
    }
    if (decision.allowed) return;
    const seconds = Math.ceil(decision.retryAfterMs / 1000);
    reply.header('retry-after', String(seconds));
    throw new RateLimited(String(seconds));
  });
}
