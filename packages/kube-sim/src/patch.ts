// The three patch formats clients send: JSON Patch (client-node's default content type),
// JSON merge patch, and strategic merge patch for the core types. Strategic merge merges
// the lists the pod API declares with a merge key (conditions by type, container statuses
// by name...) and honours the `$patch` directives; other lists are replaced, as in merge patch.

import { badRequest, SimError } from './status.ts';
import type { JsonObject } from './types.ts';

export type PatchType = 'json' | 'merge' | 'strategic';

/** Lists merged by key in strategic merge patch (patchMergeKey in k8s.io/api/core/v1). */
const MERGE_KEYS: Record<string, string> = {
  conditions: 'type',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  ephemeralContainerStatuses: 'name',
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  podIPs: 'ip',
  hostIPs: 'ip',
  tolerations: 'key',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (ct === 'application/json-patch+json') return 'json';
  if (ct === 'application/merge-patch+json') return 'merge';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') {
    throw new SimError(415, 'UnsupportedMediaType', `the simulated cluster does not implement server-side apply (${ct})`);
  }
  throw new SimError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
}

export function applyPatch(type: PatchType, target: JsonObject, patch: unknown, strategicLists = true): JsonObject {
  if (type === 'json') {
    if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    return applyJsonPatch(target, patch);
  }
  if (!isObject(patch)) throw badRequest('the patch is not a JSON object');
  const out = mergeObjects(target, patch, type === 'strategic' && strategicLists);
  return out;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 merge, plus keyed list merging and `$patch` when `strategic`. */
export function mergeObjects(target: JsonObject, patch: JsonObject, strategic: boolean): JsonObject {
  if (strategic && patch['$patch'] === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return stripDirectives(rest) as JsonObject;
  }
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (strategic && key.startsWith('$')) continue;
    if (strategic && key.startsWith('$setElementOrder/')) continue;
    if (value === null) {
      delete out[key];
      continue;
    }
    if (strategic && isObject(value) && value['$patch'] === 'delete') {
      delete out[key];
      continue;
    }
    const current = out[key];
    const mergeKey = MERGE_KEYS[key];
    if (strategic && mergeKey && Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(current) ? current : [], value, mergeKey);
    } else if (isObject(value)) {
      out[key] = mergeObjects(isObject(current) ? current : {}, value, strategic);
    } else {
      out[key] = strategic ? stripDirectives(value) : value;
    }
  }
  return out;
}

function mergeList(current: unknown[], patch: unknown[], key: string): unknown[] {
  if (patch.some((p) => isObject(p) && p['$patch'] === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p['$patch'] === 'replace')).map(stripDirectives);
  }
  const out = [...current];
  for (const item of patch) {
    if (!isObject(item) || !(key in item)) {
      out.push(stripDirectives(item));
      continue;
    }
    const idx = out.findIndex((c) => isObject(c) && c[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    const existing = idx >= 0 ? out[idx] : undefined;
    const merged = mergeObjects(isObject(existing) ? existing : {}, item, true);
    if (idx >= 0) out[idx] = merged;
    else out.push(merged);
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(val);
  return out;
}

// ---- RFC 6902 JSON Patch ----

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw badRequest(`invalid JSON pointer: ${String(path)}`);
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonObject | unknown[];

function parentOf(root: JsonObject, path: string[]): { parent: Container; key: string } {
  let cur: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined) throw new SimError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${'/' + path.join('/')} does not exist`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw badRequest(`path /${path.join('/')} does not exist`);
  return { parent: cur, key: path[path.length - 1] ?? '' };
}

function getAt(root: JsonObject, path: string[]): unknown {
  if (path.length === 0) return root;
  const { parent, key } = parentOf(root, path);
  return Array.isArray(parent) ? parent[Number(key)] : parent[key];
}

function removeAt(root: JsonObject, path: string[]): unknown {
  const { parent, key } = parentOf(root, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw badRequest(`unable to remove nonexistent index ${key}`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw badRequest(`unable to remove nonexistent key: ${key}: missing value`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(root: JsonObject, path: string[], value: unknown, replace: boolean): void {
  const { parent, key } = parentOf(root, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length)) throw badRequest(`index ${key} out of bounds`);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else {
    if (replace && !(key in parent)) throw badRequest(`replace operation does not apply: doc is missing key: /${path.join('/')}`);
    parent[key] = value;
  }
}

export function applyJsonPatch(target: JsonObject, ops: unknown[]): JsonObject {
  const doc = structuredClone(target);
  for (const op of ops) {
    if (!isObject(op)) throw badRequest('a JSON patch operation must be an object');
    const path = pointer(op['path']);
    if (path.length === 0) throw badRequest('the root of the object cannot be patched');
    switch (op['op']) {
      case 'add':
        addAt(doc, path, structuredClone(op['value']), false);
        break;
      case 'replace':
        addAt(doc, path, structuredClone(op['value']), true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move': {
        const v = removeAt(doc, pointer(op['from']));
        addAt(doc, path, v, false);
        break;
      }
      case 'copy':
        addAt(doc, path, structuredClone(getAt(doc, pointer(op['from']))), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op['value'])) {
          throw new SimError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value /${path.join('/')} failed`);
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(op['op'])}`);
    }
  }
  return doc;
}
