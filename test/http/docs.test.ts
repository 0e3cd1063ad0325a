// What Swagger UI is given (issue 15: "Swagger UI works as is"): a named example for every
// request body, error examples with their real status and code, the views as named schemas,
// the package's version, no pointer to a document the repository lacks, and / leading to /docs.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ERROR_CODES } from '../../src/errors.ts';
import { ERROR_EXAMPLES } from '../../src/http/schemas/error-examples.ts';
import { OPENAPI_FILE } from '../../src/http/write-openapi.ts';

interface Media {
  schema?: { $ref?: string };
  example?: unknown;
  examples?: Record<string, { summary?: string; value: unknown }>;
}
interface Operation {
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Doc {
  info: { version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { description?: string }> };
}

const ROOT = resolve(import.meta.dirname, '../..');
const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

describe('the OpenAPI document, as Swagger UI uses it', () => {
  test('info.version is the package version', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(doc.info.version, pkg.version);
  });

  test('every request body has named examples; POST /v1/jobs starts from the quick start one', () => {
    const withBody = operations.filter((o) => o.op.requestBody);
    assert.ok(withBody.length > 0);
    for (const { path, method, op } of withBody) {
      const media = op.requestBody?.content['application/json'];
      const names = Object.keys(media?.examples ?? {});
      assert.ok(names.length > 0, `${method} ${path}: examples`);
      for (const name of names) assert.ok(media?.examples?.[name]?.summary, `${method} ${path} example ${name} has a summary`);
    }
    const first = Object.values(doc.paths['/v1/jobs']?.['post']?.requestBody?.content['application/json']?.examples ?? {})[0]?.value as { pods: { namespace: string }[] };
    assert.ok(first.pods.every((p) => p.namespace === 'demo'), 'the default example names the demo pods');
  });

  test('every error response shows examples with their real status and code, and only codes of that status', () => {
    const realStatus = new Map(ERROR_CODES.map((c) => [c.code, c.statusCode]));
    let seen = 0;
    for (const { path, method, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const media = response.content?.['application/json'];
        const examples = Object.values(media?.examples ?? {}).map((e) => e.value).concat(media?.example === undefined ? [] : [media.example]);
        assert.ok(examples.length > 0, `${method} ${path} ${status}: an example`);
        for (const e of examples as { statusCode: number; code: string; error: string; message: string }[]) {
          assert.equal(e.statusCode, Number(status), `${method} ${path} ${status}: ${e.code}`);
          assert.equal(realStatus.get(e.code), Number(status), `${e.code} is answered with ${status}`);
          assert.ok(e.message.length > 0 && e.error.length > 0);
          assert.ok(response.description.includes(e.code), `${method} ${path} ${status}: the description names ${e.code}`);
          seen++;
        }
      }
    }
    assert.ok(seen > 50, `${seen} error examples`);
  });

  test('every error code has an example in the server own words', () => {
    assert.deepEqual([...ERROR_EXAMPLES.keys()].sort(), ERROR_CODES.map((c) => c.code).sort());
    for (const c of ERROR_CODES) assert.equal(ERROR_EXAMPLES.get(c.code)?.statusCode, c.statusCode, c.code);
  });

  test('the job view, pod, hook and summary (and the dry run) are named schemas, and the routes refer to them', () => {
    const names = Object.keys(doc.components.schemas);
    for (const name of ['ErrorBody', 'JobView', 'JobSummary', 'PodResult', 'HookView', 'Summary', 'JobCreated', 'JobList', 'PodPage', 'DryRun', 'DryRunPod', 'DryRunHook']) {
      assert.ok(names.includes(name), `components.schemas.${name}`);
      assert.ok(doc.components.schemas[name]?.description, `${name} says what it is`);
    }
    const ref = (path: string, method: string, status: string) => doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema?.$ref;
    assert.equal(ref('/v1/jobs/{id}', 'get', '200'), '#/components/schemas/JobView');
    assert.equal(ref('/v1/jobs/{id}/pods', 'get', '200'), '#/components/schemas/PodPage');
    assert.equal(ref('/v1/jobs', 'get', '200'), '#/components/schemas/JobList');
    assert.equal(ref('/v1/jobs', 'post', '202'), '#/components/schemas/JobCreated');
  });

  test('no description points at a document the repository does not have', () => {
    const text = JSON.stringify(doc);
    const named = [...text.matchAll(/[\w./-]+\.(?:md|txt|html|pdf)\b/g)].map((m) => m[0]);
    for (const file of named) assert.ok(existsSync(resolve(ROOT, file)), `${file} is in the repository`);
    assert.ok(!/api\.md|architecture\.md|style\.md|pitfalls\.md/.test(text));
  });
});

describe('GET /', () => {
  test('redirects to /docs', async (t) => {
    const { testApp } = await import('./helpers.ts');
    const a = await testApp();
    t.after(() => a.close());
    const r = await a.app.inject({ url: '/' });
    assert.equal(r.statusCode, 302);
    assert.equal(r.headers.location, '/docs');
    const docs = await a.app.inject({ url: '/docs' });
    assert.ok(docs.statusCode < 400, `/docs answers ${docs.statusCode}`);
  });
});
