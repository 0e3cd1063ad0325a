// The Events of one pod's hooks: the processor says how each hook ended, this adds the job,
// the pod (its uid once seen) and the Velero Restore, and hands the Event to the writer.
// The writer is best effort and never throws into a hook's path (kube/event-recorder.ts).

import { hookEvent, type HookEnd, type HookEventSpec, type ObjectRef } from '../domain/hook-event.ts';
import type { PodRef } from '../domain/types.ts';
import type { JobSpec } from '../domain/views.ts';

/** Where Events go (absent: HOOKD_EVENTS=false, or a test without a cluster). */
export interface HookEvents {
  record(jobId: string, event: HookEventSpec): void;
}

export interface PodEvents {
  /** The pod as last seen: its uid lets `kubectl describe pod` find the Events (it selects on it). */
  seen(uid: string | null): void;
  ended(hook: { readonly name: string; readonly container: string }, end: HookEnd): void;
}

export const noPodEvents: PodEvents = { seen() {}, ended() {} };

export function podEvents(sink: HookEvents | undefined, jobId: string, ref: PodRef, spec: Pick<JobSpec, 'restoreRef'> | null): PodEvents {
  if (!sink) return noPodEvents;
  const r = spec?.restoreRef ?? null;
  const restore: ObjectRef | null = r ? { apiVersion: 'velero.io/v1', kind: 'Restore', namespace: r.namespace, name: r.name, ...(r.uid ? { uid: r.uid } : {}) } : null;
  let uid: string | null = null;
  return {
    seen(next) {
      if (next) uid = next;
    },
    ended(hook, end) {
      sink.record(jobId, hookEvent({ jobId, hook: { name: hook.name, container: hook.container }, pod: { namespace: ref.namespace, name: ref.name, uid }, end, restore }));
    },
  };
}
