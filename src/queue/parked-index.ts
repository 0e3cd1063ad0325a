// This process's copy of every parked pod, indexed for the two questions a wake-up asks:
// which parked pods is this pod event about (namespace, then pod name), and which pods of a
// job must wake because the job stops. A hundred thousand entries are expected, so the
// strings every entry repeats (job ids, awaited containers) are shared, not copied.

import type { AwaitedContainer } from '../domain/wait-over.ts';
import { slotField, type ParkedPod, type ParkedSlot } from '../store/parked-pods.ts';

export class ParkedIndex {
  /** namespace -> pod name -> field -> entry. */
  private readonly byNamespace = new Map<string, Map<string, Map<string, ParkedPod>>>();
  /** field -> entry. */
  private readonly byField = new Map<string, ParkedPod>();
  private readonly interned = new Map<string, string>();
  private readonly awaitedShapes = new Map<string, readonly AwaitedContainer[]>();

  get size(): number {
    return this.byField.size;
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  has(slot: Pick<ParkedSlot, 'jobId' | 'podIndex'>): boolean {
    return this.byField.has(slotField(slot));
  }

  add(pod: ParkedPod): void {
    const field = slotField(pod);
    const old = this.byField.get(field);
    if (old) this.remove(old);
    const entry: ParkedPod = { ...pod, jobId: this.intern(pod.jobId), namespace: this.intern(pod.namespace), awaited: this.shared(pod.awaited) };
    this.byField.set(field, entry);
    let pods = this.byNamespace.get(entry.namespace);
    if (!pods) this.byNamespace.set(entry.namespace, (pods = new Map()));
    let slots = pods.get(entry.name);
    if (!slots) pods.set(entry.name, (slots = new Map()));
    slots.set(field, entry);
  }

  remove(slot: Pick<ParkedSlot, 'jobId' | 'podIndex'>): ParkedPod | null {
    const field = slotField(slot);
    const entry = this.byField.get(field);
    if (!entry) return null;
    this.byField.delete(field);
    const pods = this.byNamespace.get(entry.namespace);
    const slots = pods?.get(entry.name);
    slots?.delete(field);
    if (slots?.size === 0) pods?.delete(entry.name);
    if (pods?.size === 0) this.byNamespace.delete(entry.namespace);
    return entry;
  }

  /** Replaces what is known of one namespace by a fresh read of it. */
  replaceNamespace(namespace: string, pods: readonly ParkedPod[]): void {
    for (const slots of [...(this.byNamespace.get(namespace)?.values() ?? [])]) for (const entry of [...slots.values()]) this.remove(entry);
    for (const pod of pods) this.add(pod);
  }

  forPod(namespace: string, name: string): ParkedPod[] {
    return [...(this.byNamespace.get(namespace)?.get(name)?.values() ?? [])];
  }

  ofJob(jobId: string): ParkedPod[] {
    return [...this.byField.values()].filter((p) => p.jobId === jobId);
  }

  jobIds(): string[] {
    return [...new Set([...this.byField.values()].map((p) => p.jobId))];
  }

  /** Forgets shared strings and shapes no entry uses any more (called after each full read). */
  compact(): void {
    this.interned.clear();
    this.awaitedShapes.clear();
    for (const entry of this.byField.values()) {
      this.intern(entry.jobId);
      this.intern(entry.namespace);
      this.shared(entry.awaited);
    }
  }

  private intern(s: string): string {
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    this.interned.set(s, s);
    return s;
  }

  private shared(awaited: readonly AwaitedContainer[]): readonly AwaitedContainer[] {
    const key = JSON.stringify(awaited);
    const known = this.awaitedShapes.get(key);
    if (known) return known;
    this.awaitedShapes.set(key, awaited);
    return awaited;
  }
}
