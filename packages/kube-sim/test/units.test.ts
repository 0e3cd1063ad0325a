// The sim's pure parts, table-driven: patch formats, selectors, the protobuf envelope
// kubectl sends, the AGE column, and the generated certificate.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
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
    return Buffer.concat([Buffer.from([(n << 3) | 2, bytes.length]), bytes]);
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
  it('answers 415 for other kinds', () => {
    const envelope = field(1, Buffer.concat([field(1, s('v1')), field(2, s('Pod'))]));
    assert.throws(() => decodeProtobuf(Buffer.concat([Buffer.from('k8s\0'), envelope])), (e: SimError) => e.status === 415);
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
