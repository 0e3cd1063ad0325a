// HOOKD_AUTH=tokens over HTTP (buildApp + inject, real Redis store): named tokens with
// namespace globs and rights; jobs owned by their creator; other callers' jobs are 404 (read,
// events, cancel), lists show one's own, Idempotency-Keys are scoped per caller; refusals are
// 403 HOOKD_FORBIDDEN naming what was missing; the audit stream has a line for each.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditLog, AuditRecord } from '../../src/auth/audit.ts';
import { tokensPolicy } from '../../src/auth/policy.ts';
import { parseTokens, tokenTable } from '../../src/auth/tokens-file.ts';
import { json, testApp, type TestApp } from './helpers.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789abc';
const OPS = 'ops-token-0123456789abcd';
const VIEWER = 'viewer-token-0123456789a';

const FILE = `
- name: alice
  token: ${ALICE}
  namespaces: ["team-a", "team-a-*"]
  rights: [submit, read, cancel]
- name: bob
  token: ${BOB}
  namespaces: ["team-b"]
  rights: [submit, read, cancel]
- name: ops
  token: ${OPS}
  rights: [admin]
- name: viewer
  token: ${VIEWER}
  namespaces: ["team-a"]
  rights: [submit]
`;

const lines: AuditRecord[] = [];
const audit: AuditLog = { write: (r) => void lines.push(r), close: async () => undefined };
let a: TestApp;
before(async () => {
  a = await testApp({ access: tokensPolicy(tokenTable(parseTokens(FILE, 'tokens'))), audit });
});
after(() => a.close());

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const podJob = (ns: string, name = 'db-0') => ({ pods: [{ namespace: ns, name }], hooks: { resources: [{ name: 'h', postHooks: [{ exec: { command: ['echo', 'secret-arg'] } }] }] } });

async function submit(token: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await a.app.inject({ method: 'POST', url: '/v1/jobs', ...json(body), headers: { ...json(body).headers, ...as(token), ...headers } });
  return { status: r.statusCode, body: r.json() as { id: string; code?: string; message?: string } };
}

describe('HOOKD_AUTH=tokens', () => {
  it('401 with WWW-Authenticate without a token or with an unknown one', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-known-token-at-all' }, { authorization: 'Basic abc' }]) {
      const r = await a.app.inject({ method: 'GET', url: '/v1/jobs', headers });
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().code, 'HOOKD_AUTH_REQUIRED');
      assert.equal(r.headers['www-authenticate'], 'Bearer');
    }
  });

  it('a job records its owner; another caller gets 404 for it, its events and its cancel', async () => {
    const created = await submit(ALICE, podJob('team-a'));
    assert.equal(created.status, 202);
    const id = created.body.id;
    const mine = await a.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: as(ALICE) });
    assert.equal(mine.statusCode, 200);
    assert.deepEqual(mine.json().owner, { name: 'alice', kind: 'token' });
    const unknown = await a.app.inject({ method: 'GET', url: '/v1/jobs/nope', headers: as(BOB) });
    for (const [method, url] of [['GET', `/v1/jobs/${id}`], ['GET', `/v1/jobs/${id}/events`], ['DELETE', `/v1/jobs/${id}`]] as const) {
      const r = await a.app.inject({ method, url, headers: as(BOB) });
      assert.equal(r.statusCode, 404, `${method} ${url}`);
      assert.equal(r.json().code, 'HOOKD_JOB_NOT_FOUND');
      assert.equal(r.json().message, unknown.json().message.replace('nope', id), 'exactly like an unknown id');
    }
    assert.equal((await a.store.getJobSummary(id))?.status, 'queued', "bob's DELETE changed nothing");
    // An admin token reads and cancels anyone's job.
    assert.equal((await a.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: as(OPS) })).statusCode, 200);
    assert.equal((await a.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: as(OPS) })).statusCode, 202);
    assert.ok(lines.some((l) => l.event === 'job.cancelled' && l.user === 'ops' && l.jobId === id));
    assert.ok(lines.some((l) => l.event === 'access.denied' && l.user === 'bob' && l.jobId === id));
  });

  it('lists show only the caller own jobs; an admin sees all', async () => {
    const b = await submit(BOB, podJob('team-b'));
    const list = async (token: string) => ((await a.app.inject({ method: 'GET', url: '/v1/jobs?limit=500', headers: as(token) })).json() as { jobs: { id: string; owner: { name: string } }[] }).jobs;
    const bobs = await list(BOB);
    assert.ok(bobs.length >= 1 && bobs.every((j) => j.owner.name === 'bob'));
    assert.ok(bobs.some((j) => j.id === b.body.id));
    assert.ok((await list(ALICE)).every((j) => j.owner.name === 'alice'));
    const all = await list(OPS);
    assert.ok(all.some((j) => j.owner.name === 'alice') && all.some((j) => j.owner.name === 'bob'));
  });

  it('Idempotency-Key is scoped per caller: bob cannot squat alice key', async () => {
    const key = { 'idempotency-key': 'nightly-1' };
    const squat = await submit(BOB, podJob('team-b', 'x'), key);
    assert.equal(squat.status, 202);
    const hers = await submit(ALICE, podJob('team-a', 'y'), key);
    assert.equal(hers.status, 202, 'her job is created');
    assert.notEqual(hers.body.id, squat.body.id);
    const again = await submit(ALICE, podJob('team-a', 'y'), key);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, hers.body.id);
  });

  it('403 HOOKD_FORBIDDEN naming the namespace a token does not reach; nothing is queued', async () => {
    const before = a.producer.enqueued.length;
    const r = await submit(ALICE, { pods: [{ namespace: 'team-a', name: 'ok' }, { namespace: 'kube-system', name: 'etcd-node1' }] });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'HOOKD_FORBIDDEN');
    assert.match(r.body.message ?? '', /token "alice" does not reach namespace "kube-system" \(body\.pods\[1\] kube-system\/etcd-node1/);
    const sel = await submit(ALICE, { selector: { namespaces: ['team-a-db', 'kube-system'], labelSelector: 'app=x' } });
    assert.equal(sel.status, 403);
    assert.match(sel.body.message ?? '', /"kube-system" \(body\.selector\.namespaces\[1\]/);
    assert.equal(a.producer.enqueued.length, before);
    const denied = lines.filter((l) => l.event === 'access.denied' && l.user === 'alice');
    assert.ok(denied.length >= 2);
    assert.ok(JSON.stringify(denied).includes('etcd-node1'));
  });

  it('403 for a right the token lacks: submit, read, cancel', async () => {
    const noSubmit = await submit(OPS, podJob('team-a'));
    assert.equal(noSubmit.status, 403);
    assert.match(noSubmit.body.message ?? '', /token "ops" lacks the right "submit"/);
    const v = await submit(VIEWER, podJob('team-a'));
    assert.equal(v.status, 202);
    const read = await a.app.inject({ method: 'GET', url: `/v1/jobs/${v.body.id}`, headers: as(VIEWER) });
    assert.equal(read.statusCode, 403);
    assert.match(read.json().message, /lacks the right "read"/);
    const cancel = await a.app.inject({ method: 'DELETE', url: `/v1/jobs/${v.body.id}`, headers: as(VIEWER) });
    assert.equal(cancel.statusCode, 403);
    assert.match(cancel.json().message, /lacks the right "cancel"/);
  });

  it('the audit lines of a submission name who, from where, the job and the whole command; never a token', () => {
    const sub = lines.find((l) => l.event === 'job.submitted' && l.user === 'alice');
    assert.ok(sub);
    assert.equal(sub.sourceIP, '127.0.0.1');
    assert.ok(sub.jobId);
    assert.ok(JSON.stringify(sub.request).includes('secret-arg'));
    const all = JSON.stringify(lines);
    for (const t of [ALICE, BOB, OPS, VIEWER]) assert.ok(!all.includes(t), 'no token in the audit stream');
  });
});
