// The kubelet's part: a pod that does not opt out is scheduled, its containers start and
// then become ready, each step after a configurable delay and written as a status update
// (so watches see Pending -> Running -> ready). A pod annotated
// `sim.hookd.io/lifecycle: manual`, or in a namespace labelled so, is left alone: tests
// drive it through the status API or setContainerState.

import type { ClusterState } from './cluster-state.ts';
import type { StoredObject } from './object-store.ts';
import { isObject } from './patch.ts';
import { containerNames, containerStatus, containerStatuses, deriveStatus, isManual, statusOf } from './pod-rules.ts';
import type { ContainerStateName, JsonObject } from './types.ts';

export interface LifecycleDelays {
  scheduleMs: number;
  startMs: number;
  readyMs: number;
  terminateMs: number;
}

export class Kubelet {
  private readonly state: ClusterState;
  private readonly delays: LifecycleDelays;
  /** One pending step per pod, keyed by uid (a re-created pod with the same name is another pod). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private podIp = 0;

  constructor(state: ClusterState, delays: LifecycleDelays) {
    this.state = state;
    this.delays = delays;
    state.onPodCreated.push((pod) => this.admit(pod));
    state.onPodTerminating.push((pod) => this.forget(pod));
  }

  private admit(pod: StoredObject): void {
    const ns = pod.metadata.namespace ?? '';
    const nsLabels = this.state.namespaces.get('', ns)?.metadata.labels;
    if (isManual(pod, nsLabels)) return;
    this.later(pod, this.delays.scheduleMs, () => this.schedule(pod));
  }

  private forget(pod: StoredObject): void {
    clearTimeout(this.timers.get(pod.metadata.uid));
    this.timers.delete(pod.metadata.uid);
  }

  private later(pod: StoredObject, ms: number, step: () => void): void {
    const uid = pod.metadata.uid;
    this.timers.set(
      uid,
      setTimeout(() => {
        this.timers.delete(uid);
        const current = this.state.pods.get(pod.metadata.namespace ?? '', pod.metadata.name);
        // Gone, replaced by a pod with the same name, or terminating: nothing more to do.
        if (!current || current.metadata.uid !== uid || current.metadata.deletionTimestamp) return;
        step();
      }, ms),
    );
  }

  /** Bound to a node: PodScheduled, containers waiting in ContainerCreating. */
  private schedule(pod: StoredObject): void {
    const current = this.state.getPod(pod.metadata.namespace ?? '', pod.metadata.name);
    const spec = isObject(current['spec']) ? { ...current['spec'], nodeName: 'sim-node' } : { nodeName: 'sim-node' };
    const statuses = containerNames(current).map((c) => containerStatus(current, c, 'waiting', { reason: 'ContainerCreating' }));
    const status = deriveStatus({ ...current, spec }, statuses, true);
    this.state.writePodStatus(pod.metadata.namespace ?? '', pod.metadata.name, status, spec);
    this.later(pod, this.delays.startMs, () => this.start(pod));
  }

  /** Containers running, not yet ready; the pod gets an IP. */
  private start(pod: StoredObject): void {
    const current = this.state.getPod(pod.metadata.namespace ?? '', pod.metadata.name);
    const statuses = containerNames(current).map((c) => containerStatus(current, c, 'running', { ready: false }));
    const status = deriveStatus(current, statuses, true);
    this.podIp += 1;
    const ip = `10.244.${(this.podIp >> 8) & 255}.${this.podIp & 255}`;
    status['podIP'] = ip;
    status['podIPs'] = [{ ip }];
    this.state.writePodStatus(pod.metadata.namespace ?? '', pod.metadata.name, status);
    this.later(pod, this.delays.readyMs, () => this.ready(pod));
  }

  private ready(pod: StoredObject): void {
    const current = this.state.getPod(pod.metadata.namespace ?? '', pod.metadata.name);
    const statuses = containerStatuses(current).map((cs) => (isObject(cs['state']) && isObject(cs['state']['running']) ? { ...cs, ready: true } : cs));
    this.state.writePodStatus(pod.metadata.namespace ?? '', pod.metadata.name, deriveStatus(current, statuses, true));
  }

  /** setContainerState: one container's state changed, the rest of the status follows. */
  setContainerState(namespace: string, name: string, container: string, state: ContainerStateName, opts: { ready?: boolean; exitCode?: number }): void {
    const current = this.state.getPod(namespace, name);
    const names = containerNames(current);
    if (!names.includes(container)) throw new Error(`container ${container} is not valid for pod ${name}`);
    const existing = new Map(containerStatuses(current).map((cs) => [cs['name'], cs]));
    const statuses = names
      .map((c): JsonObject | undefined => (c === container ? containerStatus(current, c, state, opts) : existing.get(c)))
      .filter((cs): cs is JsonObject => cs !== undefined);
    const scheduled = typeof (isObject(current['spec']) ? current['spec']['nodeName'] : undefined) === 'string' || statusOf(current)['phase'] !== 'Pending' || state !== 'waiting';
    this.state.writePodStatus(namespace, name, deriveStatus(current, statuses, scheduled));
  }

  /** How long a graceful delete through the API takes: containers exit promptly on SIGTERM. */
  terminationMs(gracePeriodMs: number): number {
    return Math.min(gracePeriodMs, this.delays.terminateMs);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
