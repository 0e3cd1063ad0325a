// Finding pods by label selector: one namespace, or all of them. Lists are paginated with
// limit/continue (a restore can hold thousands of pods) and sorted, so a job's pod order
// does not depend on the API server's.

import { CoreV1Api } from '@kubernetes/client-node';
import type { ConfigurationOptions, KubeConfig, V1PodList } from '@kubernetes/client-node';
import type { PodRef } from '../domain/types.ts';
import { KubeError } from './errors.ts';
import { readKube } from './request.ts';

export interface PodReader {
  list(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<PodRef[]>;
  listAll(labelSelector: string, signal?: AbortSignal): Promise<PodRef[]>;
}

const PAGE_SIZE = 500;
// An expired continue token (410) means the snapshot is gone: start the list again.
const ATTEMPTS = 3;

type Page = (cont: string | undefined, options: ConfigurationOptions) => Promise<V1PodList>;

async function collect(kc: KubeConfig, what: string, page: Page, signal: AbortSignal | undefined): Promise<PodRef[]> {
  for (let attempt = 1; ; attempt++) {
    const refs: PodRef[] = [];
    let cont: string | undefined;
    try {
      do {
        const list = await readKube(kc, what, (o) => page(cont, o), { signal });
        for (const pod of list.items) {
          refs.push({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' });
        }
        cont = list.metadata?._continue || undefined;
      } while (cont !== undefined);
    } catch (err) {
      if (err instanceof KubeError && err.code === 'KUBE_GONE' && attempt < ATTEMPTS) continue;
      throw err;
    }
    return refs.sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createPodReader(kc: KubeConfig): PodReader {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    list: (namespace, labelSelector, signal) =>
      collect(
        kc,
        `list pods in ${namespace} (${labelSelector || 'all'})`,
        (cont, o) => api.listNamespacedPod({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont }, o),
        signal,
      ),
    listAll: (labelSelector, signal) =>
      collect(
        kc,
        `list pods in all namespaces (${labelSelector || 'all'})`,
        (cont, o) => api.listPodForAllNamespaces({ labelSelector, limit: PAGE_SIZE, _continue: cont }, o),
        signal,
      ),
  };
}
