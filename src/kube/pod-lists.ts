// Pod lists and GETs as plain JSON, through the lean client (json-request.ts): client-node's
// typed API turned every listed pod into model objects (ObjectSerializer), ~0.07 ms of CPU a
// pod, for readers that only take names, resourceVersions and the few fields of a pod view,
// which read plain JSON the same way (the watch's events are plain JSON already). A cluster
// behind a kubeconfig proxy-url is read through client-node, which can reach it and the lean
// client cannot.

import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { PodRef } from '../domain/types.ts';
import { CoreV1Api } from './client-node.ts';
import { KubeError } from './errors.ts';
import { AnswerTooLargeError, createJsonClient, type JsonClient } from './json-request.ts';
import { callKube, DEFAULT_REQUEST_TIMEOUT_MS } from './request.ts';

export interface PodListPage {
  readonly items: readonly V1Pod[];
  /** The continue token of the next page; undefined on the last one. */
  readonly continue: string | undefined;
  readonly resourceVersion: string;
}

export interface PodListQuery {
  /** null: every namespace. */
  readonly namespace: string | null;
  readonly labelSelector?: string;
  readonly limit: number;
  readonly continue?: string | undefined;
}

export interface ReadOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number;
}

export interface PodLists {
  page(q: PodListQuery, what: string, opts?: ReadOptions): Promise<PodListPage>;
  /** The pod; rejects with KUBE_NOT_FOUND when there is none. */
  get(ref: PodRef, what: string, opts?: ReadOptions): Promise<V1Pod>;
  /** Closes kept sockets. */
  close(): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pageOf(body: unknown, what: string): PodListPage {
  if (!isObject(body) || !Array.isArray(body.items)) throw new KubeError('KUBE_ERROR', `${what}: the answer is not a pod list`);
  const meta = isObject(body.metadata) ? body.metadata : {};
  const cont = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  return {
    // Plain JSON in the shape of V1Pod; dates stay strings, which no reader of a pod here uses.
    items: body.items.filter(isObject) as V1Pod[],
    continue: cont,
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '',
  };
}

/** The pod reads for this kubeconfig: the lean client's, or client-node's behind a proxy-url. */
export function podListsFor(kc: KubeConfig, opts: { readonly maxSockets?: number } = {}): PodLists {
  if ((kc.getCurrentCluster()?.proxyUrl ?? '') !== '') return clientNodePodLists(kc);
  return createPodLists(createJsonClient(kc, { timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, ...opts }));
}

function clientNodePodLists(kc: KubeConfig): PodLists {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    async page(q, what, opts = {}) {
      const params = { labelSelector: q.labelSelector, limit: q.limit, _continue: q.continue };
      const list = await callKube(
        kc,
        what,
        (o) => (q.namespace === null ? api.listPodForAllNamespaces(params, o) : api.listNamespacedPod({ namespace: q.namespace, ...params }, o)),
        opts,
      );
      return { items: list.items, continue: list.metadata?._continue || undefined, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    get: (ref, what, opts = {}) => callKube(kc, what, (o) => api.readNamespacedPod({ namespace: ref.namespace, name: ref.name }, o), opts),
    close: () => undefined,
  };
}

export function createPodLists(client: JsonClient): PodLists {
  return {
    close: () => client.close(),
    async page(q, what, opts) {
      const base = q.namespace === null ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(q.namespace)}/pods`;
      // Pods can be large (managed fields, big annotations): a page over the client's bound is
      // asked for again from the same place in halves, down to one pod (the API server stores
      // none larger than its request limit, ~1.5 MiB).
      for (let limit = q.limit; ; limit = Math.max(1, Math.floor(limit / 2))) {
        const params = new URLSearchParams({ limit: String(limit) });
        if (q.labelSelector !== undefined && q.labelSelector !== '') params.set('labelSelector', q.labelSelector);
        if (q.continue !== undefined) params.set('continue', q.continue);
        try {
          return pageOf(await client.get(`${base}?${params.toString()}`, what, opts), what);
        } catch (err) {
          if (!(err instanceof AnswerTooLargeError) || limit === 1) throw err;
        }
      }
    },
    async get(ref, what, opts) {
      const body = await client.get(`/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.name)}`, what, opts);
      if (!isObject(body) || !isObject(body.metadata)) throw new KubeError('KUBE_ERROR', `${what}: the answer is not a pod`);
      return body as V1Pod;
    },
  };
}
