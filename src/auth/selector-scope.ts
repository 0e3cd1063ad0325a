// The pods a selector reaches for a job's owner, shared by the job's start (queue/
// job-processor.ts) and its dry run (http/dry-run.ts), so both list the same pods:
// a selector that names namespaces lists each of them (the POST checked `list pods` there);
// one that names none covers only the namespaces where the owner may list pods, and pods
// elsewhere are not part of the job at all, not even by name.

import type { PodRef } from '../domain/types.ts';
import type { JobOwner } from '../domain/views.ts';

export interface SelectorLister<P extends PodRef> {
  list(namespace: string, labelSelector: string): Promise<P[]>;
  listAll(labelSelector: string): Promise<P[]>;
}

/** Absent: every namespace (HOOKD_AUTH=none). */
export interface NamespaceGate {
  mayListPods(owner: JobOwner | null, namespace: string): Promise<boolean>;
}

export interface SelectorSource {
  readonly namespaces: readonly string[];
  readonly labelSelector: string;
}

/** Kubernetes errors that listing again cannot fix: the job fails (a dry run says it would). */
export const PERMANENT_LIST_CODES: ReadonlySet<string> = new Set(['KUBE_FORBIDDEN', 'KUBE_NOT_FOUND', 'KUBE_UNAUTHORIZED', 'KUBE_BAD_REQUEST']);

export async function selectorPods<P extends PodRef>(source: SelectorSource, lister: SelectorLister<P>, owner: JobOwner | null, gate: NamespaceGate | undefined): Promise<P[]> {
  if (source.namespaces.length === 0) {
    const all = await lister.listAll(source.labelSelector);
    if (!gate) return all;
    const allowed = new Map<string, Promise<boolean>>();
    for (const ns of new Set(all.map((p) => p.namespace))) allowed.set(ns, gate.mayListPods(owner, ns));
    const answers = new Map<string, boolean>();
    for (const [ns, p] of allowed) answers.set(ns, await p);
    return all.filter((p) => answers.get(p.namespace) === true);
  }
  const lists = await Promise.all(source.namespaces.map((ns) => lister.list(ns, source.labelSelector)));
  return lists.flat();
}
