// The kept credentials of credentials.ts, apart from any client: a refresh that ends after
// the credentials were dropped or after a newer refresh is not kept, and a 401 on old
// credentials does not cancel a refresh under way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepCredentials } from '../../src/kube/credentials.ts';
import { countApplies, rogueKubeConfig } from './support.ts';

/** The bearer token of what was applied, in an object of its own per application. */
const bearer = (applied: { headers?: unknown }): { token: unknown } => ({ token: (applied.headers as Record<string, unknown> | undefined)?.['Authorization'] });

test('a refresh that ends after a drop is returned to its callers but not kept', async () => {
  const kc = rogueKubeConfig('https://127.0.0.1:1', 'a');
  const counted = countApplies(kc);
  const kept = keepCredentials(kc, bearer, { ttlMs: 1_000, clock: () => 0 });
  const under = kept.get();
  kept.invalidate(); // a 401 with no credentials named: drop whatever is kept or coming
  kc.users = kc.users.map((u) => ({ ...u, token: 'b' }));
  assert.deepEqual(await under, { token: 'Bearer a' });
  assert.deepEqual(await kept.get(), { token: 'Bearer b' });
  assert.equal(counted.applied, 2);
});

test('a 401 on credentials no longer kept leaves the refresh under way to the requests waiting on it', async () => {
  const kc = rogueKubeConfig('https://127.0.0.1:1', 'a');
  const counted = countApplies(kc);
  const kept = keepCredentials(kc, bearer, { ttlMs: 1_000, clock: () => 0 });
  const old = await kept.get();
  kept.invalidate(old);
  const fresh = kept.get();
  kept.invalidate(old); // the 401 of another request sent with `old`
  assert.equal(kept.get(), fresh, 'still the one refresh');
  await fresh;
  assert.equal(counted.applied, 2);
});
