// One resource's objects, indexed by namespace then name, with the event history that
// watches resume from. Stored objects are immutable snapshots: every change stores a new
// object, so an event can hold a reference instead of a copy and be serialized once for
// all the watches it fans out to.

import { alreadyExists, notFound } from './status.ts';
import type { JsonObject } from './types.ts';

export interface ObjectMeta extends JsonObject {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

export interface StoredObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: EventType;
  readonly rv: number;
  readonly namespace: string;
  readonly object: StoredObject;
  /** The object before a MODIFIED event, for selector transitions (ADDED/DELETED to a filtered watch). */
  readonly prev: StoredObject | null;
  /** The event's JSON line, computed once on first use. */
  line?: string;
}

export interface ResourceInfo {
  /** Plural, e.g. "pods". */
  readonly resource: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** resourceVersion grows monotonically across all objects, as etcd's revision does. */
export class VersionClock {
  current = 0;
  next(): number {
    this.current += 1;
    return this.current;
  }
}

export type EventSink = (event: StoreEvent) => void;

export class ObjectStore {
  readonly info: ResourceInfo;
  private readonly byNamespace = new Map<string, Map<string, StoredObject>>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  /** resourceVersion of the newest event dropped from history; resuming before it is 410. */
  private evictedUpTo = 0;
  private readonly versions: VersionClock;
  private readonly historyLimit: number;
  private readonly sink: EventSink;
  private total = 0;

  constructor(info: ResourceInfo, versions: VersionClock, historyLimit: number, sink: EventSink) {
    this.info = info;
    this.versions = versions;
    this.historyLimit = Math.max(1, historyLimit);
    this.sink = sink;
  }

  get size(): number {
    return this.total;
  }

  get(namespace: string, name: string): StoredObject | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Objects of one namespace, or of all (namespace null), sorted by namespace then name as an API server lists them. */
  list(namespace: string | null): StoredObject[] {
    const out: StoredObject[] = [];
    if (namespace !== null) {
      const names = this.byNamespace.get(namespace);
      if (names) for (const o of names.values()) out.push(o);
      return out.sort(byName);
    }
    const namespaces = [...this.byNamespace.keys()].sort();
    for (const ns of namespaces) {
      const objs = [...(this.byNamespace.get(ns)?.values() ?? [])].sort(byName);
      for (const o of objs) out.push(o);
    }
    return out;
  }

  /** Stores a new object (its metadata already filled but for resourceVersion) and emits ADDED. */
  insert(object: StoredObject): StoredObject {
    const ns = object.metadata.namespace ?? '';
    let names = this.byNamespace.get(ns);
    if (names?.has(object.metadata.name)) throw alreadyExists(this.info.resource, this.info.group, object.metadata.name);
    if (!names) {
      names = new Map();
      this.byNamespace.set(ns, names);
    }
    const rv = this.versions.next();
    const stored = withVersion(object, rv);
    names.set(stored.metadata.name, stored);
    this.total += 1;
    this.record({ type: 'ADDED', rv, namespace: ns, object: stored, prev: null });
    return stored;
  }

  /** Replaces an existing object with `next` (same namespace and name) and emits MODIFIED. */
  update(next: StoredObject): StoredObject {
    const ns = next.metadata.namespace ?? '';
    const names = this.byNamespace.get(ns);
    const prev = names?.get(next.metadata.name);
    if (!names || !prev) throw notFound(this.info.resource, this.info.group, next.metadata.name);
    const rv = this.versions.next();
    const stored = withVersion(next, rv);
    names.set(stored.metadata.name, stored);
    this.record({ type: 'MODIFIED', rv, namespace: ns, object: stored, prev });
    return stored;
  }

  /** Removes an object and emits DELETED carrying its last state with a new resourceVersion. */
  remove(namespace: string, name: string): StoredObject {
    const names = this.byNamespace.get(namespace);
    const prev = names?.get(name);
    if (!names || !prev) throw notFound(this.info.resource, this.info.group, name);
    names.delete(name);
    if (names.size === 0) this.byNamespace.delete(namespace);
    this.total -= 1;
    const rv = this.versions.next();
    const stored = withVersion(prev, rv);
    this.record({ type: 'DELETED', rv, namespace, object: stored, prev });
    return stored;
  }

  /**
   * Events after resourceVersion `rv`, oldest first, or 'expired' when some of them were
   * already dropped (the watch must get 410 and the client re-list).
   */
  eventsSince(rv: number): StoreEvent[] | 'expired' {
    if (rv < this.evictedUpTo) return 'expired';
    // Binary search for the first retained event newer than rv.
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid]?.rv ?? 0) <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** The oldest resourceVersion a watch may still resume from, for the 410 message. */
  get oldestResumable(): number {
    return this.evictedUpTo;
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historyLimit) {
      const dropped = this.history[this.historyStart];
      this.historyStart += 1;
      if (dropped) this.evictedUpTo = dropped.rv;
      // Compact now and then instead of shifting on every event.
      if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    this.sink(event);
  }
}

function byName(a: StoredObject, b: StoredObject): number {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function withVersion(object: StoredObject, rv: number): StoredObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
}
