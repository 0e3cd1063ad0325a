// toKubeError over the error shapes client-node, undici and ws actually produce.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { KubeError, toKubeError } from '../../src/kube/errors.ts';

const status = (code: number, message: string) => JSON.stringify({ kind: 'Status', status: 'Failure', code, message });

const cases: Array<{ name: string; err: unknown; code: string; statusCode: number | null; message: RegExp }> = [
  { name: 'ApiException 404 keeps the Status message', err: new ApiException(404, 'Unknown API Status Code!', status(404, 'pods "x" not found'), {}), code: 'KUBE_NOT_FOUND', statusCode: 404, message: /read pod: pods "x" not found$/ },
  { name: 'ApiException 403', err: new ApiException(403, 'x', status(403, 'forbidden: nope'), {}), code: 'KUBE_FORBIDDEN', statusCode: 403, message: /forbidden: nope/ },
  { name: 'ApiException 401 has no body', err: new ApiException(401, 'Unauthorized', undefined, {}), code: 'KUBE_UNAUTHORIZED', statusCode: 401, message: /read pod: HTTP 401$/ },
  { name: 'ApiException 410', err: new ApiException(410, 'x', status(410, 'too old'), {}), code: 'KUBE_GONE', statusCode: 410, message: /too old/ },
  { name: 'ApiException 500 with a non-JSON body', err: new ApiException(500, 'x', 'upstream broke', {}), code: 'KUBE_UNAVAILABLE', statusCode: 500, message: /upstream broke/ },
  { name: 'ApiException 429', err: new ApiException(429, 'x', status(429, 'slow down'), {}), code: 'KUBE_UNAVAILABLE', statusCode: 429, message: /slow down/ },
  { name: 'ApiException 400', err: new ApiException(400, 'x', status(400, 'bad'), {}), code: 'KUBE_BAD_REQUEST', statusCode: 400, message: /bad/ },
  { name: 'Watch error (statusCode + status text)', err: Object.assign(new Error('Forbidden'), { statusCode: 403 }), code: 'KUBE_FORBIDDEN', statusCode: 403, message: /HTTP 403 Forbidden$/ },
  { name: 'ws refused upgrade', err: new Error('Unexpected server response: 404'), code: 'KUBE_NOT_FOUND', statusCode: 404, message: /HTTP 404$/ },
  { name: 'fetch failed / ECONNREFUSED', err: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }), code: 'KUBE_UNAVAILABLE', statusCode: null, message: /unreachable.*ECONNREFUSED/ },
  { name: 'undici connect timeout', err: new TypeError('fetch failed', { cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }) }), code: 'KUBE_TIMEOUT', statusCode: null, message: /Connect Timeout/ },
  { name: 'TimeoutError DOMException', err: new DOMException('The operation was aborted due to timeout', 'TimeoutError'), code: 'KUBE_TIMEOUT', statusCode: null, message: /timed out/ },
  { name: 'anything else', err: new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false'), code: 'KUBE_ERROR', statusCode: null, message: /HTTP protocol is not allowed/ },
  { name: 'a non-error value', err: 'boom', code: 'KUBE_ERROR', statusCode: null, message: /read pod: boom/ },
];

for (const c of cases) {
  test(c.name, () => {
    const e = toKubeError(c.err, 'read pod');
    assert.ok(e instanceof KubeError);
    assert.equal(e.code, c.code);
    assert.equal(e.statusCode, c.statusCode);
    assert.match(e.message, c.message);
    assert.equal(e.cause, c.err);
  });
}

test('a KubeError passes through unchanged', () => {
  const e = new KubeError('KUBE_GONE', 'x', 410);
  assert.equal(toKubeError(e, 'y'), e);
});
