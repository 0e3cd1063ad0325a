// The credentials and TLS settings client-node applies to any request
// (KubeConfig.applyToHTTPSOptions: a bearer token from the user, an auth provider, an exec
// credential plugin or our tokenFile authenticator; CA, client certificate and key), kept
// for the API server's own clients (the exec WebSockets, the JSON writer), each of which
// turns them into what it sends (`use`).
//
// Applying them reads files (an in-cluster CA and token) and may run a credential plugin, so
// the result is kept for `ttlMs` and shared by the requests of that time: a rotated token is
// picked up at most that late, and a 401 drops the credentials it was sent with at once.
// Concurrent requests wait for one refresh instead of each starting their own, for at most
// STALE_REFRESH_MS: one that hangs is then given up.

import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** What KubeConfig.applyToHTTPSOptions fills in: headers, auth, client-node's agent, TLS material. */
export type AppliedOptions = RequestOptions;

export interface KeptCredentials<T extends object> {
  /** The kept credentials, or fresh ones once they are older than the TTL or were dropped. */
  get(): Promise<T>;
  /**
   * Forgets the kept credentials (the API server rejected them). With `rejected`, only if
   * those are still the kept ones: credentials kept or asked for since are newer, and the
   * 401s of every request sent with the old ones cost one refresh, not one each.
   */
  invalidate(rejected?: T): void;
}

export interface KeepOptions {
  /** How long applied credentials are reused (0: applied for every request, concurrent ones sharing). */
  readonly ttlMs: number;
  readonly clock?: () => number;
}

/**
 * How long requests keep waiting on a refresh under way. A credential plugin can hang
 * (client-node gives it no time limit); each request ends on its own deadline, but had they
 * all joined that one refresh for good, none would ever be sent again once the plugin
 * answered again. Past this, the next request starts another (at most one new plugin run
 * per this period while it hangs).
 */
export const STALE_REFRESH_MS = 10_000;

export function keepCredentials<T extends object>(kc: KubeConfig, use: (applied: AppliedOptions) => T, opts: KeepOptions): KeptCredentials<T> {
  const { ttlMs } = opts;
  const now = opts.clock ?? Date.now;
  let kept: { value: T; until: number } | null = null;
  let refreshing: Promise<T> | null = null;
  let refreshStarted = 0;
  // Counts refreshes and drops: a refresh settling after a newer one started or after a
  // drop neither keeps its result nor clears the newer one.
  let generation = 0;

  const refresh = async (): Promise<T> => {
    const applied: AppliedOptions = {};
    await kc.applyToHTTPSOptions(applied);
    return use(applied);
  };

  return {
    get() {
      if (kept !== null && now() < kept.until) return Promise.resolve(kept.value);
      if (refreshing !== null && now() - refreshStarted < STALE_REFRESH_MS) return refreshing;
      const mine = ++generation;
      refreshStarted = now();
      const p = refresh().then(
        (value) => {
          if (generation === mine) {
            kept = ttlMs > 0 ? { value, until: now() + ttlMs } : null;
            refreshing = null;
          }
          return value;
        },
        (err: unknown) => {
          if (generation === mine) refreshing = null;
          throw err;
        },
      );
      refreshing = p;
      return p;
    },
    invalidate(rejected) {
      if (rejected !== undefined && kept?.value !== rejected) return;
      generation++;
      kept = null;
      refreshing = null;
    },
  };
}
