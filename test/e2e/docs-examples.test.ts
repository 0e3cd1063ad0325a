// The request examples of the published document run unchanged on the quick start's demo
// (src/demo.ts on the simulated cluster): each POST is accepted with 202 and its hooks run.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { seedDemo } from '../../src/demo.ts';
import { OPENAPI_FILE } from '../../src/http/write-openapi.ts';
import { api, startHookd, waitForJobEnd, type TestHookd } from '../helpers/hookd.ts';
import { startSim, type StartedSim } from '../helpers/start-sim.ts';

interface Job {
  status: string;
  pods: { name: string; hooks: { phase: string; stdout: string }[] }[];
}

const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }>>;
};
const examples = doc.paths['/v1/jobs']?.['post']?.requestBody?.content['application/json']?.examples ?? {};
const env: StartedSim = await startSim({ lifecycle: { scheduleMs: 10, startMs: 10, readyMs: 10 } });

// What each example's job ends as on the demo, hook by hook.
const WANT: Record<string, { status: string; phases: string[] }> = {
  'demo-pods': { status: 'completed', phases: ['cache-0:succeeded', 'cache-1:succeeded'] },
  selector: { status: 'completed', phases: ['cache-0:succeeded', 'cache-1:succeeded'] },
  annotations: { status: 'partially_failed', phases: ['postgres-0:succeeded', 'search-0:failed'] },
};

describe('the POST /v1/jobs examples on the demo', () => {
  let hookd: TestHookd;
  before(async () => {
    await seedDemo(env.kc);
    hookd = await startHookd({ kubeconfig: env.sim.kubeconfig });
  });
  after(async () => {
    await hookd?.stop();
  });

  test('the document has the examples this test knows', () => {
    assert.deepEqual(Object.keys(examples).sort(), Object.keys(WANT).sort());
  });

  for (const [name, want] of Object.entries(WANT)) {
    test(`example ${name}: 202, and its hooks run`, async () => {
      const body = examples[name]?.value;
      assert.ok(body, `example ${name}`);
      const r = await api<{ id: string; status: string }>(hookd.url, 'POST', '/v1/jobs', body);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const job = await waitForJobEnd<Job>(hookd.url, r.body.id);
      assert.equal(job.status, want.status);
      assert.deepEqual(job.pods.flatMap((p) => p.hooks.map((h) => `${p.name}:${h.phase}`)), want.phases);
    });
  }
});
