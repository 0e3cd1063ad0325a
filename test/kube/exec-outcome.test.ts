// What an exec's Status and a refused upgrade mean for the hook.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromStatus, noProtocol, refused } from '../../src/kube/exec-outcome.ts';

const where = 'exec in ns/p container c';

test('Success is exit 0; NonZeroExitCode with an ExitCode cause is that code', () => {
  assert.deepEqual(fromStatus(where, { status: 'Success' }), { exitCode: 0 });
  assert.deepEqual(fromStatus(where, { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'Other', message: 'x' }, { reason: 'ExitCode', message: '3' }] } }), { exitCode: 3 });
});

test('any other Failure is KUBE_ERROR with its message, its reason, or a default', () => {
  assert.deepEqual(fromStatus(where, { status: 'Failure', reason: 'InternalError', message: 'boom' }), { code: 'KUBE_ERROR', message: `${where}: boom` });
  assert.deepEqual(fromStatus(where, { status: 'Failure', reason: 'InternalError' }), { code: 'KUBE_ERROR', message: `${where}: InternalError` });
  assert.deepEqual(fromStatus(where, {}), { code: 'KUBE_ERROR', message: `${where}: exec failed without a message` });
  // NonZeroExitCode without a usable ExitCode cause is not an exit code.
  for (const details of [undefined, null, { causes: 'no' }, { causes: [null, 3] }, { causes: [{ reason: 'ExitCode', message: 'x' }] }]) {
    const r = fromStatus(where, { status: 'Failure', reason: 'NonZeroExitCode', message: 'm', details });
    assert.deepEqual(r, { code: 'KUBE_ERROR', message: `${where}: m` }, JSON.stringify(details));
  }
  // An ExitCode cause that is not a nonzero decimal integer is not an exit code: above all
  // never 0, which would report a failed command as a success.
  for (const message of ['', ' ', '0', '-0', '00', null, false, [], 0, 7, '0x1', '1e2', ' 3 ', '+3', '3.0', '99999999999', '4294967296', '-2147483649']) {
    const r = fromStatus(where, { status: 'Failure', reason: 'NonZeroExitCode', message: 'm', details: { causes: [{ reason: 'ExitCode', message }] } });
    assert.deepEqual(r, { code: 'KUBE_ERROR', message: `${where}: m` }, JSON.stringify(message));
  }
  for (const [message, exitCode] of [['1', 1], ['255', 255], ['-1073741819', -1073741819], ['3221225477', 3221225477]] as const) {
    assert.deepEqual(fromStatus(where, { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message }] } }), { exitCode });
  }
  // A Status message of any length is cut: it is stored with the result and logged.
  const long = fromStatus(where, { status: 'Failure', message: 'z'.repeat(100_000) });
  assert.ok(!('exitCode' in long) && long.message.length < 1_200 && long.message.endsWith('(98976 more characters)'));
  // A message that is not a string is not shown as one.
  assert.deepEqual(fromStatus(where, { status: 'Failure', message: { a: 1 }, reason: 'R' }), { code: 'KUBE_ERROR', message: `${where}: R` });
});

test('a refused upgrade: code from the HTTP status, retryable only for 429/5xx', () => {
  assert.deepEqual(refused(where, 'ns', 503, 'busy', 2_000), { code: 'KUBE_UNAVAILABLE', message: `${where}: exec refused (HTTP 503): busy`, notStarted: { retryAfterMs: 2_000 } });
  assert.deepEqual(refused(where, 'ns', 403, null, null), { code: 'KUBE_FORBIDDEN', message: `${where}: forbidden: hookd may not create pods/exec in namespace ns (HTTP 403)` });
});

test('a subprotocol we did not offer, or none', () => {
  assert.match(noProtocol(where, undefined).message, /accepted the exec with no subprotocol; hookd speaks v5\.channel\.k8s\.io and v4\.channel\.k8s\.io$/);
  assert.match(noProtocol(where, 'channel.k8s.io').message, /with subprotocol "channel\.k8s\.io"/);
  assert.equal(noProtocol(where, undefined).notStarted, undefined);
});
