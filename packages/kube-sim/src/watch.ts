// Watches: one streamed HTTP response per watch, one JSON event per line. The registry
// indexes watches by resource and namespace, and those whose field selector names one object
// (`metadata.name=<name>`, as Velero's per-pod informers ask) by that name too, so an event
// reaches only the watches that can select it (no scan of every watch per event: 10,000
// single-pod watches made each event cost 10,000 selector matches), and the event's JSON line
// is built once however many unfiltered watches it goes to.

import type { ObjectStore, StoreEvent, StoredObject } from './object-store.ts';
import { matches, type Selector } from './selectors.ts';
import { expired } from './status.ts';
import type { JsonObject } from './types.ts';

/** Where a watch writes: an HTTP response in practice. */
export interface WatchOutput {
  write(line: string): boolean;
  end(): void;
  readonly writableLength: number;
}

export interface WatchOptions {
  readonly store: ObjectStore;
  /** null: all namespaces. */
  readonly namespace: string | null;
  readonly selector: Selector;
  readonly output: WatchOutput;
  readonly bookmarks: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutMs: number;
  /** Fault: end the stream after this many events or this long. */
  readonly cutAfterEvents?: number | undefined;
  readonly cutAfterMs?: number | undefined;
  readonly currentVersion: () => number;
  readonly onClose: (w: Watcher) => void;
  /** sendInitialEvents=true (watch-list): a bookmark marks the end of the initial ADDED events. */
  readonly initialEventsEnd?: boolean;
  /** Renders each object differently (kubectl's Table watches); disables the shared line. */
  readonly transform?: ((o: StoredObject) => JsonObject) | undefined;
}

/** A watch whose client stops reading is ended, as the API server ends slow watchers. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export class Watcher {
  readonly namespace: string | null;
  private readonly opts: WatchOptions;
  private closed = false;
  private sent = 0;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(opts: WatchOptions) {
    this.opts = opts;
    this.namespace = opts.namespace;
  }

  get resource(): string {
    return this.opts.store.info.resource;
  }

  /** The one object name this watch's field selector allows, if it names one. */
  get exactName(): string | null {
    return this.opts.selector.exactName;
  }

  /**
   * Sends what the client asked to start from: the current objects as ADDED (no
   * resourceVersion, or "0"), the retained events after a resourceVersion, or 410 Expired.
   * Returns false when the watch ended at once (the 410 case).
   */
  start(resourceVersion: number | null): boolean {
    const { store } = this.opts;
    if (resourceVersion === null) {
      for (const o of store.list(this.namespace)) {
        if (matches(this.opts.selector, o)) this.sendEvent('ADDED', o);
      }
      if (this.opts.initialEventsEnd) this.bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      const events = store.eventsSince(resourceVersion);
      if (events === 'expired') {
        this.send(JSON.stringify({ type: 'ERROR', object: expired(resourceVersion, store.oldestResumable) }));
        this.close();
        return false;
      }
      for (const e of events) {
        if (this.namespace === null || e.namespace === this.namespace) this.deliver(e);
      }
    }
    if (this.closed) return false;
    const { bookmarks, bookmarkIntervalMs, timeoutMs, cutAfterMs } = this.opts;
    if (bookmarks) this.timers.push(setInterval(() => this.bookmark(), bookmarkIntervalMs));
    this.timers.push(
      setTimeout(() => {
        if (bookmarks) this.bookmark();
        this.close();
      }, timeoutMs),
    );
    if (cutAfterMs !== undefined) this.timers.push(setTimeout(() => this.close(), cutAfterMs));
    return true;
  }

  /** Called for every event of this watch's resource and namespace. */
  deliver(e: StoreEvent): void {
    if (this.closed) return;
    const sel = this.opts.selector;
    if (sel.empty && !this.opts.transform) {
      e.line ??= JSON.stringify({ type: e.type, object: e.object });
      this.send(e.line);
      return;
    }
    if (sel.empty) {
      this.sendEvent(e.type, e.object);
      return;
    }
    // A filtered watch sees an object enter the selection as ADDED and leave it as DELETED,
    // as the API server's watch cache reports it.
    const now = e.type !== 'DELETED' && matches(sel, e.object);
    const before = e.type === 'MODIFIED' && e.prev !== null && matches(sel, e.prev);
    if (e.type === 'ADDED') {
      if (now) this.sendEvent('ADDED', e.object);
    } else if (e.type === 'DELETED') {
      if (matches(sel, e.object)) this.sendEvent('DELETED', e.object);
    } else if (now && before) {
      if (this.opts.transform) this.sendEvent('MODIFIED', e.object);
      else {
        e.line ??= JSON.stringify({ type: e.type, object: e.object });
        this.send(e.line);
      }
    } else if (now) {
      this.sendEvent('ADDED', e.object);
    } else if (before && e.prev) {
      this.sendEvent('DELETED', { ...e.prev, metadata: { ...e.prev.metadata, resourceVersion: String(e.rv) } });
    }
  }

  private sendEvent(type: string, o: StoredObject): void {
    const object = this.opts.transform ? this.opts.transform(o) : o;
    this.send(JSON.stringify({ type, object }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.opts.output.end();
    this.opts.onClose(this);
  }

  private bookmark(annotations?: Record<string, string>): void {
    const { info } = this.opts.store;
    const object: JsonObject = {
      kind: info.kind,
      apiVersion: info.group === '' ? info.version : `${info.group}/${info.version}`,
      metadata: { resourceVersion: String(this.opts.currentVersion()), ...(annotations ? { annotations } : {}) },
    };
    this.send(JSON.stringify({ type: 'BOOKMARK', object }));
  }

  private send(line: string): void {
    if (this.closed) return;
    this.opts.output.write(line + '\n');
    this.sent += 1;
    if (this.opts.output.writableLength > MAX_BUFFERED_BYTES) this.close();
    else if (this.opts.cutAfterEvents !== undefined && this.sent >= this.opts.cutAfterEvents) this.close();
  }
}

export interface WatchGaugeSink {
  opened(namespace: string | null): void;
  closed(namespace: string | null): void;
}

/** The watches of one namespace (or of all namespaces): those that name one object, by that name, and the rest. */
class WatchBucket {
  readonly unnamed = new Set<Watcher>();
  readonly byName = new Map<string, Set<Watcher>>();

  add(w: Watcher): void {
    const name = w.exactName;
    if (name === null) {
      this.unnamed.add(w);
      return;
    }
    let set = this.byName.get(name);
    if (!set) {
      set = new Set();
      this.byName.set(name, set);
    }
    set.add(w);
  }

  remove(w: Watcher): boolean {
    const name = w.exactName;
    if (name === null) return this.unnamed.delete(w);
    const set = this.byName.get(name);
    const removed = set?.delete(w) ?? false;
    if (set && set.size === 0) this.byName.delete(name);
    return removed;
  }

  get empty(): boolean {
    return this.unnamed.size === 0 && this.byName.size === 0;
  }

  /** Every watch that may select an object of this name (a rename is not possible: one name per event). */
  deliver(e: StoreEvent): void {
    const named = this.byName.get(e.object.metadata.name);
    if (named) for (const w of named) w.deliver(e);
    for (const w of this.unnamed) w.deliver(e);
  }

  all(): Watcher[] {
    const out = [...this.unnamed];
    for (const set of this.byName.values()) out.push(...set);
    return out;
  }
}

/** Open watches by resource, then by namespace (null: all namespaces), then by the name their selector names. */
export class WatchRegistry {
  private readonly byResource = new Map<string, { all: WatchBucket; byNamespace: Map<string, WatchBucket> }>();
  private readonly gauge: WatchGaugeSink;

  constructor(gauge: WatchGaugeSink) {
    this.gauge = gauge;
  }

  add(w: Watcher): void {
    let entry = this.byResource.get(w.resource);
    if (!entry) {
      entry = { all: new WatchBucket(), byNamespace: new Map() };
      this.byResource.set(w.resource, entry);
    }
    if (w.namespace === null) entry.all.add(w);
    else {
      let bucket = entry.byNamespace.get(w.namespace);
      if (!bucket) {
        bucket = new WatchBucket();
        entry.byNamespace.set(w.namespace, bucket);
      }
      bucket.add(w);
    }
    this.gauge.opened(w.namespace);
  }

  remove(w: Watcher): void {
    const entry = this.byResource.get(w.resource);
    if (!entry) return;
    let removed: boolean;
    if (w.namespace === null) removed = entry.all.remove(w);
    else {
      const bucket = entry.byNamespace.get(w.namespace);
      removed = bucket?.remove(w) ?? false;
      if (bucket?.empty === true) entry.byNamespace.delete(w.namespace);
    }
    if (removed) this.gauge.closed(w.namespace);
  }

  dispatch(resource: string, e: StoreEvent): void {
    const entry = this.byResource.get(resource);
    if (!entry) return;
    entry.byNamespace.get(e.namespace)?.deliver(e);
    entry.all.deliver(e);
  }

  closeAll(): void {
    for (const entry of this.byResource.values()) {
      for (const w of entry.all.all()) w.close();
      for (const bucket of [...entry.byNamespace.values()]) for (const w of bucket.all()) w.close();
    }
  }
}
