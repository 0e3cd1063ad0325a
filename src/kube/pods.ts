// Finding pods by label selector: one namespace, or all of them. Lists are paginated with
// limit/continue (a restore can hold thousands of pods) and sorted, so a job's pod order
// does not depend on the API server's. A dry run reads the pods themselves (their
// annotations and containers) from the same lists, and explicit pods with one GET each.

import { CoreV1Api } from './client-node.ts';
import type { ConfigurationOptions, KubeConfig, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { PodRef, PodView } from '../domain/types.ts';
import { KubeError } from './errors.ts';
import { toPodView } from './pod-view.ts';
import { readKube } from './request.ts';

export interface PodReader {
  list(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<PodRef[]>;
  listAll(labelSelector: string, signal?: AbortSignal): Promise<PodRef[]>;
}

/** The live pods themselves, for a dry run: the same lists, and a GET (null: not found). */
export interface PodViewReader {
  list(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<PodView[]>;
  listAll(labelSelector: string, signal?: AbortSignal): Promise<PodView[]>;
  get(ref: PodRef, signal?: AbortSignal): Promise<PodView | null>;
}

const PAGE_SIZE = 500;
// An expired continue token (410) means the snapshot is gone: start the list again.
const ATTEMPTS = 3;

type Page = (cont: string | undefined, options: ConfigurationOptions) => Promise<V1PodList>;

async function collect<T extends PodRef>(kc: KubeConfig, what: string, page: Page, map: (pod: V1Pod) => T, signal: AbortSignal | undefined): Promise<T[]> {
  for (let attempt = 1; ; attempt++) {
    const found: T[] = [];
    let cont: string | undefined;
    try {
      do {
        const list = await readKube(kc, what, (o) => page(cont, o), { signal });
        for (const pod of list.items) found.push(map(pod));
        cont = list.metadata?._continue || undefined;
      } while (cont !== undefined);
    } catch (err) {
      if (err instanceof KubeError && err.code === 'KUBE_GONE' && attempt < ATTEMPTS) continue;
      throw err;
    }
    return found.sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const toRef = (pod: V1Pod): PodRef => ({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' });

function lists<T extends PodRef>(kc: KubeConfig, map: (pod: V1Pod) => T) {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    list: (namespace: string, labelSelector: string, signal?: AbortSignal) =>
      collect(
        kc,
        `list pods in ${namespace} (${labelSelector || 'all'})`,
        (cont, o) => api.listNamespacedPod({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont }, o),
        map,
        signal,
      ),
    listAll: (labelSelector: string, signal?: AbortSignal) =>
      collect(
        kc,
        `list pods in all namespaces (${labelSelector || 'all'})`,
        (cont, o) => api.listPodForAllNamespaces({ labelSelector, limit: PAGE_SIZE, _continue: cont }, o),
        map,
        signal,
      ),
  };
}

export function createPodReader(kc: KubeConfig): PodReader {
  return lists(kc, toRef);
}

export function createPodViewReader(kc: KubeConfig): PodViewReader {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    ...lists(kc, toPodView),
    async get(ref, signal) {
      try {
        return toPodView(await readKube(kc, `read pod ${ref.namespace}/${ref.name}`, (o) => api.readNamespacedPod({ namespace: ref.namespace, name: ref.name }, o), { signal }));
      } catch (err) {
        if (err instanceof KubeError && err.code === 'KUBE_NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
