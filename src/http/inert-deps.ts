// AppDeps that do nothing, for building the app only to read its OpenAPI document
// (`npm run openapi`): any call into them is a bug and says so.

import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { JobStore } from '../store/types.ts';
import type { AppDeps } from './deps.ts';

function inert<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      return () => Promise.reject(new Error(`inert ${what}.${String(prop)} called while only the OpenAPI document was wanted`));
    },
  });
}

/** The defaults of config.ts, so the document matches a default installation. */
export const DEFAULT_LIMITS = {
  maxPodsPerJob: 10_000,
  maxCommandBytes: 16 * 1024,
  maxBodyBytes: 4 * 1024 * 1024,
  maxHookEntries: 1000,
  maxHookRunsPerJob: 100_000,
  maxJobBytes: 64 * 1024 * 1024,
  maxSseClients: 1000,
  maxSsePerClient: 20,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 75_000,
} as const;

export function inertDeps(): AppDeps {
  return {
    store: inert<JobStore>('store'),
    notifier: { onJobEvent: () => () => undefined, publishStop: () => Promise.resolve() },
    producer: inert('producer'),
    restores: inert('restores'),
    pods: inert('pods'),
    health: inert('health'),
    metrics: new Registry(),
    limits: DEFAULT_LIMITS,
    allowedHosts: null,
    rateLimiter: null,
    auth: { tokens: [] },
    log: pino({ enabled: false }),
    now: () => 0,
    newJobId: () => 'inert',
  };
}
