// This process's copy of every parked pod, indexed for the two questions a wake-up asks:
// which parked pods is this pod event about (namespace, then pod name), and which pods of a
// job must wake because the job stops. A hundred thousand entries are expected, and every
// object in here is one the garbage collector visits on each full collection: the worker's
// pauses grow with their number. So an entry is one object of fixed shape with no objects of
// its own: the strings every entry repeats (job ids, namespaces, awaited containers) are
// shared, the slot is found through the job's map by pod index (no key string per entry),
// and times are held as whole numbers small enough to live inside the entry (an epoch time
// in ms would be a separate boxed number, two per entry).

import type { AwaitedContainer } from '../domain/wait-over.ts';
import type { ParkedPod, ParkedSlot } from '../store/parked-pods.ts';

/** Seconds are counted from here, so times of this century fit V8's small integers. */
const BASE_SEC = 1_600_000_000;

const secOf = (ms: number): number => Math.floor(ms / 1000) - BASE_SEC;
const remOf = (ms: number): number => ms - Math.floor(ms / 1000) * 1000;
const msOf = (sec: number, rem: number): number => (sec + BASE_SEC) * 1000 + rem;

/** One parked pod as the index holds it; reads as the ParkedPod it was made from. */
class ParkedEntry implements ParkedPod {
  private readonly untilSec: number;
  private readonly untilRem: number;
  private readonly sinceSec: number;
  private readonly sinceRem: number;

  constructor(
    readonly jobId: string,
    readonly podIndex: number,
    readonly namespace: string,
    readonly name: string,
    readonly awaited: readonly AwaitedContainer[],
    untilMs: number,
    sinceMs: number,
    /** A small integer (see ParkedPod.token): held inside the entry, no object of its own. */
    readonly token: number,
  ) {
    this.untilSec = secOf(untilMs);
    this.untilRem = remOf(untilMs);
    this.sinceSec = secOf(sinceMs);
    this.sinceRem = remOf(sinceMs);
  }

  get untilMs(): number {
    return msOf(this.untilSec, this.untilRem);
  }

  get sinceMs(): number {
    return msOf(this.sinceSec, this.sinceRem);
  }
}

export class ParkedIndex {
  /** namespace -> pod name -> its entry, or its entries when several jobs park the same pod (rare). */
  private readonly byNamespace = new Map<string, Map<string, ParkedEntry | ParkedEntry[]>>();
  /** job id -> pod index -> entry (a job's count is its map's size: asked every few seconds). */
  private readonly byJob = new Map<string, Map<number, ParkedEntry>>();
  private entries = 0;
  private readonly interned = new Map<string, string>();
  private readonly awaitedShapes = new Map<string, readonly AwaitedContainer[]>();

  get size(): number {
    return this.entries;
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  has(slot: Pick<ParkedSlot, 'jobId' | 'podIndex'>): boolean {
    return this.byJob.get(slot.jobId)?.has(slot.podIndex) ?? false;
  }

  add(pod: ParkedPod): void {
    this.remove(pod);
    const entry = new ParkedEntry(this.intern(pod.jobId), pod.podIndex, this.intern(pod.namespace), pod.name, this.shared(pod.awaited), pod.untilMs, pod.sinceMs, pod.token);
    let ofJob = this.byJob.get(entry.jobId);
    if (!ofJob) this.byJob.set(entry.jobId, (ofJob = new Map()));
    ofJob.set(entry.podIndex, entry);
    this.entries++;
    let pods = this.byNamespace.get(entry.namespace);
    if (!pods) this.byNamespace.set(entry.namespace, (pods = new Map()));
    const there = pods.get(entry.name);
    pods.set(entry.name, there === undefined ? entry : Array.isArray(there) ? [...there, entry] : [there, entry]);
  }

  /**
   * Removes the slot's entry; with a token, only if the entry is that park: an unpark of an
   * earlier park of the slot (a run that lost its job to another worker, which parked the pod
   * again) must not drop the newer one.
   */
  remove(slot: Pick<ParkedSlot, 'jobId' | 'podIndex'>, token?: number): ParkedPod | null {
    const ofJob = this.byJob.get(slot.jobId);
    const entry = ofJob?.get(slot.podIndex);
    if (!ofJob || !entry || (token !== undefined && entry.token !== token)) return null;
    ofJob.delete(slot.podIndex);
    if (ofJob.size === 0) this.byJob.delete(slot.jobId);
    this.entries--;
    const pods = this.byNamespace.get(entry.namespace);
    const there = pods?.get(entry.name);
    const rest = there === undefined ? [] : (Array.isArray(there) ? there : [there]).filter((p) => p !== entry);
    if (rest.length === 0) pods?.delete(entry.name);
    else pods?.set(entry.name, rest.length === 1 ? (rest[0] as ParkedEntry) : rest);
    if (pods?.size === 0) this.byNamespace.delete(entry.namespace);
    return entry;
  }

  /** Makes what is known of one namespace what a fresh read of it says (entries that did not change are kept as they are). */
  replaceNamespace(namespace: string, pods: readonly ParkedPod[]): void {
    const fresh = new Map<string, Map<number, ParkedPod>>();
    for (const p of pods) {
      let ofJob = fresh.get(p.jobId);
      if (!ofJob) fresh.set(p.jobId, (ofJob = new Map()));
      ofJob.set(p.podIndex, p);
    }
    for (const there of [...(this.byNamespace.get(namespace)?.values() ?? [])]) {
      for (const entry of Array.isArray(there) ? there : [there]) if (!fresh.get(entry.jobId)?.has(entry.podIndex)) this.remove(entry);
    }
    for (const ofJob of fresh.values()) {
      for (const pod of ofJob.values()) {
        const known = this.byJob.get(pod.jobId)?.get(pod.podIndex);
        if (known === undefined || known.namespace !== pod.namespace || known.name !== pod.name || known.untilMs !== pod.untilMs || known.sinceMs !== pod.sinceMs || known.token !== pod.token || JSON.stringify(known.awaited) !== JSON.stringify(pod.awaited)) this.add(pod);
      }
    }
  }

  forPod(namespace: string, name: string): ParkedPod[] {
    const there = this.byNamespace.get(namespace)?.get(name);
    return there === undefined ? [] : Array.isArray(there) ? [...there] : [there];
  }

  inNamespace(namespace: string): ParkedPod[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])].flat();
  }

  ofJob(jobId: string): ParkedPod[] {
    return [...(this.byJob.get(jobId)?.values() ?? [])];
  }

  /** When the longest parked wait began (null: none). Walks every entry: for a scrape, not a hot path. */
  oldestSinceMs(): number | null {
    let since = Infinity;
    for (const ofJob of this.byJob.values()) for (const p of ofJob.values()) if (p.sinceMs < since) since = p.sinceMs;
    return since === Infinity ? null : since;
  }

  jobIds(): string[] {
    return [...this.byJob.keys()];
  }

  /** Forgets shared strings and shapes no entry uses any more (called after each full read). */
  compact(): void {
    this.interned.clear();
    this.awaitedShapes.clear();
    for (const ofJob of this.byJob.values()) {
      for (const entry of ofJob.values()) {
        this.intern(entry.jobId);
        this.intern(entry.namespace);
        this.shared(entry.awaited);
      }
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
