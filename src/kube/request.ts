// One API call with a deadline and an abort signal. client-node 2.0.1's generated APIs
// have no timeout and take no AbortSignal directly; they do accept per-call middleware,
// and a middleware can set the request's signal, which undici's fetch honours.

import { Observable } from '@kubernetes/client-node';
import type { ConfigurationOptions, ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { KubeError, toKubeError } from './errors.ts';

/** Default bound on one plain API request (not a watch, not an exec). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function signalMiddleware(signal: AbortSignal): ObservableMiddleware {
  return {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
}

/**
 * Runs `call` with options that abort the HTTP request on `signal` or after `timeoutMs`.
 * Outer abort: rejects with the signal's reason. Own deadline: KubeError KUBE_TIMEOUT.
 * Anything else: toKubeError(err, what).
 */
export async function callKube<T>(
  what: string,
  call: (options: ConfigurationOptions) => Promise<T>,
  opts: { signal?: AbortSignal | undefined; timeoutMs?: number } = {},
): Promise<T> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new KubeError('KUBE_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await call({ middleware: [signalMiddleware(controller.signal)], middlewareMergeStrategy: 'append' });
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason;
    if (timedOut) throw new KubeError('KUBE_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, null, { cause: err });
    throw toKubeError(err, what);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
