// kubectl's typed clients (`kubectl create namespace`) send built-in objects as protobuf
// (application/vnd.kubernetes.protobuf) and client-go does not fall back to JSON on 415.
// This decodes just what those requests carry: the "k8s\0" envelope (runtime.Unknown),
// a Namespace and its ObjectMeta's name, generateName, labels and annotations, and the
// TokenRequest of `kubectl create token` (audiences, expirationSeconds), and the reviews of
// `kubectl auth can-i` and `kubectl auth whoami`. Anything
// else in protobuf gets the 415 a server without that type's protobuf support gives.

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
  const put = (k: string, v: unknown): void => {
    if (v !== undefined) meta[k] = v;
  };
  put('name', str(fs, 1));
  put('generateName', str(fs, 2));
  put('namespace', str(fs, 3));
  put('labels', stringMap(fs, 11));
  put('annotations', stringMap(fs, 12));
  return meta;
}

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeProtobuf(body: Buffer): JsonObject {
  const unsupported = (why: string): SimError =>
    new SimError(415, 'UnsupportedMediaType', `the simulated cluster cannot decode this protobuf body (${why}): send application/json`);
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw unsupported('no k8s envelope');
  let envelope: Field[];
  try {
    envelope = fields(body.subarray(4));
  } catch (err) {
    throw unsupported(err instanceof Error ? err.message : String(err));
  }
  const typeMeta = fields(bytesOf(envelope, 1)[0] ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta, 1) ?? '';
  const kind = str(typeMeta, 2) ?? '';
  const raw = fields(bytesOf(envelope, 2)[0] ?? Buffer.alloc(0));
  const meta = bytesOf(raw, 1)[0];
  if (kind === 'Namespace' && apiVersion === 'v1') return { apiVersion, kind, metadata: meta ? objectMeta(meta) : {} };
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
        if (v !== undefined && name !== '') out[name] = v;
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
  throw unsupported(`${apiVersion} ${kind}`);
}
