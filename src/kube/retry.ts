// How hookd tries again a Kubernetes call that failed before it did anything: 429 and 5xx
// answers, and connections refused or reset before a reply. Exponential backoff with full
// jitter, Retry-After honoured (capped), within a budget of tries and of time, so a pod's
// attempt never waits longer than the budget for an API server that stays away.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly tries: number;
  /** No new try starts after this much time since the first. */
  readonly budgetMs: number;
  readonly baseMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is cut to it. */
  readonly maxRetryAfterMs: number;
}

export const API_RETRY: RetryPolicy = { tries: 6, budgetMs: 20_000, baseMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 10_000 };

/** HTTP statuses that say "not now", not "no". */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Connection errors before any reply: nothing reached the server's handler. */
export const RETRYABLE_NETWORK: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

/** The wait before try number `attempt` (1 = the first retry); random in [0, cap] unless the server named a time. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(Math.max(retryAfterMs, 0), policy.maxRetryAfterMs);
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseMs * 2 ** (attempt - 1)));
}

/** Sleeps ms unless the signal aborts first (then rejects with its reason). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
