// The exec client's TLS agents (exec-agent.ts, kept by tls-agents.ts): one per TLS identity,
// a bounded number kept, an identity forgotten without cutting the execs on its agent.

import assert from 'node:assert/strict';
import { Agent, createServer, request, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
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

interface Handshake {
  readonly reused: boolean;
  readonly group: string | undefined;
}

/** One request through `agent`: how its TLS handshake went, or the error that ended it. */
function handshake(agent: Agent, port: number, ca: string): Promise<Handshake> {
  return new Promise<Handshake>((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path: '/', agent, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(seen ?? { reused: false, group: undefined }));
    });
    let seen: Handshake | undefined;
    r.on('socket', (s) => {
      const tls = s as TLSSocket;
      tls.once('secureConnect', () => (seen = { reused: tls.isSessionReused(), group: tls.getEphemeralKeyInfo() ? (tls.getEphemeralKeyInfo() as { name?: string }).name : undefined }));
    });
    r.on('error', reject);
    r.end();
  });
}

async function tlsServer(ecdhCurve?: string): Promise<{ port: number; ca: string; close(): void }> {
  const cert = selfSignedCertificate();
  const server = createServer({ cert: cert.certPem, key: cert.keyPem, ...(ecdhCurve !== undefined ? { ecdhCurve } : {}) }, (_q, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ca: cert.certPem,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('an exec agent resumes its TLS session, the full handshake with the default (post-quantum) groups, resumptions with classical ones', async () => {
  const server = await tlsServer();
  try {
    const agent = createExecAgents(2).forOptions({ agent: new Agent(), ca: server.ca });
    assert.ok(agent !== null);
    const first = await handshake(agent, server.port, server.ca);
    assert.equal(first.reused, false);
    assert.match(String(first.group), /MLKEM/, 'the full handshake offers X25519MLKEM768 and the server takes it');
    for (let i = 0; i < 3; i++) {
      const next = await handshake(agent, server.port, server.ca);
      assert.deepEqual(next, { reused: true, group: 'X25519' }, `exec ${i + 2} resumes the session with X25519`);
    }
  } finally {
    server.close();
  }
});

test('a server that takes none of the resumption groups fails one resumed handshake; then full handshakes and resumptions with the default groups', async () => {
  const server = await tlsServer('P-521');
  try {
    const agent = createExecAgents(2).forOptions({ agent: new Agent(), ca: server.ca });
    assert.ok(agent !== null);
    assert.deepEqual(await handshake(agent, server.port, server.ca), { reused: false, group: 'secp521r1' });
    await assert.rejects(handshake(agent, server.port, server.ca), /handshake failure|alert/i, 'the resumption offering X25519, P-256 and P-384 only is refused');
    assert.deepEqual(await handshake(agent, server.port, server.ca), { reused: false, group: 'secp521r1' }, 'then a full handshake');
    assert.deepEqual(await handshake(agent, server.port, server.ca), { reused: true, group: 'secp521r1' }, 'and its session resumed with the default groups');
  } finally {
    server.close();
  }
});

test('a connection refused (an API server restarting) drops the session but not the resumption groups', async () => {
  const cert = selfSignedCertificate();
  const listen = async (port: number): Promise<ReturnType<typeof createServer>> => {
    const s = createServer({ cert: cert.certPem, key: cert.keyPem }, (_q, res) => res.end('ok'));
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    return s;
  };
  let server = await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = (): void => {
    server.closeAllConnections();
    server.close();
  };
  try {
    const agent = createExecAgents(2).forOptions({ agent: new Agent(), ca: cert.certPem });
    assert.ok(agent !== null);
    assert.equal((await handshake(agent, port, cert.certPem)).reused, false);
    assert.deepEqual(await handshake(agent, port, cert.certPem), { reused: true, group: 'X25519' });
    stop();
    await assert.rejects(handshake(agent, port, cert.certPem), /ECONNREFUSED/);
    server = await listen(port);
    assert.equal((await handshake(agent, port, cert.certPem)).reused, false, 'a full handshake after the refusal');
    assert.deepEqual(await handshake(agent, port, cert.certPem), { reused: true, group: 'X25519' }, 'resumptions keep the classical groups');
  } finally {
    stop();
  }
});
