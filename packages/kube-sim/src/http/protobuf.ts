// kubectl's typed clients (`kubectl create namespace`) send built-in objects as protobuf
// (application/vnd.kubernetes.protobuf) and client-go does not fall back to JSON on 415.
// This decodes just what those requests carry: the "k8s\0" envelope (runtime.Unknown),
// a Namespace and its ObjectMeta's name, generateName, labels and annotations, the
// ServiceAccount of `kubectl create serviceaccount`, the Role, ClusterRole, RoleBinding and
// ClusterRoleBinding of `kubectl create role` (and the others), the TokenRequest of
// `kubectl create token` (audiences, expirationSeconds), and the reviews of
// `kubectl auth can-i` and `kubectl auth whoami`. Field numbers are those of
// k8s.io/api's generated.proto. Anything else in protobuf gets the 415 a server without
// that type's protobuf support gives.

import { SimError } from '../status.ts';
import type { JsonObject } from '../types.ts';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { n: number; bytes: Buffer } | { n: number; varint: number };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated varint');
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const n = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        out.push({ n, varint: varint() });
        break;
      case 1:
        i += 8;
        break;
      case 2: {
        const l = varint();
        out.push({ n, bytes: buf.subarray(i, i + l) });
        i += l;
        break;
      }
      case 5:
        i += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
  return out;
}

function bytesOf(fs: Field[], n: number): Buffer[] {
  return fs.flatMap((f) => (f.n === n && 'bytes' in f ? [f.bytes] : []));
}

function str(fs: Field[], n: number): string | undefined {
  const b = bytesOf(fs, n)[0];
  return b === undefined ? undefined : b.toString('utf8');
}

function stringMap(fs: Field[], n: number): Record<string, string> | undefined {
  const entries = bytesOf(fs, n);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e);
    out[str(kv, 1) ?? ''] = str(kv, 2) ?? '';
  }
  return out;
}

function objectMeta(buf: Buffer): JsonObject {
  const fs = fields(buf);
  const meta: JsonObject = {};
  // Go's marshaller writes empty strings too; the object's JSON form omits them (omitempty).
  const put = (k: string, v: unknown): void => {
    if (v !== undefined && v !== '') meta[k] = v;
  };
  put('name', str(fs, 1));
  put('generateName', str(fs, 2));
  put('namespace', str(fs, 3));
  put('labels', stringMap(fs, 11));
  put('annotations', stringMap(fs, 12));
  return meta;
}

function strings(fs: Field[], n: number): string[] {
  return bytesOf(fs, n).map((b) => b.toString('utf8'));
}

/**
 * The fields of a message whose fields are all strings, by number. Go's marshaller writes
 * empty strings too; those in `omitEmpty` are left out, as the JSON form omits them.
 */
function stringFields(buf: Buffer, names: Record<number, string>, omitEmpty: readonly string[] = Object.values(names)): JsonObject {
  const fs = fields(buf);
  const out: JsonObject = {};
  for (const [n, name] of Object.entries(names)) {
    const v = str(fs, Number(n)) ?? '';
    if (v !== '' || !omitEmpty.includes(name)) out[name] = v;
  }
  return out;
}

/** rbac/v1 PolicyRule: verbs 1, apiGroups 2, resources 3, resourceNames 4, nonResourceURLs 5 (all repeated). */
function policyRule(buf: Buffer): JsonObject {
  const fs = fields(buf);
  const rule: JsonObject = { verbs: strings(fs, 1) };
  const lists: Array<[number, string]> = [
    [2, 'apiGroups'],
    [3, 'resources'],
    [4, 'resourceNames'],
    [5, 'nonResourceURLs'],
  ];
  // omitempty: an empty list is left out, as the JSON form of the same object has it.
  for (const [n, name] of lists) {
    const values = strings(fs, n);
    if (values.length > 0) rule[name] = values;
  }
  return rule;
}

/** metav1.LabelSelector: matchLabels 1 (map), matchExpressions 2 (key 1, operator 2, values 3). */
function labelSelector(buf: Buffer): JsonObject {
  const fs = fields(buf);
  const out: JsonObject = {};
  const labels = stringMap(fs, 1);
  if (labels) out['matchLabels'] = labels;
  const exprs = bytesOf(fs, 2).map((b) => {
    const e = fields(b);
    return { key: str(e, 1) ?? '', operator: str(e, 2) ?? '', values: strings(e, 3) };
  });
  if (exprs.length > 0) out['matchExpressions'] = exprs;
  return out;
}

function boolField(fs: Field[], n: number): boolean | undefined {
  const f = fs.find((x) => x.n === n && 'varint' in x);
  return f && 'varint' in f ? f.varint !== 0 : undefined;
}

const SUBJECT = { 1: 'kind', 2: 'apiGroup', 3: 'name', 4: 'namespace' };
const ROLE_REF = { 1: 'apiGroup', 2: 'kind', 3: 'name' };
/** core/v1 ObjectReference (ServiceAccount.secrets). */
const OBJECT_REFERENCE = { 1: 'kind', 2: 'namespace', 3: 'name', 4: 'uid', 5: 'apiVersion', 6: 'resourceVersion', 7: 'fieldPath' };

/** The body of a kind this file knows, from its fields (metadata is field 1 in each). */
function decodeKind(apiVersion: string, kind: string, raw: Field[]): JsonObject | null {
  const meta = bytesOf(raw, 1)[0];
  const base: JsonObject = { apiVersion, kind, metadata: meta ? objectMeta(meta) : {} };
  if (apiVersion === 'v1' && kind === 'ServiceAccount') {
    // secrets 2, imagePullSecrets 3 (LocalObjectReference: name 1), automountServiceAccountToken 4.
    const secrets = bytesOf(raw, 2).map((b) => stringFields(b, OBJECT_REFERENCE));
    const pullSecrets = bytesOf(raw, 3).map((b) => stringFields(b, { 1: 'name' }));
    const automount = boolField(raw, 4);
    return {
      ...base,
      ...(secrets.length > 0 ? { secrets } : {}),
      ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets } : {}),
      ...(automount !== undefined ? { automountServiceAccountToken: automount } : {}),
    };
  }
  if (apiVersion !== 'rbac.authorization.k8s.io/v1') return null;
  if (kind === 'Role' || kind === 'ClusterRole') {
    // rules 2; a ClusterRole's aggregationRule 3 (clusterRoleSelectors 1).
    const out: JsonObject = { ...base, rules: bytesOf(raw, 2).map(policyRule) };
    const aggregation = bytesOf(raw, 3)[0];
    if (kind === 'ClusterRole' && aggregation) out['aggregationRule'] = { clusterRoleSelectors: bytesOf(fields(aggregation), 1).map(labelSelector) };
    return out;
  }
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
    // subjects 2, roleRef 3.
    // Subject's kind and name, and all of RoleRef, are written even when empty (no omitempty).
    const subjects = bytesOf(raw, 2).map((b) => stringFields(b, SUBJECT, ['apiGroup', 'namespace']));
    const roleRef = stringFields(bytesOf(raw, 3)[0] ?? Buffer.alloc(0), ROLE_REF, []);
    return { ...base, ...(subjects.length > 0 ? { subjects } : {}), roleRef };
  }
  return null;
}

/**
 * Decodes a protobuf request body into the JSON object it stands for. A body that is not a
 * Kubernetes envelope is 415; one whose messages are malformed, at any depth, is 400, as an
 * API server answers a body it cannot decode.
 */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw new SimError(415, 'UnsupportedMediaType', 'the simulated cluster cannot decode this protobuf body (no k8s envelope): send application/json');
  }
  try {
    return decodeEnvelope(body.subarray(4));
  } catch (err) {
    if (err instanceof SimError) throw err;
    throw new SimError(400, 'BadRequest', `the protobuf body could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decodeEnvelope(envelopeBytes: Buffer): JsonObject {
  const envelope = fields(envelopeBytes);
  const typeMeta = fields(bytesOf(envelope, 1)[0] ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta, 1) ?? '';
  const kind = str(typeMeta, 2) ?? '';
  const raw = fields(bytesOf(envelope, 2)[0] ?? Buffer.alloc(0));
  const meta = bytesOf(raw, 1)[0];
  if (kind === 'Namespace' && apiVersion === 'v1') return { apiVersion, kind, metadata: meta ? objectMeta(meta) : {} };
  const known = decodeKind(apiVersion, kind, raw);
  if (known) return known;
  // `kubectl create token`: TokenRequestSpec has audiences (1, repeated) and expirationSeconds (4).
  if (kind === 'TokenRequest' && apiVersion === 'authentication.k8s.io/v1') {
    const spec = fields(bytesOf(raw, 2)[0] ?? Buffer.alloc(0));
    const audiences = bytesOf(spec, 1).map((b) => b.toString('utf8'));
    const expiration = spec.find((f) => f.n === 4 && 'varint' in f);
    return {
      apiVersion,
      kind,
      metadata: meta ? objectMeta(meta) : {},
      spec: { audiences, ...(expiration && 'varint' in expiration ? { expirationSeconds: expiration.varint } : {}) },
    };
  }
  // `kubectl auth can-i`: SelfSubjectAccessReviewSpec has resourceAttributes (1) or nonResourceAttributes (2).
  if (kind === 'SelfSubjectAccessReview' && apiVersion === 'authorization.k8s.io/v1') {
    const spec = fields(bytesOf(raw, 2)[0] ?? Buffer.alloc(0));
    const res = bytesOf(spec, 1)[0];
    const non = bytesOf(spec, 2)[0];
    const attrs = (b: Buffer, names: string[]): JsonObject => {
      const fs = fields(b);
      const out: JsonObject = {};
      names.forEach((name, i) => {
        const v = str(fs, i + 1);
        if (v !== undefined && v !== '' && name !== '') out[name] = v;
      });
      return out;
    };
    return {
      apiVersion,
      kind,
      metadata: meta ? objectMeta(meta) : {},
      spec: {
        ...(res ? { resourceAttributes: attrs(res, ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']) } : {}),
        ...(non ? { nonResourceAttributes: attrs(non, ['path', 'verb']) } : {}),
      },
    };
  }
  // `kubectl auth whoami` (no spec) and `kubectl auth can-i --list` (spec.namespace, field 1).
  if (kind === 'SelfSubjectReview' && apiVersion === 'authentication.k8s.io/v1') return { apiVersion, kind, metadata: meta ? objectMeta(meta) : {} };
  if (kind === 'SelfSubjectRulesReview' && apiVersion === 'authorization.k8s.io/v1') {
    const namespace = str(fields(bytesOf(raw, 2)[0] ?? Buffer.alloc(0)), 1);
    return { apiVersion, kind, metadata: meta ? objectMeta(meta) : {}, spec: namespace === undefined ? {} : { namespace } };
  }
  throw new SimError(415, 'UnsupportedMediaType', `the simulated cluster cannot decode this protobuf body (${apiVersion} ${kind}): send application/json`);
}
