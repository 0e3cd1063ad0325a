// Runs a Lua script by its SHA1 and loads it on NOSCRIPT (after a restart or SCRIPT FLUSH),
// as ioredis's defineCommand does, but typed and without patching the client.

import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis.ts';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export async function runLua(redis: RedisClient, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
