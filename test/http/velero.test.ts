// POST /v1/velero/restores/{namespace}/{name}/jobs with a fake Restore reader (hookd's own
// port): hooks taken from the Restore, init hooks left out with a warning, and each way the
// read can fail mapped to its status and code.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { restoreLabelValue } from '../../src/http/routes/velero.ts';
import { testApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await testApp({ limits: { maxHookEntries: 5 } });
});
after(() => t.close());

const exec = { exec: { container: 'pg', command: ['/bin/sh', '-c', 'psql -c checkpoint'], onError: 'Fail' as const, execTimeout: '1m' } };
const url = (ns: string, name: string, q = '') => `/v1/velero/restores/${ns}/${name}/jobs${q}`;

describe('the Velero trigger', () => {
  test('202: a job for the restored pods, with the Restore’s exec hooks and a warning for its init hooks', async () => {
    const name = `nightly-${randomUUID().slice(0, 8)}`;
    t.restores.restores.set(`velero/${name}`, {
      hooks: { resources: [{ name: 'db', includedNamespaces: ['db'], postHooks: [{ init: { initContainers: [{ name: 'x' }] } }, exec, { init: {}, exec: exec.exec }] }] },
    });
    const res = await t.app.inject({ method: 'POST', url: url('velero', name, '?failFast=true') });
    assert.equal(res.statusCode, 202, res.body);
    const { id, status, links } = res.json();
    assert.equal(status, 'queued');
    assert.equal(res.headers.location, links.self);
    const spec = t.producer.enqueued.find((s) => s.id === id);
    assert.ok(spec);
    assert.equal(spec.restore, name);
    assert.equal(spec.failFast, true);
    assert.deepEqual(spec.source, { kind: 'selector', namespaces: [], labelSelector: `velero.io/restore-name=${name}` });
    assert.deepEqual(spec.hooks, { resources: [{ name: 'db', includedNamespaces: ['db'], postHooks: [exec, { exec: exec.exec }] }] });
    const job = (await t.app.inject({ url: links.self })).json();
    assert.equal(job.warnings.length, 1);
    assert.match(job.warnings[0], /2 init hooks left out/);
    const listed = (await t.app.inject({ url: `/v1/jobs?restore=${name}` })).json();
    assert.deepEqual(listed.jobs.map((j: { id: string }) => j.id), [id]);
  });

  test('a Restore without hooks: annotation hooks only', async () => {
    t.restores.restores.set('velero/plain', { hooks: null });
    const res = await t.app.inject({ method: 'POST', url: url('velero', 'plain'), headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(res.statusCode, 202);
    const spec = t.producer.enqueued.find((s) => s.id === res.json().id);
    assert.equal(spec?.hooks, null);
    assert.equal(spec?.failFast, false);
    assert.deepEqual(spec?.warnings, []);
  });

  test('Idempotency-Key applies here too', async () => {
    t.restores.restores.set('velero/idem', { hooks: null });
    const key = randomUUID();
    const a = await t.app.inject({ method: 'POST', url: url('velero', 'idem'), headers: { 'idempotency-key': key } });
    const b = await t.app.inject({ method: 'POST', url: url('velero', 'idem'), headers: { 'idempotency-key': key } });
    const c = await t.app.inject({ method: 'POST', url: url('velero', 'idem', '?failFast=true'), headers: { 'idempotency-key': key } });
    assert.deepEqual([a.statusCode, b.statusCode, c.statusCode], [202, 200, 409]);
    assert.equal(b.json().id, a.json().id);
  });

  test('Restore names over 63 characters select pods the way Velero labels them', async () => {
    const long = `r${'a'.repeat(70)}`;
    assert.equal(restoreLabelValue('short'), 'short');
    const label = restoreLabelValue(long);
    assert.equal(label.length, 63);
    assert.equal(label.slice(0, 57), long.slice(0, 57));
    t.restores.restores.set(`velero/${long}`, { hooks: null });
    const res = await t.app.inject({ method: 'POST', url: url('velero', long) });
    assert.equal(res.statusCode, 202);
    const spec = t.producer.enqueued.find((s) => s.id === res.json().id);
    assert.deepEqual(spec?.source, { kind: 'selector', namespaces: [], labelSelector: `velero.io/restore-name=${label}` });
  });

  const failures: [string, string, number, string, RegExp][] = [
    ['not found', 'KUBE_NOT_FOUND', 404, 'HOOKD_RESTORE_NOT_FOUND', /Velero Restore velero\/gone not found/],
    ['forbidden', 'KUBE_FORBIDDEN', 403, 'HOOKD_RESTORE_FORBIDDEN', /may not read Velero Restore velero\/gone/],
    ['API unreachable', 'KUBE_UNAVAILABLE', 503, 'HOOKD_KUBE_UNAVAILABLE', /unreachable/],
    ['API timeout', 'KUBE_TIMEOUT', 503, 'HOOKD_KUBE_UNAVAILABLE', /unreachable/],
    ['another API error', 'KUBE_ERROR', 502, 'HOOKD_KUBE_ERROR', /the Kubernetes API failed/],
    ['hookd’s credentials refused', 'KUBE_UNAUTHORIZED', 502, 'HOOKD_KUBE_ERROR', /the Kubernetes API failed/],
  ];
  for (const [what, kubeCode, status, code, message] of failures) {
    test(`Restore read ${what}: ${status} ${code}`, async () => {
      t.restores.errors.set('velero/gone', kubeCode);
      try {
        const res = await t.app.inject({ method: 'POST', url: url('velero', 'gone') });
        assert.equal(res.statusCode, status);
        assert.equal(res.json().code, code);
        assert.match(res.json().message, message);
      } finally {
        t.restores.errors.delete('velero/gone');
      }
    });
  }

  const invalid: [string, unknown, RegExp, number, string][] = [
    ['a bad duration', { resources: [{ name: 'x', postHooks: [{ exec: { command: ['x'], waitTimeout: '5 minutes' } }] }] }, /^Restore velero\/bad spec\.hooks\.resources\[0\]\.postHooks\[0\]\.exec\.waitTimeout: "5 minutes" is not a Go duration/, 422, 'HOOKD_RESTORE_HOOKS_INVALID'],
    ['a command that is not a list', { resources: [{ name: 'x', postHooks: [{ exec: { command: 'echo hi' } }] }] }, /^Restore velero\/bad spec\.hooks\.resources\[0\]\.postHooks\[0\]\.exec\.command: must be an array, not string "echo hi"$/, 422, 'HOOKD_RESTORE_HOOKS_INVALID'],
    ['a label selector Velero cannot use', { resources: [{ name: 'x', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }, postHooks: [{ exec: { command: ['x'] } }] }] }, /^Restore velero\/bad spec\.hooks\.resources\[0\]\.labelSelector\.matchExpressions\[0\]: .*\(Velero fails the Restore's hooks\)$/, 422, 'HOOKD_RESTORE_HOOKS_INVALID'],
    ['too many hook entries', { resources: Array.from({ length: 6 }, (_, i) => ({ name: `r${i}` })) }, /6 entries, more than the limit of 5/, 400, 'HOOKD_LIMIT_HOOKS'],
  ];
  for (const [what, hooks, message, status, code] of invalid) {
    test(`a Restore with ${what}: 4xx naming the field, nothing queued`, async () => {
      t.restores.restores.set('velero/bad', { hooks: hooks as never });
      const before = t.producer.enqueued.length;
      const res = await t.app.inject({ method: 'POST', url: url('velero', 'bad') });
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().code, code);
      assert.match(res.json().message, message);
      assert.equal(t.producer.enqueued.length, before);
    });
  }

  test('a Restore Velero runs as it is is run as Velero reads it, with warnings where it reads differently from a caller', async () => {
    const name = `lenient-${randomUUID().slice(0, 8)}`;
    t.restores.restores.set(`velero/${name}`, {
      hooks: {
        resources: [
          {
            name: '',
            includedNamespaces: null,
            excludedNamespaces: ['[broken'],
            includedResources: ['deployments'],
            labelSelector: null,
            postHooks: [
              { exec: { container: '', command: ['a'], execTimeout: '-5s', waitTimeout: '-1s', waitForReady: null, retries: 3 } },
              {},
              { exec: { container: 'Not_A_Label', command: ['b'], onError: 'Fail', execTimeout: '5h' } },
            ],
          },
        ],
      } as never,
    });
    const res = await t.app.inject({ method: 'POST', url: url('velero', name) });
    assert.equal(res.statusCode, 202, res.body);
    const spec = t.producer.enqueued.find((x) => x.id === res.json().id);
    assert.deepEqual(spec?.hooks, {
      resources: [
        {
          name: '',
          excludedNamespaces: ['[broken'],
          includedResources: ['deployments'],
          postHooks: [
            { exec: { command: ['a'], execTimeout: '-5s', waitTimeout: '-1s' } },
            { exec: { container: 'Not_A_Label', command: ['b'], onError: 'Fail', execTimeout: '5h' } },
          ],
        },
      ],
    });
    const job = (await t.app.inject({ url: `/v1/jobs/${res.json().id}` })).json();
    const where = `Restore velero/${name} spec.hooks.resources[0]`;
    assert.deepEqual(job.warnings, [
      `${where}.name: empty; Velero fails each of its hooks with "hookName is required" once its container is up, without running it, and so does hookd`,
      `${where}.excludedNamespaces[0]: "[broken" is not a valid glob pattern (unexpected end of input); as in Velero, which tries the patterns in sorted order and stops at the first that does not compile, it matches no namespace`,
      `${where}.postHooks[0].exec.retries: unknown field, ignored (Velero ignores it too)`,
      `${where}.postHooks[1]: no exec; Velero skips it`,
    ]);
  });

  test("hookd's bounds count what the Restore holds, before the reading drops anything, and the reading's warnings are capped", async () => {
    t.restores.restores.set('velero/many-empty', { hooks: { resources: [{ name: 'x', postHooks: [{}, {}, {}, {}, {}, {}] }] } as never });
    const before = t.producer.enqueued.length;
    const over = await t.app.inject({ method: 'POST', url: url('velero', 'many-empty') });
    assert.equal(over.statusCode, 400, over.body);
    assert.equal(over.json().code, 'HOOKD_LIMIT_HOOKS');
    assert.equal(t.producer.enqueued.length, before);

    const name = `noisy-${randomUUID().slice(0, 8)}`;
    const unknown = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, i]));
    t.restores.restores.set(`velero/${name}`, { hooks: { resources: [{ name: 'x', ...unknown, postHooks: [exec] }] } as never });
    const res = await t.app.inject({ method: 'POST', url: url('velero', name) });
    assert.equal(res.statusCode, 202, res.body);
    const job = (await t.app.inject({ url: `/v1/jobs/${res.json().id}` })).json();
    assert.equal(job.warnings.length, 21);
    assert.equal(job.warnings[20], `Restore velero/${name} spec.hooks: 10 more warnings of the kinds above, not listed`);
  });
});
