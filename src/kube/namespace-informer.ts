// One list+watch of the pods of one namespace, kept alive until stop().
// client-node's Watch reconnects nothing and its makeInformer gives up on any error but 410
//, so the loop is ours, in the shape of client-go's reflector:
//   list (paginated) -> watch from the list's resourceVersion with timeoutSeconds and
//   bookmarks -> on a normal end resume from the last resourceVersion -> on 410 (HTTP or
//   an ERROR event) relist and emit the differences -> on errors back off exponentially
//   with jitter. A watch that ends quickly without delivering anything counts as a failure
//   too, so a server that closes every watch at once cannot drive a hot loop.
// Half-open connections: client-node 2.0.1 ends a watch after 30 s without data
// (TimeoutError: a normal reconnect here); our own watchdog is the backstop.

import { setTimeout as sleep } from 'node:timers/promises';
import { Watch } from './client-node.ts';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeError, codeForStatus, statusMessage, toKubeError } from './errors.ts';
import type { PodLists } from './pod-lists.ts';

export interface NamespaceInformerHandlers {
  upsert(pod: V1Pod): void;
  delete(name: string): void;
}

export interface NamespaceInformerOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  readonly handlers: NamespaceInformerHandlers;
  /** How the pods are listed (plain JSON; shared by the informers of one process). */
  readonly lists: PodLists;
  /** Server-side watch timeout. Default: random in [240, 360) s so informers do not reconnect in step. */
  readonly timeoutSeconds?: number;
  /** A watch with no data for this long is treated as half-open and restarted. Default 90 s. */
  readonly inactivityMs?: number;
  /** Reconnect backoff: first delay and cap. Default 1 s .. 30 s (client-node's ListWatch uses the same). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Page size of the list. Default 500. */
  readonly pageSize?: number;
}

type WatchEnd =
  | { readonly kind: 'closed' } // the server ended the stream (timeoutSeconds or otherwise)
  | { readonly kind: 'idle'; readonly detail: string } // an inactivity timeout, client-node's or ours
  | { readonly kind: 'gone' } // 410: our resourceVersion is too old
  | { readonly kind: 'error'; readonly error: KubeError }
  | { readonly kind: 'stopped' };

interface WatchObject {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
  readonly code?: number;
  readonly message?: string;
}

/** A watch shorter than this that delivered nothing is a failure, not a healthy cycle. */
const MIN_HEALTHY_WATCH_MS = 1_000;

export class NamespaceInformer {
  readonly namespace: string;
  private readonly opts: NamespaceInformerOptions;
  private readonly watch: Watch;
  /** name -> resourceVersion of every pod seen: enough to emit a relist's differences, and small. */
  private readonly versions = new Map<string, string>();
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private loop: Promise<void> | null = null;
  private syncedOnce = false;
  private readonly syncWaiters: Array<() => void> = [];
  private counts = { lists: 0, watches: 0, failures: 0 };
  /** Events delivered by the current watch (bookmarks included). */
  private events = 0;

  constructor(opts: NamespaceInformerOptions) {
    this.opts = opts;
    this.namespace = opts.namespace;
    this.watch = new Watch(opts.kc);
  }

  start(): void {
    if (this.loop !== null || this.stopController.signal.aborted) return;
    this.loop = this.run().catch((err: unknown) => {
      this.opts.log.error({ namespace: this.namespace, err }, 'pod informer loop crashed');
    });
  }

  /** Ends the watch, the list and any backoff wait; resolves when the loop has exited. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('informer stopped'));
    for (const wake of this.syncWaiters.splice(0)) wake();
    await this.loop;
  }

  /** The resourceVersion of the pod as last listed or watched; undefined when unknown or deleted. */
  versionOf(name: string): string | undefined {
    return this.versions.get(name);
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves after the first complete list (or on stop). */
  whenSynced(): Promise<void> {
    if (this.syncedOnce || this.stopController.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  stats(): { lists: number; watches: number; failures: number; resourceVersion: string; pods: number } {
    return { ...this.counts, resourceVersion: this.resourceVersion, pods: this.versions.size };
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 1_000, maxMs: 30_000 };
    let failures = 0;
    while (!this.stopped) {
      let reason: string;
      let productive: boolean;
      let gone = false;
      try {
        if (this.resourceVersion === '') await this.relist();
        const started = Date.now();
        this.events = 0;
        const end = await this.watchOnce();
        if (end.kind === 'stopped') break;
        productive = end.kind !== 'error' && (this.events > 0 || Date.now() - started >= MIN_HEALTHY_WATCH_MS);
        gone = end.kind === 'gone';
        if (gone) this.resourceVersion = '';
        reason =
          end.kind === 'closed' ? 'watch closed by the server'
          : end.kind === 'idle' ? end.detail
          : end.kind === 'gone' ? 'resourceVersion expired (410 Gone); relisting'
          : end.error.message;
      } catch (err) {
        if (this.stopped) break;
        productive = false;
        reason = toKubeError(err, `list pods in ${this.namespace}`).message;
      }
      if (productive) {
        failures = 0;
        // Routine ends (server timeout, client-node's 30 s idle cut) every few minutes: debug.
        this.opts.log[gone ? 'info' : 'debug']({ namespace: this.namespace, reason }, 'pod watch reconnecting');
        continue;
      }
      failures++;
      this.counts.failures++;
      // The first 410 after a healthy watch relists at once; repeated trouble backs off.
      const base = Math.min(maxMs, initialMs * 2 ** (failures - 1));
      const delayMs = gone && failures === 1 ? 0 : Math.round(base / 2 + (Math.random() * base) / 2);
      this.opts.log[gone ? 'info' : 'warn']({ namespace: this.namespace, reason, attempt: failures, delayMs }, 'pod watch reconnecting');
      if (delayMs > 0) {
        try {
          await sleep(delayMs, undefined, { signal: this.stopController.signal });
        } catch {
          break; // stopped
        }
      }
    }
  }

  /**
   * Lists every page, then emits upsert for new or changed pods and delete for vanished ones.
   * An informer that knows no pod yet (its first list) emits each page as it comes: nothing
   * can have vanished, and a pod on the first page need not wait for the last.
   */
  private async relist(): Promise<void> {
    const what = `list pods in ${this.namespace}`;
    const items = new Map<string, V1Pod>();
    const fresh = this.versions.size === 0;
    let cont: string | undefined;
    let rv = '';
    this.counts.lists++;
    do {
      const page = await this.opts.lists.page({ namespace: this.namespace, limit: this.opts.pageSize ?? 500, continue: cont }, what, {
        signal: this.stopController.signal,
        timeoutMs: 60_000,
      });
      for (const pod of page.items) items.set(pod.metadata?.name ?? '', pod);
      if (fresh && !this.stopped) for (const pod of page.items) this.upsertIfChanged(pod.metadata?.name ?? '', pod);
      cont = page.continue;
      rv = page.resourceVersion;
    } while (cont !== undefined);
    if (this.stopped) return;
    for (const name of [...this.versions.keys()]) {
      if (!items.has(name)) {
        this.versions.delete(name);
        this.emit(() => this.opts.handlers.delete(name));
      }
    }
    // A first list emitted its pods page by page already.
    if (!fresh) for (const [name, pod] of items) this.upsertIfChanged(name, pod);
    this.resourceVersion = rv;
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
    }
  }

  private upsertIfChanged(name: string, pod: V1Pod): void {
    const rv = pod.metadata?.resourceVersion ?? '';
    const old = this.versions.get(name);
    this.versions.set(name, rv);
    if (old !== rv) this.emit(() => this.opts.handlers.upsert(pod));
  }

  private emit(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log.error({ namespace: this.namespace, err }, 'pod informer handler threw');
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    const stop = this.stopController.signal;
    if (stop.aborted) return Promise.resolve({ kind: 'stopped' });
    const what = `watch pods in ${this.namespace}`;
    const inactivityMs = this.opts.inactivityMs ?? 90_000;
    this.counts.watches++;
    return new Promise<WatchEnd>((resolve) => {
      let settled = false;
      let controller: AbortController | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (end: WatchEnd): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        stop.removeEventListener('abort', onStop);
        controller?.abort();
        resolve(end);
      };
      const onStop = (): void => finish({ kind: 'stopped' });
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => finish({ kind: 'idle', detail: `no data for ${inactivityMs} ms (half-open connection?)` }), inactivityMs);
      };
      stop.addEventListener('abort', onStop, { once: true });
      arm();
      const params = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.opts.timeoutSeconds ?? 240 + Math.floor(Math.random() * 120),
      };
      const onEvent = (type: string, obj: WatchObject): void => {
        if (settled) return;
        arm();
        const end = this.onEvent(type, obj);
        if (end !== null) finish(end);
      };
      const onDone = (err: unknown): void => finish(this.classifyDone(err, what));
      this.watch.watch(`/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods`, params, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        (err: unknown) => finish({ kind: 'error', error: toKubeError(err, what) }),
      );
    });
  }

  private classifyDone(err: unknown, what: string): WatchEnd {
    if (err === null || err === undefined) return { kind: 'closed' };
    if (err instanceof Error && err.name === 'TimeoutError') return { kind: 'idle', detail: 'no data for 30 s (client-node idle timeout)' };
    const error = toKubeError(err, what);
    return error.code === 'KUBE_GONE' ? { kind: 'gone' } : { kind: 'error', error };
  }

  /** Applies one watch event; returns how the watch ends when the event ends it. */
  private onEvent(type: string, obj: WatchObject): WatchEnd | null {
    this.events++;
    const name = obj.metadata?.name ?? '';
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        const pod = obj as V1Pod;
        this.versions.set(name, obj.metadata?.resourceVersion ?? '');
        this.emit(() => this.opts.handlers.upsert(pod));
        break;
      }
      case 'DELETED':
        this.versions.delete(name);
        this.emit(() => this.opts.handlers.delete(name));
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        // A Status object. The server closes the stream after it; we do not wait for that.
        const code = obj.code ?? 500;
        if (code === 410) return { kind: 'gone' };
        const message = statusMessage(obj) ?? `HTTP ${code}`;
        return { kind: 'error', error: new KubeError(codeForStatus(code), `watch pods in ${this.namespace}: ${message}`, code) };
      }
      default:
        return null;
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.resourceVersion = rv;
    return null;
  }
}
