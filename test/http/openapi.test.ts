// The published document (openapi/openapi.json) is exactly what the server serves, and it
// documents every route of api.md with request and response schemas.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { OPENAPI_FILE } from '../../src/http/write-openapi.ts';
import { testApp } from './helpers.ts';

describe('openapi/openapi.json', () => {
  test('equals the served /openapi.json (run `npm run openapi` after changing a schema)', async (t) => {
    const a = await testApp({ limits: { maxPodsPerJob: 7, maxSseClients: 2 }, tokens: ['x'] });
    t.after(() => a.close());
    const served = (await a.app.inject({ url: '/openapi.json' })).json();
    const committed = JSON.parse(await readFile(OPENAPI_FILE, 'utf8')) as unknown;
    assert.deepEqual(served, committed, 'the committed document is stale: run npm run openapi');
    assert.equal(await readFile(OPENAPI_FILE, 'utf8'), `${JSON.stringify(served, null, 2)}\n`, 'pretty-printed as write-openapi.ts writes it');
  });

  test('documents every route of api.md, each with its responses', async () => {
    const doc = JSON.parse(await readFile(OPENAPI_FILE, 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[]; requestBody?: unknown }>>;
    };
    const want: [string, string, string[]][] = [
      ['/v1/jobs', 'post', ['202', '200', '400', '409', '413', '415']],
      ['/v1/jobs', 'get', ['200', '400']],
      ['/v1/jobs/{id}', 'get', ['200', '400', '404']],
      ['/v1/jobs/{id}/pods', 'get', ['200', '400', '404']],
      ['/v1/jobs/{id}', 'delete', ['202', '404', '409']],
      ['/v1/jobs/{id}/events', 'get', ['200', '404']],
      ['/v1/velero/restores/{namespace}/{name}/jobs', 'post', ['202', '403', '404', '422', '502', '503']],
      ['/healthz', 'get', ['200']],
      ['/readyz', 'get', ['200', '503']],
      ['/metrics', 'get', ['200']],
    ];
    for (const [path, method, statuses] of want) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} documented`);
      for (const s of statuses) assert.ok(op.responses[s], `${method} ${path} documents ${s}`);
      if (path.startsWith('/v1')) {
        assert.deepEqual(op.security, [{ bearerAuth: [] }, {}], `${method} ${path}: bearer auth declared`);
        assert.ok(op.responses['401'], `${method} ${path} documents 401`);
      }
    }
    assert.ok(doc.paths['/v1/jobs']?.['post']?.requestBody, 'POST /v1/jobs has a request body schema');
  });
});
