// V1Pod -> PodView: the narrow view the Velero rules read.
// Works on both shapes client-node hands out: model objects from the typed API (dates
// deserialized) and plain JSON from watch events (dates as strings). Only names, flags
// and strings are read, which are the same in both.

import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerStatusView, PodView } from '../domain/types.ts';

export function toPodView(pod: V1Pod): PodView {
  const meta = pod.metadata ?? {};
  const statuses: ContainerStatusView[] = (pod.status?.containerStatuses ?? []).map((s) => ({
    name: s.name,
    running: s.state?.running != null,
    terminated: s.state?.terminated != null,
    ready: s.ready === true,
  }));
  return {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: { ...(meta.labels ?? {}) },
    annotations: { ...(meta.annotations ?? {}) },
    // Velero runs hooks only in regular containers: init and ephemeral ones are left out.
    containers: (pod.spec?.containers ?? []).map((c) => c.name),
    phase: pod.status?.phase ?? '',
    containerStatuses: statuses,
    terminating: meta.deletionTimestamp != null,
  };
}
