// Query booleans as the API server reads them: false only when absent, "0" or "false" in
// any case; anything else, the empty string included, is true. Python's client sends
// watch=True and stdout=True, which must not fall back to a plain list or a refused exec.

import assert from 'node:assert/strict';
import { request } from 'node:https';
import { describe, it } from 'node:test';
import { isTrue } from '../src/http/routes.ts';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { podManifest } from './support.ts';

describe('query booleans', () => {
  it('reads them as apimachinery does', () => {
    for (const v of ['true', 'True', 'TRUE', '1', '', 'yes', 'anything']) assert.equal(isTrue(v), true, JSON.stringify(v));
    for (const v of [null, 'false', 'False', 'FALSE', '0']) assert.equal(isTrue(v), false, JSON.stringify(v));
  });

  it('watch=True and an empty watch= stream events; watch=False lists', async () => {
    const { sim } = await startSim();
    sim.createNamespace('qb');
    sim.createPod('qb', podManifest('p', { manual: true }));
    const get = (query: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request(`${sim.url}/api/v1/namespaces/qb/pods?${query}&timeoutSeconds=1`, { ca: sim.ca, headers: { authorization: `Bearer ${sim.token}` } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
    for (const q of ['watch=True', 'watch=']) {
      const first = JSON.parse((await get(q)).split('\n')[0] ?? '') as { type?: string };
      assert.equal(first.type, 'ADDED', q);
    }
    assert.equal((JSON.parse(await get('watch=False')) as { kind?: string }).kind, 'PodList');
  });
});
