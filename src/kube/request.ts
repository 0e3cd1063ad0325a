// One API call with a deadline and an abort signal. client-node 2.0.1's generated APIs
// have no timeout and take no AbortSignal directly; they do accept per-call middleware,
// and a middleware can set the request's signal, which undici's fetch honours.
// The middleware runs only once client-node has applied the credentials, which may mean
// running the kubeconfig's credential plugin, with no time limit of its own: a plugin that
// hangs would hold the call past its deadline and its abort. So the call is also raced
// against both, and a plugin answer that comes after them sends nothing.
//
// The same middleware fixes a cost client-node 2.0.1 hides: for a TLS cluster it builds a
// new undici Agent for every request (KubeConfig.applySecurityAuthentication), so every
// call pays a TLS handshake and leaves its keep-alive socket open. Measured on the sim:
// 800 GETs took 1.9 s and left ~800 sockets; reusing one dispatcher, 0.27 s and 16 sockets.
// We keep the first dispatcher per (KubeConfig, cluster, user) and hand it to later calls.
// Not for exec-plugin users: their plugin may rotate client certificates, which live in
// the dispatcher (bearer tokens live in headers and are applied per request either way).

import { Observable } from './client-node.ts';
import type { ConfigurationOptions, KubeConfig, ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { KubeError, toKubeError } from './errors.ts';
import { API_RETRY, RETRYABLE_STATUS, retryDelayMs, sleep, type RetryPolicy } from './retry.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
const dispatchers = new WeakMap<KubeConfig, Map<string, Dispatcher>>();

function reuseDispatcher(kc: KubeConfig, ctx: RequestContext): void {
  const fresh = ctx.getDispatcher();
  const user = kc.getCurrentUser();
  if (fresh === undefined || user === null || user.exec !== undefined) return;
  const key = JSON.stringify([kc.getCurrentCluster()?.name ?? '', user.name]);
  let byKey = dispatchers.get(kc);
  if (byKey === undefined) {
    byKey = new Map();
    dispatchers.set(kc, byKey);
  }
  const kept = byKey.get(key);
  if (kept === undefined) byKey.set(key, fresh);
  else ctx.setDispatcher(kept); // the fresh Agent has opened nothing yet and is dropped
}

/** Default bound on one plain API request (not a watch, not an exec). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** `applied`: called once the credentials are applied and the request is about to be sent. */
function callMiddleware(kc: KubeConfig, signal: AbortSignal, applied: () => void): ObservableMiddleware {
  return {
    pre: (ctx: RequestContext) => {
      // The call was given up while its credentials were applied: it is not sent late.
      if (signal.aborted) return new Observable<RequestContext>(Promise.reject(signal.reason));
      applied();
      reuseDispatcher(kc, ctx);
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
}

/**
 * Runs `call` with options that abort the HTTP request on `signal` or after `timeoutMs`.
 * Outer abort: rejects with the signal's reason. Own deadline: KubeError KUBE_TIMEOUT. Both
 * also while client-node still applies the credentials (a credential plugin that has not
 * answered). Anything else: toKubeError(err, what).
 */
export async function callKube<T>(
  kc: KubeConfig,
  what: string,
  call: (options: ConfigurationOptions) => Promise<T>,
  opts: { signal?: AbortSignal | undefined; timeoutMs?: number } = {},
): Promise<T> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  let sent = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(
      new KubeError(
        'KUBE_TIMEOUT',
        sent ? `${what}: no answer within ${timeoutMs} ms` : `${what}: no credentials within ${timeoutMs} ms (the kubeconfig's credential plugin has not answered)`,
      ),
    );
  }, timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  // Settles only on the deadline or the abort: what ends a call still applying credentials.
  const ended = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const options: ConfigurationOptions = {
    middleware: [callMiddleware(kc, controller.signal, () => (sent = true))],
    middlewareMergeStrategy: 'append',
  };
  try {
    // The race handles the call's own end too: a call given up still fails later (the plugin
    // answers, the middleware refuses to send) and that rejection is not left unhandled.
    return await Promise.race([call(options), ended]);
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason;
    // The deadline's KubeError KUBE_TIMEOUT: `ended` settles the race with it at once.
    if (timedOut) throw controller.signal.reason;
    throw toKubeError(err, what);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs `read` again on 429, 5xx and connection failures, by the policy (default API_RETRY):
 * a read changes nothing, so a pod's attempt is not spent on an API server that hiccups for
 * a moment.
 */
export async function retryRead<T>(read: () => Promise<T>, opts: { signal?: AbortSignal | undefined; policy?: RetryPolicy } = {}): Promise<T> {
  const policy = opts.policy ?? API_RETRY;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const retryable = err instanceof KubeError && ((err.statusCode !== null && RETRYABLE_STATUS.has(err.statusCode)) || err.code === 'KUBE_UNAVAILABLE');
      if (!retryable) throw err;
      const delay = retryDelayMs(policy, attempt, null);
      if (attempt >= policy.tries || Date.now() - started + delay > policy.budgetMs) throw err;
      await sleep(delay, opts.signal ?? new AbortController().signal);
    }
  }
}
