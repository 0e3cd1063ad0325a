// The review caches of HOOKD_AUTH=kubernetes, against a hand-written Reviews (hookd's own
// port; the client library is exercised against the sim in test/e2e/authz-*.test.ts):
// one question per (user, namespace, verb), concurrent questions shared, per-pod questions
// only when the namespace says no, answers forgotten after their lifetime, tokens never kept.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKubeAuthorizer } from '../../src/auth/kube-authorizer.ts';
import type { AccessQuestion, Reviews, ReviewedUser } from '../../src/kube/reviews.ts';

function fakeReviews(allow: (q: AccessQuestion) => boolean): Reviews & { sars: AccessQuestion[]; tokenReviews: number } {
  const r = {
    sars: [] as AccessQuestion[],
    tokenReviews: 0,
    async tokenReview(token: string): Promise<ReviewedUser | null> {
      r.tokenReviews++;
      await new Promise((res) => setImmediate(res));
      return token === 'good' ? { username: 'alice', uid: 'u1', groups: ['system:authenticated'] } : null;
    },
    async subjectAccessReview(_u: ReviewedUser, q: AccessQuestion) {
      r.sars.push(q);
      await new Promise((res) => setImmediate(res));
      return { allowed: allow(q), reason: '' };
    },
  };
  return r;
}

const alice = { name: 'alice', uid: 'u1', groups: ['system:authenticated'] };

describe('kubernetes authorizer', () => {
  it('1,000 pods in 10 namespaces: one TokenReview and 20 SubjectAccessReviews', async () => {
    const reviews = fakeReviews(() => true);
    const authz = createKubeAuthorizer(reviews);
    const users = await Promise.all(Array.from({ length: 5 }, () => authz.authenticate('good')));
    assert.equal(users[0]?.username, 'alice');
    const pods = Array.from({ length: 1000 }, (_, i) => ({ ns: `ns-${i % 10}`, pod: `p-${i}` }));
    const denials = await Promise.all(pods.map((p) => authz.execDenial(alice, p.ns, p.pod)));
    assert.ok(denials.every((d) => d === null));
    assert.equal(reviews.tokenReviews, 1);
    assert.equal(reviews.sars.length, 20, 'get and create on pods/exec, once per namespace');
    assert.ok(reviews.sars.every((q) => q.resource === 'pods' && q.subresource === 'exec' && (q.name ?? '') === ''));
  });

  it('asks per pod only when the namespace-wide answer is no (RBAC resourceNames)', async () => {
    const reviews = fakeReviews((q) => (q.name ?? '') === 'allowed-pod');
    const authz = createKubeAuthorizer(reviews);
    assert.equal(await authz.execDenial(alice, 'ns', 'allowed-pod'), null);
    assert.deepEqual(await authz.execDenial(alice, 'ns', 'other'), { verb: 'create', namespace: 'ns', pod: 'other' });
  });

  it('names the missing verb: get when only create is granted', async () => {
    const authz = createKubeAuthorizer(fakeReviews((q) => q.verb === 'create'));
    assert.deepEqual(await authz.execDenial(alice, 'ns', 'p'), { verb: 'get', namespace: 'ns', pod: 'p' });
  });

  it('forgets answers after their lifetime, and never keeps more than 10 s', async () => {
    let allowed = true;
    const reviews = fakeReviews(() => allowed);
    const authz = createKubeAuthorizer(reviews, { accessTtlMs: 30, maxEntries: 100 });
    const q = { verb: 'list', group: '', resource: 'pods', namespace: 'a' };
    assert.equal(await authz.can(alice, q), true);
    allowed = false;
    assert.equal(await authz.can(alice, q), true, 'cached');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await authz.can(alice, q), false, 'asked again after the lifetime');
  });

  it('an unknown token is null, and asked again after its lifetime like a known one', async () => {
    const reviews = fakeReviews(() => true);
    const authz = createKubeAuthorizer(reviews, { tokenTtlMs: 0 });
    assert.equal(await authz.authenticate('bad'), null);
    assert.equal(await authz.authenticate('bad'), null);
    assert.equal(reviews.tokenReviews, 2);
  });
});
