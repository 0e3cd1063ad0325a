// The cluster's objects and the rules that span them: namespaces must exist before their
// pods, a pod's containers going to running land on the timeline, a graceful delete shows
// deletionTimestamp before DELETED, and deleting a pod ends its exec processes. HTTP
// handlers and the programmatic API both come through here, so both follow the same rules.

import { EVENTS_GROUP, eventView, prepareEvent, updatedEvent, type EventVersion } from './events.ts';
import { ObjectStore, VersionClock, type StoredObject } from './object-store.ts';
import { applyPatch, isObject, type PatchType } from './patch.ts';
import { newlyRunning, preparePod, prepareMeta } from './pod-rules.ts';
import { aggregateClusterRoles, checkObject, newObject, seedBootstrapPolicy } from './rbac/objects.ts';
import { RBAC_GROUP } from './rbac/types.ts';
import { badRequest, conflict, invalid, notFound, type StatusCause } from './status.ts';
import { Timeline } from './timeline.ts';
import type { JsonObject } from './types.ts';
import { WatchRegistry, type WatchGaugeSink } from './watch.ts';

export interface StateOptions {
  historyLimit: number;
  gauge: WatchGaugeSink;
}

export type PodListener = (pod: StoredObject) => void;

export class ClusterState {
  readonly versions = new VersionClock();
  readonly watches: WatchRegistry;
  readonly namespaces: ObjectStore;
  readonly pods: ObjectStore;
  readonly restores: ObjectStore;
  /** Events in their events.k8s.io/v1 form; core/v1 requests see them converted (events.ts). */
  readonly events: ObjectStore;
  readonly serviceaccounts: ObjectStore;
  readonly roles: ObjectStore;
  readonly rolebindings: ObjectStore;
  readonly clusterroles: ObjectStore;
  readonly clusterrolebindings: ObjectStore;
  /** Every stored resource by its plural name (reviews are not stored). */
  readonly stores = new Map<string, ObjectStore>();
  readonly timeline = new Timeline();
  /** Called once a pod is created (the kubelet starts it). */
  readonly onPodCreated: PodListener[] = [];
  /** Called when a pod's deletion starts (graceful or not): its processes are stopped. */
  readonly onPodTerminating: PodListener[] = [];
  /** Called when a pod is gone from the store: its folders are removed. */
  readonly onPodDeleted: PodListener[] = [];
  private readonly deletions = new Map<string, NodeJS.Timeout>();

  constructor(opts: StateOptions) {
    this.watches = new WatchRegistry(opts.gauge);
    const sink = (resource: string) => (e: Parameters<WatchRegistry['dispatch']>[1]) => this.watches.dispatch(resource, e);
    this.namespaces = new ObjectStore(
      { resource: 'namespaces', group: '', version: 'v1', kind: 'Namespace', namespaced: false },
      this.versions,
      opts.historyLimit,
      sink('namespaces'),
    );
    this.pods = new ObjectStore(
      { resource: 'pods', group: '', version: 'v1', kind: 'Pod', namespaced: true },
      this.versions,
      opts.historyLimit,
      sink('pods'),
    );
    this.restores = new ObjectStore(
      { resource: 'restores', group: 'velero.io', version: 'v1', kind: 'Restore', namespaced: true },
      this.versions,
      opts.historyLimit,
      sink('restores'),
    );
    const store = (resource: string, group: string, kind: string, namespaced: boolean): ObjectStore =>
      new ObjectStore({ resource, group, version: 'v1', kind, namespaced }, this.versions, opts.historyLimit, sink(resource));
    this.serviceaccounts = store('serviceaccounts', '', 'ServiceAccount', true);
    this.events = store('events', EVENTS_GROUP, 'Event', true);
    this.roles = store('roles', RBAC_GROUP, 'Role', true);
    this.rolebindings = store('rolebindings', RBAC_GROUP, 'RoleBinding', true);
    this.clusterroles = store('clusterroles', RBAC_GROUP, 'ClusterRole', false);
    this.clusterrolebindings = store('clusterrolebindings', RBAC_GROUP, 'ClusterRoleBinding', false);
    for (const st of [this.namespaces, this.pods, this.restores, this.events, this.serviceaccounts, this.roles, this.rolebindings, this.clusterroles, this.clusterrolebindings]) {
      this.stores.set(st.info.resource, st);
    }
    seedBootstrapPolicy(this);
  }

  // ---- ServiceAccounts and RBAC objects ----

  /** POST of a ServiceAccount or an RBAC object (a namespaced one needs its namespace to exist). */
  createObject(resource: string, namespace: string | null, body: unknown): StoredObject {
    const store = this.stores.get(resource);
    if (!store) throw notFound(resource, '', '');
    if (namespace !== null) this.requireNamespace(namespace);
    const stored = store.insert(newObject(resource, namespace, body));
    if (store === this.clusterroles) aggregateClusterRoles(this.clusterroles);
    return stored;
  }

  /** DELETE of anything but a pod (pods have their graceful path below). */
  removeObject(store: ObjectStore, namespace: string, name: string): StoredObject {
    const gone = store.remove(namespace, name);
    if (store === this.clusterroles) aggregateClusterRoles(this.clusterroles);
    return gone;
  }

  // ---- namespaces ----

  createNamespace(body: unknown): StoredObject {
    const causes: StatusCause[] = [];
    const metadata = prepareMeta('Namespace', '', body, null, causes);
    if (causes.length > 0) throw invalid('Namespace', '', metadata.name, causes);
    metadata.labels = { ...metadata.labels, 'kubernetes.io/metadata.name': metadata.name };
    const src = body as JsonObject;
    const ns = this.namespaces.insert({
      ...src,
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata,
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    // The ServiceAccount controller gives every namespace its "default" account.
    if (!this.serviceaccounts.get(metadata.name, 'default')) this.serviceaccounts.insert(newObject('serviceaccounts', metadata.name, { metadata: { name: 'default' } }));
    return ns;
  }

  requireNamespace(namespace: string): StoredObject {
    const ns = this.namespaces.get('', namespace);
    if (!ns) throw notFound('namespaces', '', namespace);
    return ns;
  }

  // ---- pods ----

  createPod(namespace: string, body: unknown): StoredObject {
    this.requireNamespace(namespace);
    const pod = this.pods.insert(preparePod(namespace, body));
    for (const l of this.onPodCreated) l(pod);
    this.noteRunning(null, pod);
    return pod;
  }

  getPod(namespace: string, name: string): StoredObject {
    const pod = this.pods.get(namespace, name);
    if (!pod) throw notFound('pods', '', name);
    return pod;
  }

  /** Writes a new status computed from the current pod; the kubelet's and the status API's path. */
  writePodStatus(namespace: string, name: string, status: JsonObject, spec?: JsonObject): StoredObject {
    const prev = this.getPod(namespace, name);
    const next = this.pods.update({ ...prev, ...(spec ? { spec } : {}), status });
    this.noteRunning(prev, next);
    return next;
  }

  /** PUT: the whole object (or its status). */
  replace(store: ObjectStore, namespace: string, name: string, body: unknown, subresource: 'status' | null): StoredObject {
    if (!isObject(body)) throw badRequest('the body of the request is not an object');
    const meta = isObject(body['metadata']) ? body['metadata'] : {};
    if (meta['name'] !== undefined && meta['name'] !== name) {
      throw badRequest(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
    }
    const current = store.get(namespace, name);
    if (!current) throw notFound(store.info.resource, store.info.group, name);
    const rv = meta['resourceVersion'];
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) {
      throw conflict(store.info.resource, store.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.commit(store, current, body, subresource);
  }

  /** PATCH: JSON patch, merge patch or strategic merge patch, of the object or its status. */
  patch(store: ObjectStore, namespace: string, name: string, type: PatchType, patch: unknown, subresource: 'status' | null, keyedLists = store.info.group === ''): StoredObject {
    const current = store.get(namespace, name);
    if (!current) throw notFound(store.info.resource, store.info.group, name);
    const patched = applyPatch(type, current, patch, keyedLists);
    const rv = isObject(patched['metadata']) ? patched['metadata']['resourceVersion'] : undefined;
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) {
      throw conflict(store.info.resource, store.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.commit(store, current, patched, subresource);
  }

  /**
   * Stores an update: a status subresource write changes only status; a main-resource
   * write of a pod keeps its status (the status subresource owns it) and its spec but for
   * the fields a pod update may change. Server-set metadata is never taken from the client.
   */
  private commit(store: ObjectStore, current: StoredObject, body: JsonObject, subresource: 'status' | null): StoredObject {
    const isPod = store === this.pods;
    let next: StoredObject;
    if (subresource === 'status') {
      next = { ...current, status: isObject(body['status']) ? body['status'] : {} };
    } else {
      const meta = isObject(body['metadata']) ? body['metadata'] : {};
      const metadata = {
        ...meta,
        name: current.metadata.name,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: current.metadata.resourceVersion,
      } as StoredObject['metadata'];
      if (current.metadata.namespace !== undefined) metadata.namespace = current.metadata.namespace;
      if (current.metadata.deletionTimestamp) metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      next = { ...body, apiVersion: current.apiVersion, kind: current.kind, metadata };
      checkObject(store.info.resource, current.metadata.name, next, current);
      if (isPod) {
        checkPodSpecUpdate(current, body);
        next = { ...next, spec: current['spec'], status: current['status'] };
        const spec = isObject(current['spec']) ? { ...current['spec'] } : {};
        const bodySpec = isObject(body['spec']) ? body['spec'] : {};
        if (Array.isArray(bodySpec['containers']) && Array.isArray(spec['containers'])) {
          const images = new Map(bodySpec['containers'].filter(isObject).map((c) => [c['name'], c['image']]));
          spec['containers'] = spec['containers'].map((c: unknown) =>
            isObject(c) && typeof images.get(c['name']) === 'string' ? { ...c, image: images.get(c['name']) } : c,
          );
        }
        if (bodySpec['activeDeadlineSeconds'] !== undefined) spec['activeDeadlineSeconds'] = bodySpec['activeDeadlineSeconds'];
        if (bodySpec['tolerations'] !== undefined) spec['tolerations'] = bodySpec['tolerations'];
        next['spec'] = spec;
      }
    }
    const stored = store.update(next);
    if (isPod) this.noteRunning(current, stored);
    if (store === this.clusterroles) aggregateClusterRoles(this.clusterroles);
    return stored;
  }

  /**
   * graceMs > 0: deletionTimestamp now (MODIFIED), then DELETED after delayMs (default
   * graceMs), when the kubelet confirms the containers stopped. 0: DELETED now. Returns
   * the pod as the DELETE call answers it.
   */
  deletePod(namespace: string, name: string, graceMs: number, delayMs: number = graceMs): StoredObject {
    const pod = this.getPod(namespace, name);
    const key = `${namespace}/${name}`;
    if (pod.metadata.deletionTimestamp) {
      // Already terminating: a shorter grace period (0: force) still wins, as on a cluster.
      if (graceMs > 0) return pod;
      clearTimeout(this.deletions.get(key));
      this.deletions.delete(key);
      return this.finishDelete(namespace, name);
    }
    for (const l of this.onPodTerminating) l(pod);
    if (graceMs <= 0) return this.finishDelete(namespace, name);
    const marked = this.pods.update({
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: new Date(Math.ceil((Date.now() + graceMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        deletionGracePeriodSeconds: Math.ceil(graceMs / 1000),
      },
    });
    this.deletions.set(
      key,
      setTimeout(() => {
        this.deletions.delete(key);
        if (this.pods.get(namespace, name)?.metadata.uid === pod.metadata.uid) this.finishDelete(namespace, name);
      }, delayMs),
    );
    return marked;
  }

  private finishDelete(namespace: string, name: string): StoredObject {
    const gone = this.pods.remove(namespace, name);
    for (const l of this.onPodDeleted) l(gone);
    return gone;
  }

  // ---- Velero restores: stored as given ----

  createRestore(namespace: string, body: unknown): StoredObject {
    this.requireNamespace(namespace);
    const causes: StatusCause[] = [];
    const metadata = prepareMeta('Restore', 'velero.io', body, namespace, causes);
    if (causes.length > 0) throw invalid('Restore', 'velero.io', metadata.name, causes);
    const src = body as JsonObject;
    if (src['apiVersion'] !== undefined && src['apiVersion'] !== 'velero.io/v1') {
      throw badRequest(`the API version in the data (${String(src['apiVersion'])}) does not match the expected API version (velero.io/v1)`);
    }
    return this.restores.insert({ ...src, apiVersion: 'velero.io/v1', kind: 'Restore', metadata });
  }

  // ---- Events: one store, two API versions ----

  createEvent(namespace: string, body: unknown, version: EventVersion): StoredObject {
    this.requireNamespace(namespace);
    return eventView(this.events.insert(prepareEvent(namespace, body, version)), version);
  }

  /**
   * PUT (`next` is the body) or PATCH (`next` makes the new object from the current one,
   * both in the request's version); the Event's metadata keeps its server-set fields.
   */
  updateEvent(namespace: string, name: string, version: EventVersion, next: (current: StoredObject) => JsonObject): StoredObject {
    const current = this.events.get(namespace, name);
    if (!current) throw notFound('events', version === 'core' ? '' : EVENTS_GROUP, name);
    const made = next(eventView(current, version));
    const meta = isObject(made['metadata']) ? made['metadata'] : {};
    const rv = meta['resourceVersion'];
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) {
      throw conflict('events', version === 'core' ? '' : EVENTS_GROUP, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const updated = updatedEvent(current, made, version);
    const metadata = { ...current.metadata };
    if (isObject(meta['labels'])) metadata.labels = meta['labels'] as Record<string, string>;
    if (isObject(meta['annotations'])) metadata.annotations = meta['annotations'] as Record<string, string>;
    return eventView(this.events.update({ ...updated, metadata }), version);
  }

  /** Ends pending graceful deletions' timers (at stop). */
  dispose(): void {
    for (const t of this.deletions.values()) clearTimeout(t);
    this.deletions.clear();
    this.watches.closeAll();
  }

  private noteRunning(prev: StoredObject | null, next: StoredObject): void {
    if (prev !== null && prev['status'] === next['status']) return;
    for (const c of newlyRunning(prev, next)) {
      this.timeline.running(next.metadata.namespace ?? '', next.metadata.name, c);
    }
  }
}

/**
 * Pod updates may change only a few spec fields (pkg/apis/core/validation ValidatePodUpdate).
 * Fields the client leaves out keep their value, as the API server's defaulting would give.
 */
function checkPodSpecUpdate(current: StoredObject, body: JsonObject): void {
  const next = body['spec'];
  if (!isObject(next)) return;
  const spec = isObject(current['spec']) ? current['spec'] : {};
  const mutable = new Set(['containers', 'activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']);
  const changed = Object.keys(next).filter((k) => !mutable.has(k) && JSON.stringify(sortKeys(next[k])) !== JSON.stringify(sortKeys(spec[k])));
  const names = (v: unknown): string => JSON.stringify(Array.isArray(v) ? v.map((c) => (isObject(c) ? c['name'] : c)) : v);
  if (next['containers'] !== undefined && names(next['containers']) !== names(spec['containers'])) changed.push('containers');
  if (changed.length === 0) return;
  throw invalid('Pod', '', current.metadata.name, [
    {
      field: 'spec',
      reason: 'FieldValueForbidden',
      message:
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    },
  ]);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}
