// The chaos suite, small (npm run chaos runs it at full size): a kill -9 of a worker (mid-job,
// and while pods are parked), a
// Redis SIGKILL restart, API faults on every request (exec upgrades included) and a burst
// of hostile requests. Every hook must run once and be reported as it ran; nothing may be
// answered with a 500.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { problems } from '../../chaos/run.ts';
import { SCENARIOS } from '../../chaos/scenarios.ts';

const opts = { pods: 12, parkedPods: 100, seed: 9, keep: false, fuzzRequests: 300 };

for (const name of ['kill9', 'kill9-parked', 'redis-sigkill', 'api-faults', 'fuzz']) {
  test(`chaos: ${name}`, async () => {
    const scenario = SCENARIOS[name];
    assert.ok(scenario);
    const r = await scenario(opts);
    assert.deepEqual(problems(r), [], JSON.stringify({ tally: r.tally, fuzz: r.fuzz, error: r.error }, null, 1));
    if (r.tally) assert.equal(r.tally.hooks, (name === 'kill9-parked' ? opts.parkedPods : opts.pods) * 2, 'every hook was reported');
    if (r.fuzz) assert.ok(r.fuzz.answered > opts.fuzzRequests * 0.9, `${r.fuzz.answered} of ${opts.fuzzRequests} answered`);
  });
}
