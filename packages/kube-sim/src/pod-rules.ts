// What the API server does to a pod on the way in (validation, defaults) and what a
// kubelet writes into its status. Pure functions over the pod's JSON.

import { randomUUID } from 'node:crypto';
import type { ObjectMeta, StoredObject } from './object-store.ts';
import { isObject } from './patch.ts';
import { badRequest, invalid, type StatusCause } from './status.ts';
import type { ContainerStateName, JsonObject } from './types.ts';

export const LIFECYCLE_ANNOTATION = 'sim.hookd.io/lifecycle';
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function nowIso(): string {
  // The API server's timestamps have second precision (metav1.Time in RFC 3339).
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function stringMap(v: unknown, field: string, causes: StatusCause[]): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    causes.push({ field, message: 'Invalid value: must be a map of strings' });
    return undefined;
  }
  return v as Record<string, string>;
}

/**
 * Common metadata checks and server-set fields for any created object: name (or
 * generateName), namespace agreement with the URL, uid, creationTimestamp.
 */
export function prepareMeta(
  kind: string,
  group: string,
  body: unknown,
  namespace: string | null,
  causes: StatusCause[],
  /** RBAC objects' names only need to be a valid path segment ("system:basic-user"). */
  nameRule: 'dns' | 'path-segment' = 'dns',
): ObjectMeta {
  if (!isObject(body)) throw badRequest(`the body of the request was not a ${kind} object`);
  const meta = isObject(body['metadata']) ? body['metadata'] : {};
  let name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const generateName = typeof meta['generateName'] === 'string' ? meta['generateName'] : '';
  if (name === '' && generateName !== '') name = generateName + randomSuffix();
  if (name === '') {
    throw invalid(kind, group, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
  }
  const dnsRule = namespace === null ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (nameRule === 'path-segment') {
    if (name === '.' || name === '..' || /[/%]/.test(name)) {
      causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": may not be '.' or '..' and may not contain '/' or '%'` });
    }
  } else if (name.length > (namespace === null ? 63 : 253) || !dnsRule.test(name)) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": ${namespace === null ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'" : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'"}, and must start and end with an alphanumeric character`,
    });
  }
  if (namespace !== null && typeof meta['namespace'] === 'string' && meta['namespace'] !== '' && meta['namespace'] !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const labels = stringMap(meta['labels'], 'metadata.labels', causes);
  const annotations = stringMap(meta['annotations'], 'metadata.annotations', causes);
  const out: ObjectMeta = {
    ...meta,
    name,
    uid: randomUUID(),
    resourceVersion: '',
    creationTimestamp: nowIso(),
  };
  if (namespace !== null) out.namespace = namespace;
  else delete out.namespace;
  if (labels) out.labels = labels;
  if (annotations) out.annotations = annotations;
  for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']) delete out[k];
  return out;
}

export function containersOf(pod: JsonObject): JsonObject[] {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const list = spec['containers'];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

export function containerNames(pod: JsonObject): string[] {
  return containersOf(pod).map((c) => (typeof c['name'] === 'string' ? c['name'] : ''));
}

/** POST /pods: validation (422 with causes) and the defaults a real API server adds. */
export function preparePod(namespace: string, body: unknown): StoredObject {
  const causes: StatusCause[] = [];
  const metadata = prepareMeta('Pod', '', body, namespace, causes);
  const src = body as JsonObject;
  const spec: JsonObject = isObject(src['spec']) ? { ...src['spec'] } : {};
  const containers = Array.isArray(spec['containers']) ? spec['containers'] : [];
  if (containers.length === 0) causes.push({ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' });
  const seen = new Set<string>();
  spec['containers'] = containers.map((c: unknown, i: number) => {
    const field = `spec.containers[${i}]`;
    if (!isObject(c)) {
      causes.push({ field, message: 'Invalid value: must be an object' });
      return c;
    }
    const name = c['name'];
    if (typeof name !== 'string' || name === '') causes.push({ field: `${field}.name`, reason: 'FieldValueRequired', message: 'Required value' });
    else if (!DNS1123_LABEL.test(name) || name.length > 63) causes.push({ field: `${field}.name`, message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'` });
    else if (seen.has(name)) causes.push({ field: `${field}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: "${name}"` });
    else seen.add(name);
    if (typeof c['image'] !== 'string' || c['image'] === '') causes.push({ field: `${field}.image`, reason: 'FieldValueRequired', message: 'Required value' });
    return {
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: typeof c['image'] === 'string' && c['image'].endsWith(':latest') ? 'Always' : 'IfNotPresent',
      resources: {},
      ...c,
    };
  });
  if (causes.length > 0) throw invalid('Pod', '', metadata.name, causes);
  const defaults: JsonObject = {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    serviceAccountName: 'default',
    securityContext: {},
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
  };
  return {
    ...src,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { ...defaults, ...spec },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

export function isManual(pod: StoredObject, namespaceLabels: Record<string, string> | undefined): boolean {
  return pod.metadata.annotations?.[LIFECYCLE_ANNOTATION] === 'manual' || namespaceLabels?.[LIFECYCLE_ANNOTATION] === 'manual';
}

export function statusOf(pod: JsonObject): JsonObject {
  return isObject(pod['status']) ? pod['status'] : {};
}

export function containerStatuses(pod: JsonObject): JsonObject[] {
  const list = statusOf(pod)['containerStatuses'];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/** The container's state key ('running', 'waiting', 'terminated') from status.containerStatuses. */
export function containerState(pod: JsonObject, container: string): ContainerStateName | null {
  const cs = containerStatuses(pod).find((c) => c['name'] === container);
  const state = cs && isObject(cs['state']) ? cs['state'] : null;
  if (!state) return null;
  if (isObject(state['running'])) return 'running';
  if (isObject(state['terminated'])) return 'terminated';
  if (isObject(state['waiting'])) return 'waiting';
  return null;
}

export function containerStatus(
  pod: JsonObject,
  name: string,
  state: ContainerStateName,
  opts: { ready?: boolean; exitCode?: number; reason?: string },
): JsonObject {
  const image = containersOf(pod).find((c) => c['name'] === name)?.['image'] ?? '';
  const at = nowIso();
  const stateObj =
    state === 'running'
      ? { running: { startedAt: at } }
      : state === 'terminated'
        ? { terminated: { exitCode: opts.exitCode ?? 0, reason: opts.reason ?? ((opts.exitCode ?? 0) === 0 ? 'Completed' : 'Error'), startedAt: at, finishedAt: at } }
        : { waiting: { reason: opts.reason ?? 'ContainerCreating' } };
  return {
    name,
    image,
    imageID: '',
    containerID: `containerd://${name}-${randomUUID().replace(/-/g, '')}`,
    ready: state === 'running' && (opts.ready ?? false),
    started: state === 'running',
    restartCount: 0,
    state: stateObj,
    lastState: {},
  };
}

function condition(type: string, ok: boolean): JsonObject {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: nowIso() };
}

/**
 * A kubelet's view of the pod from its containers: phase from their states, Ready and
 * ContainersReady from their readiness. Keeps other fields of the status.
 */
export function deriveStatus(pod: JsonObject, statuses: JsonObject[], scheduled: boolean): JsonObject {
  const states = statuses.map((s) => (isObject(s['state']) ? s['state'] : {}));
  const all = containerNames(pod).length;
  const running = states.filter((s) => isObject(s['running'])).length;
  const terminated = states.filter((s) => isObject(s['terminated']));
  const failed = terminated.some((s) => isObject(s['terminated']) && s['terminated']['exitCode'] !== 0);
  const prev = statusOf(pod);
  let phase = typeof prev['phase'] === 'string' ? prev['phase'] : 'Pending';
  if (terminated.length === all && all > 0) phase = failed ? 'Failed' : 'Succeeded';
  else if (running > 0 || terminated.length > 0) phase = 'Running';
  const ready = statuses.length === all && all > 0 && statuses.every((s) => s['ready'] === true);
  const status: JsonObject = { ...prev, phase, containerStatuses: statuses };
  status['conditions'] = [
    condition('PodReadyToStartContainers', running > 0 || terminated.length > 0),
    condition('Initialized', true),
    condition('Ready', ready),
    condition('ContainersReady', ready),
    condition('PodScheduled', scheduled),
  ];
  if (phase !== 'Pending' && !prev['startTime']) status['startTime'] = nowIso();
  if (phase !== 'Pending') {
    status['hostIP'] = '127.0.0.1';
    status['hostIPs'] = [{ ip: '127.0.0.1' }];
  }
  return status;
}

/** Containers whose state became running between two versions of a pod (for the timeline). */
export function newlyRunning(prev: JsonObject | null, next: JsonObject): string[] {
  const out: string[] = [];
  for (const cs of containerStatuses(next)) {
    const name = typeof cs['name'] === 'string' ? cs['name'] : '';
    if (!isObject(cs['state']) || !isObject(cs['state']['running'])) continue;
    if (prev === null || containerState(prev, name) !== 'running') out.push(name);
  }
  return out;
}
