// A request budget per caller and window, counted in Redis so that every API replica
// shares it: N replicas do not give a caller N budgets. Fixed windows: one INCR per
// request, and the key expires with its window.

import type { RedisClient } from '../redis.ts';
import { lua, runLua } from './lua.ts';

const TAKE = lua(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { n, ttl }
`);

export interface RateDecision {
  readonly allowed: boolean;
  /** Until the window ends, when not allowed. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  take(callerKey: string): Promise<RateDecision>;
}

export function createRateLimiter(opts: { redis: RedisClient; prefix: string; limit: number; windowMs: number }): RateLimiter {
  return {
    async take(callerKey) {
      const [count, ttl] = (await runLua(opts.redis, TAKE, [`${opts.prefix}:rate:${callerKey}`], [opts.windowMs])) as [number, number];
      return count <= opts.limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.max(ttl, 1) };
    },
  };
}
