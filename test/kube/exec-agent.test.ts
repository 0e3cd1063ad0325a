// The exec client's TLS agents (exec-agent.ts, kept by tls-agents.ts): one per TLS identity,
// a bounded number kept, an identity forgotten without cutting the execs on its agent.

import assert from 'node:assert/strict';
import { Agent, createServer, request, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { selfSignedCertificate } from '@hookd/kube-sim';
import { createExecAgents } from '../../src/kube/exec-agent.ts';

test('an agent dropped from the cache (more identities than kept) does not cut the execs still using it', async () => {
  const cert = selfSignedCertificate();
  let finish: () => void = () => {};
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_q, res) => {
    res.writeHead(200);
    res.write('started;');
    finish = () => res.end('ended'); // a long exec: its stream is still open while identities rotate
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const agents = createExecAgents(2);
    // Client certificates rotated by a credential plugin: each is a new identity.
    const identity = (n: number): RequestOptions => ({ agent: new Agent(), ca: cert.certPem, passphrase: `rotation-${n}` });
    const first = agents.forOptions(identity(0));
    assert.ok(first !== null);
    const body = new Promise<string>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', agent: first }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (text === 'started;') {
            // Two more identities while this one's request is under way: the first is dropped.
            assert.notEqual(agents.forOptions(identity(1)), first);
            assert.notEqual(agents.forOptions(identity(2)), first);
            assert.notEqual(agents.forOptions(identity(0)), first, 'the first identity was dropped from the cache');
            setTimeout(() => finish(), 50);
          }
        });
        res.on('end', () => resolve(text));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
      });
      r.on('error', reject);
      r.end();
    });
    assert.equal(await body, 'started;ended');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
