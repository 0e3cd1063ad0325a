// The sim's pure parts, table-driven: patch formats, selectors, the protobuf envelope
// kubectl sends, the OpenAPI v3 documents, the AGE column, and the generated certificate.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { openApiV3Document, openApiV3Index } from '../src/http/discovery.ts';
import { decodeProtobuf } from '../src/http/protobuf.ts';
import { humanAge } from '../src/http/table.ts';
import type { StoredObject } from '../src/object-store.ts';
import { applyPatch } from '../src/patch.ts';
import { matches, parseSelector } from '../src/selectors.ts';
import { SimError } from '../src/status.ts';
import { selfSignedCertificate } from '../src/tls.ts';

describe('patch', () => {
  const status = {
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [{ name: 'a', ready: false }],
    },
  };
  const cases: Array<{ name: string; type: 'json' | 'merge' | 'strategic'; patch: unknown; want: unknown }> = [
    { name: 'merge replaces lists', type: 'merge', patch: { status: { conditions: [{ type: 'X', status: 'True' }] } }, want: [{ type: 'X', status: 'True' }] },
    {
      name: 'strategic merges conditions by type',
      type: 'strategic',
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      want: [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
    {
      name: 'strategic deletes a list item with $patch: delete',
      type: 'strategic',
      patch: { status: { conditions: [{ type: 'Ready', $patch: 'delete' }] } },
      want: [{ type: 'PodScheduled', status: 'True' }],
    },
    {
      name: 'strategic replaces a list with $patch: replace',
      type: 'strategic',
      patch: { status: { conditions: [{ type: 'Only', status: 'True' }, { $patch: 'replace' }] } },
      want: [{ type: 'Only', status: 'True' }],
    },
    { name: 'json patch adds to a list', type: 'json', patch: [{ op: 'add', path: '/status/conditions/-', value: { type: 'Z' } }], want: [...status.status.conditions, { type: 'Z' }] },
    { name: 'json patch removes', type: 'json', patch: [{ op: 'remove', path: '/status/conditions/0' }], want: [{ type: 'PodScheduled', status: 'True' }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = applyPatch(c.type, status, c.patch) as typeof status;
      assert.deepEqual(out.status.conditions, c.want);
      assert.equal(status.status.conditions.length, 2, 'the target is not mutated');
    });
  }

  it('null deletes a key; a failed JSON patch test is 422; a bad pointer 400', () => {
    assert.equal((applyPatch('merge', status, { status: { phase: null } }) as { status: Record<string, unknown> }).status['phase'], undefined);
    assert.throws(() => applyPatch('json', status, [{ op: 'test', path: '/status/phase', value: 'Running' }]), (e: SimError) => e.status === 422);
    assert.throws(() => applyPatch('json', status, [{ op: 'replace', path: 'status', value: 1 }]), (e: SimError) => e.status === 400);
    assert.throws(() => applyPatch('json', status, { not: 'a list' }), (e: SimError) => e.status === 400);
  });
});

describe('selectors', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n', uid: 'u', resourceVersion: '1', creationTimestamp: '', labels: { app: 'db' } }, status: { phase: 'Running' } } as StoredObject;
  const cases: Array<[string | null, string | null, boolean]> = [
    ['app=db', null, true],
    ['app!=db', null, false],
    ['app in (web,db)', 'status.phase=Running', true],
    [null, 'status.phase!=Running', false],
    [null, 'metadata.name==p,metadata.namespace=n', true],
    ['missing', null, false],
  ];
  for (const [labels, fields, want] of cases) {
    it(`${labels ?? ''} ${fields ?? ''} -> ${want}`, () => assert.equal(matches(parseSelector('pods', labels, fields), pod), want));
  }
  it('rejects unsupported fields and bad label syntax with 400', () => {
    assert.throws(() => parseSelector('restores', null, 'status.phase=Done'), /field label not supported: status.phase/);
    assert.throws(() => parseSelector('pods', 'a in (b', null), (e: SimError) => e.status === 400);
  });
});

describe('protobuf', () => {
  // Bytes as kubectl v1.34 sends `kubectl create namespace team` (with a label added).
  function field(n: number, bytes: Buffer): Buffer {
    const len: number[] = [];
    for (let l = bytes.length; ; l >>= 7) {
      if (l < 0x80) {
        len.push(l);
        break;
      }
      len.push((l & 0x7f) | 0x80);
    }
    return Buffer.concat([Buffer.from([(n << 3) | 2, ...len]), bytes]);
  }
  const s = (x: string): Buffer => Buffer.from(x);
  it('decodes a Namespace envelope', () => {
    const meta = Buffer.concat([field(1, s('team')), field(11, Buffer.concat([field(1, s('k')), field(2, s('v'))]))]);
    const raw = Buffer.concat([field(1, meta), field(2, Buffer.alloc(0)), field(3, Buffer.alloc(0))]);
    const envelope = Buffer.concat([field(1, Buffer.concat([field(1, s('v1')), field(2, s('Namespace'))])), field(2, raw), field(4, s('application/vnd.kubernetes.protobuf'))]);
    assert.deepEqual(decodeProtobuf(Buffer.concat([Buffer.from('k8s\0'), envelope])), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team', labels: { k: 'v' } },
    });
  });
  const varint = (n: number, v: number): Buffer => Buffer.from([n << 3, v]);
  /** An envelope of `kind` whose raw object has `raw`'s fields, as kubectl v1.34 sends it. */
  const envelopeOf = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
    Buffer.concat([Buffer.from('k8s\0'), field(1, Buffer.concat([field(1, s(apiVersion)), field(2, s(kind))])), field(2, raw), field(4, s('application/vnd.kubernetes.protobuf'))]);
  it('a malformed message at any depth is 400 BadRequest; no envelope or an unknown kind is 415', () => {
    const status = (body: Buffer): number | null => {
      try {
        decodeProtobuf(body);
        return null;
      } catch (err) {
        return err instanceof SimError ? err.status : -1;
      }
    };
    // A ServiceAccount whose metadata ends inside a varint, and one with wire type 3 inside.
    assert.equal(status(envelopeOf('v1', 'ServiceAccount', field(1, Buffer.from([0x08, 0xff])))), 400);
    assert.equal(status(envelopeOf('v1', 'ServiceAccount', field(1, Buffer.from([0x0b, 0x01])))), 400);
    assert.equal(status(Buffer.concat([Buffer.from('k8s\0'), field(1, Buffer.from([0x08, 0xff]))])), 400, 'the type meta itself');
    assert.equal(status(Buffer.from('{"json":1}')), 415);
    assert.equal(status(envelopeOf('v1', 'Secret', Buffer.alloc(0))), 415);
  });
  // Go's marshaller writes every string field, empty or not: generateName and namespace here.
  const metaOf = (name: string): Buffer => Buffer.concat([field(1, s(name)), field(2, s('')), field(3, s(''))]);
  it('decodes the ServiceAccount of kubectl create serviceaccount (empty strings omitted, automount kept)', () => {
    const raw = Buffer.concat([field(1, metaOf('robot')), field(3, field(1, s('pull'))), varint(4, 0)]);
    assert.deepEqual(decodeProtobuf(envelopeOf('v1', 'ServiceAccount', raw)), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'robot' },
      imagePullSecrets: [{ name: 'pull' }],
      automountServiceAccountToken: false,
    });
  });
  it('decodes the Role and ClusterRole of kubectl create role / clusterrole, rules and aggregationRule', () => {
    const rule = Buffer.concat([field(1, s('create')), field(2, s('')), field(3, s('pods/exec'))]);
    assert.deepEqual(decodeProtobuf(envelopeOf('rbac.authorization.k8s.io/v1', 'Role', Buffer.concat([field(1, metaOf('execer')), field(2, rule)]))), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'execer' },
      rules: [{ verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }],
    });
    const nonResource = Buffer.concat([field(1, s('get')), field(5, s('/healthz'))]);
    const selector = field(1, Buffer.concat([field(1, s('team')), field(2, s('a'))]));
    const cr = Buffer.concat([field(1, metaOf('agg')), field(2, nonResource), field(3, field(1, selector))]);
    assert.deepEqual(decodeProtobuf(envelopeOf('rbac.authorization.k8s.io/v1', 'ClusterRole', cr)), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'agg' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'a' } }] },
    });
  });
  it('decodes the RoleBinding of kubectl create rolebinding: subjects (apiGroup omitted when empty) and roleRef', () => {
    const sa = Buffer.concat([field(1, s('ServiceAccount')), field(2, s('')), field(3, s('robot')), field(4, s('ns'))]);
    const user = Buffer.concat([field(1, s('User')), field(2, s('rbac.authorization.k8s.io')), field(3, s('alice')), field(4, s(''))]);
    const ref = Buffer.concat([field(1, s('rbac.authorization.k8s.io')), field(2, s('Role')), field(3, s('execer'))]);
    const raw = Buffer.concat([field(1, metaOf('execer')), field(2, sa), field(2, user), field(3, ref)]);
    assert.deepEqual(decodeProtobuf(envelopeOf('rbac.authorization.k8s.io/v1', 'RoleBinding', raw)), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'execer' },
      subjects: [
        { kind: 'ServiceAccount', name: 'robot', namespace: 'ns' },
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'execer' },
    });
  });
  it('decodes the SelfSubjectAccessReview of kubectl auth can-i without its empty attributes', () => {
    const attrs = Buffer.concat(['ns', 'create', '', '', 'pods', 'exec', ''].map((v, i) => field(i + 1, s(v))));
    const raw = Buffer.concat([field(1, metaOf('')), field(2, field(1, attrs))]);
    assert.deepEqual(decodeProtobuf(envelopeOf('authorization.k8s.io/v1', 'SelfSubjectAccessReview', raw)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'ns', verb: 'create', resource: 'pods', subresource: 'exec' } },
    });
  });
  it('answers 415 for other kinds', () => {
    const envelope = field(1, Buffer.concat([field(1, s('v1')), field(2, s('Pod'))]));
    assert.throws(() => decodeProtobuf(Buffer.concat([Buffer.from('k8s\0'), envelope])), (e: SimError) => e.status === 415);
  });
});

describe('OpenAPI v3 documents', () => {
  type Schema = { [k: string]: unknown };
  const index = openApiV3Index() as { paths: Record<string, { serverRelativeURL: string }> };
  const gvs = Object.keys(index.paths);
  it('the index lists each group-version the sim serves kinds of, with the current hash', () => {
    assert.deepEqual(gvs.sort(), ['api/v1', 'apis/events.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/velero.io/v1']);
    for (const gv of gvs) assert.match(index.paths[gv]?.serverRelativeURL ?? '', new RegExp(`^/openapi/v3/${gv}\\?hash=\\w+$`));
  });
  for (const gv of ['api/v1', 'apis/events.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/velero.io/v1']) {
    it(`${gv}: every $ref resolves in the document, every object keeps unknown fields, every field is described`, () => {
      const doc = openApiV3Document(gv) as { components: { schemas: Record<string, Schema> } };
      const schemas = doc.components.schemas;
      const problems: string[] = [];
      const walk = (s: unknown, at: string, isField: boolean): void => {
        if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${at}[${i}]`, false));
        if (typeof s !== 'object' || s === null) return;
        const o = s as Schema;
        const ref = o['$ref'];
        if (typeof ref === 'string' && !(ref.replace('#/components/schemas/', '') in schemas)) problems.push(`${at}: ${ref} missing`);
        if (o['type'] === 'object' && o['properties'] !== undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) problems.push(`${at}: closed object`);
        if (isField && typeof o['description'] !== 'string') problems.push(`${at}: no description`);
        for (const [k, v] of Object.entries(o)) {
          if (k === 'properties') for (const [name, field] of Object.entries(v as Schema)) walk(field, `${at}.${name}`, true);
          else walk(v, `${at}/${k}`, false);
        }
      };
      for (const [name, schema] of Object.entries(schemas)) walk(schema, name, false);
      assert.deepEqual(problems, []);
      const kinds = Object.values(schemas).filter((x) => Array.isArray(x['x-kubernetes-group-version-kind']));
      assert.ok(kinds.length > 0);
      for (const k of kinds) assert.equal(typeof k['description'], 'string');
    });
  }
  it('a pod schema types its containers (name required) and container statuses', () => {
    const { schemas } = (openApiV3Document('api/v1') as { components: { schemas: Record<string, { properties?: Record<string, Schema>; required?: string[] }> } }).components;
    assert.deepEqual(schemas['io.k8s.api.core.v1.Container']?.required, ['name']);
    assert.deepEqual(Object.keys(schemas['io.k8s.api.core.v1.Container']?.properties ?? {}).slice(0, 3), ['name', 'image', 'command']);
    assert.ok(schemas['io.k8s.api.core.v1.PodStatus']?.properties?.['containerStatuses']);
    assert.equal(openApiV3Document('apis/nope/v1'), null);
  });
});

describe('AGE column', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const cases: Array<[number, string]> = [
    [5, '5s'],
    [119, '119s'],
    [150, '2m30s'],
    [3600, '60m'],
    [5 * 3600 + 60, '5h1m'],
    [30 * 3600, '30h'],
    [3 * 86400, '3d'],
    [20 * 86400, '20d'],
  ];
  for (const [seconds, want] of cases) {
    it(`${seconds}s -> ${want}`, () => assert.equal(humanAge(new Date(now - seconds * 1000).toISOString(), now), want));
  }
});

describe('certificate', () => {
  it('is a self-signed certificate for 127.0.0.1', () => {
    const { certPem } = selfSignedCertificate();
    const cert = new X509Certificate(certPem);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(cert.checkIssued(cert));
    assert.ok(cert.verify(cert.publicKey));
    assert.ok(cert.ca);
  });
});
