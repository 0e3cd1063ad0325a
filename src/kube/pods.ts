// Finding pods by label selector: one namespace, or all of them. Lists are paginated with
// limit/continue (a restore can hold thousands of pods) and sorted, so a job's pod order
// does not depend on the API server's. A dry run reads the pods themselves (their
// annotations and containers) from the same lists, and explicit pods with one GET each.

import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { PodRef, PodView } from '../domain/types.ts';
import { KubeError } from './errors.ts';
import { podListsFor, type PodListPage, type PodLists } from './pod-lists.ts';
import { toPodView } from './pod-view.ts';
import { retryRead } from './request.ts';

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
/** Sockets of a reader's client: job selections and dry runs list a few namespaces at once. */
const SOCKETS = 16;
// An expired continue token (410) means the snapshot is gone: start the list again.
const ATTEMPTS = 3;

type Page = (cont: string | undefined) => Promise<PodListPage>;

async function collect<T extends PodRef>(page: Page, map: (pod: V1Pod) => T, signal: AbortSignal | undefined): Promise<T[]> {
  for (let attempt = 1; ; attempt++) {
    const found: T[] = [];
    let cont: string | undefined;
    try {
      do {
        const list = await retryRead(() => page(cont), { signal });
        for (const pod of list.items) found.push(map(pod));
        cont = list.continue;
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

function lists<T extends PodRef>(pods: PodLists, map: (pod: V1Pod) => T) {
  const listed = (namespace: string | null, labelSelector: string, signal: AbortSignal | undefined): Promise<T[]> => {
    const what = `list pods in ${namespace ?? 'all namespaces'} (${labelSelector || 'all'})`;
    return collect((cont) => pods.page({ namespace, labelSelector, limit: PAGE_SIZE, continue: cont }, what, { signal }), map, signal);
  };
  return {
    list: (namespace: string, labelSelector: string, signal?: AbortSignal) => listed(namespace, labelSelector, signal),
    listAll: (labelSelector: string, signal?: AbortSignal) => listed(null, labelSelector, signal),
  };
}

export function createPodReader(kc: KubeConfig): PodReader {
  return lists(podListsFor(kc, { maxSockets: SOCKETS }), toRef);
}

export function createPodViewReader(kc: KubeConfig): PodViewReader {
  const pods = podListsFor(kc, { maxSockets: SOCKETS });
  return {
    ...lists(pods, toPodView),
    async get(ref, signal) {
      try {
        return toPodView(await retryRead(() => pods.get(ref, `read pod ${ref.namespace}/${ref.name}`, { signal }), { signal }));
      } catch (err) {
        if (err instanceof KubeError && err.code === 'KUBE_NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
