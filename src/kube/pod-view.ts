// V1Pod -> PodView: the narrow view the Velero rules read.
// Works on both shapes client-node hands out: model objects from the typed API (dates
// deserialized) and plain JSON from watch events (dates as strings). Only names, flags
// and strings are read, which are the same in both.
//
// A view may be kept for every pod a job will work on (a job's pods read ahead from the
// namespace's watch: tens of thousands at once), so it keeps only what the rules read and
// shares what pods have in common: annotations other than the hook keys are left out (a
// kubectl last-applied-configuration alone can be kilobytes), and equal label sets,
// container lists, container states and strings such as the namespace and phase are one
// object for all the pods that have them (parsed JSON gives each pod its own copies).

import type { V1Pod } from '@kubernetes/client-node';
import { isHookAnnotationKey } from '../domain/annotations.ts';
import type { ContainerStatusView, PodView } from '../domain/types.ts';

/** Distinct values kept for sharing; past it the table starts over (a bound, not a leak). */
const MAX_SHARED = 4096;

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function sharedTable<T>(): (key: string, make: () => T) => T {
  let table = new Map<string, T>();
  return (key, make) => {
    let v = table.get(key);
    if (v === undefined) {
      if (table.size >= MAX_SHARED) table = new Map();
      v = make();
      table.set(key, v);
    }
    return v;
  };
}

const sharedStrings = sharedTable<string>();
const sharedRecords = sharedTable<Readonly<Record<string, string>>>();
const sharedLists = sharedTable<readonly string[]>();
const sharedStatuses = sharedTable<readonly ContainerStatusView[]>();

function share(s: string): string {
  return s.length > 64 ? s : sharedStrings(s, () => s);
}

/** A frozen copy of the entries `keep` accepts, one object for every equal set. */
function record(from: Readonly<Record<string, string>> | undefined, keep: (key: string) => boolean): Readonly<Record<string, string>> {
  if (from === undefined) return EMPTY;
  const entries = Object.entries(from).filter(([k, v]) => keep(k) && typeof v === 'string');
  if (entries.length === 0) return EMPTY;
  // Keys cannot hold NUL: joined with it the text names the set exactly.
  const key = entries.map(([k, v]) => `${k}\u0000${v}`).join('\u0000');
  return sharedRecords(key, () => Object.freeze(Object.fromEntries(entries)));
}

const always = (): boolean => true;

export function toPodView(pod: V1Pod): PodView {
  const meta = pod.metadata ?? {};
  const statuses: ContainerStatusView[] = (pod.status?.containerStatuses ?? []).map((s) => ({
    name: s.name,
    running: s.state?.running != null,
    terminated: s.state?.terminated != null,
    ready: s.ready === true,
  }));
  // Most pods of a workload are in one of a few states: one frozen list for each.
  const statusKey = statuses.map((c) => `${c.name}\u0000${c.running ? 1 : 0}${c.terminated ? 1 : 0}${c.ready ? 1 : 0}`).join('\u0000');
  // Velero runs hooks only in regular containers: init and ephemeral ones are left out.
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return {
    namespace: share(meta.namespace ?? ''),
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: record(meta.labels, always),
    annotations: record(meta.annotations, isHookAnnotationKey),
    containers: sharedLists(names.join('\u0000'), () => Object.freeze(names.map(share))),
    phase: share(pod.status?.phase ?? ''),
    containerStatuses: sharedStatuses(statusKey, () => Object.freeze(statuses.map((c) => Object.freeze({ ...c, name: share(c.name) })))),
    terminating: meta.deletionTimestamp != null,
  };
}
