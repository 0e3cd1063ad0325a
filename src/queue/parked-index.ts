// This process's copy of every parked pod, indexed for the two questions a wake-up asks:
// which parked pods is this pod event about (namespace, then pod name), and which pods of a
// job must wake because the job stops. A hundred thousand entries are expected, so the
// strings every entry repeats (job ids, awaited containers) are shared, not copied.

import type { AwaitedContainer } from '../domain/wait-over.ts';
import { slotField, type ParkedPod, type ParkedSlot } from '../store/parked-pods.ts';

export class ParkedIndex {
  /** namespace -> pod name -> its entry, or its entries when several jobs park the same pod (rare). */
  private readonly byNamespace = new Map<string, Map<string, ParkedPod | ParkedPod[]>>();
  /** field -> entry. */
  private readonly byField = new Map<string, ParkedPod>();
  /** job id -> its parked pods here (asked every few seconds: must not walk every entry). */
  private readonly perJob = new Map<string, number>();
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
    this.perJob.set(entry.jobId, (this.perJob.get(entry.jobId) ?? 0) + 1);
    let pods = this.byNamespace.get(entry.namespace);
    if (!pods) this.byNamespace.set(entry.namespace, (pods = new Map()));
    const there = pods.get(entry.name);
    pods.set(entry.name, there === undefined ? entry : Array.isArray(there) ? [...there, entry] : [there, entry]);
  }

  remove(slot: Pick<ParkedSlot, 'jobId' | 'podIndex'>): ParkedPod | null {
    const field = slotField(slot);
    const entry = this.byField.get(field);
    if (!entry) return null;
    this.byField.delete(field);
    const left = (this.perJob.get(entry.jobId) ?? 1) - 1;
    if (left > 0) this.perJob.set(entry.jobId, left);
    else this.perJob.delete(entry.jobId);
    const pods = this.byNamespace.get(entry.namespace);
    const there = pods?.get(entry.name);
    const rest = there === undefined ? [] : (Array.isArray(there) ? there : [there]).filter((p) => p !== entry);
    if (rest.length === 0) pods?.delete(entry.name);
    else pods?.set(entry.name, rest.length === 1 ? (rest[0] as ParkedPod) : rest);
    if (pods?.size === 0) this.byNamespace.delete(entry.namespace);
    return entry;
  }

  /** Makes what is known of one namespace what a fresh read of it says (entries that did not change are kept as they are). */
  replaceNamespace(namespace: string, pods: readonly ParkedPod[]): void {
    const fresh = new Map(pods.map((p) => [slotField(p), p]));
    for (const there of [...(this.byNamespace.get(namespace)?.values() ?? [])]) {
      for (const entry of Array.isArray(there) ? there : [there]) if (!fresh.has(slotField(entry))) this.remove(entry);
    }
    for (const [field, pod] of fresh) {
      const known = this.byField.get(field);
      if (known === undefined || known.namespace !== pod.namespace || known.name !== pod.name || known.untilMs !== pod.untilMs || known.sinceMs !== pod.sinceMs || JSON.stringify(known.awaited) !== JSON.stringify(pod.awaited)) this.add(pod);
    }
  }

  forPod(namespace: string, name: string): ParkedPod[] {
    const there = this.byNamespace.get(namespace)?.get(name);
    return there === undefined ? [] : Array.isArray(there) ? [...there] : [there];
  }

  ofJob(jobId: string): ParkedPod[] {
    return [...this.byField.values()].filter((p) => p.jobId === jobId);
  }

  /** When the longest parked wait began (null: none). Walks every entry: for a scrape, not a hot path. */
  oldestSinceMs(): number | null {
    let since = Infinity;
    for (const p of this.byField.values()) if (p.sinceMs < since) since = p.sinceMs;
    return since === Infinity ? null : since;
  }

  jobIds(): string[] {
    return [...this.perJob.keys()];
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
