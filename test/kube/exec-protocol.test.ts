// The Executor against a WebSocket server that breaks the exec protocol in ways the sim
// (rightly) never does: a close-stream frame (255) from the server, a status that is not
// JSON, a peer that stops answering pings. client-node 2.0.1 throws inside ws's message
// dispatch on the first two; the process must survive and the hook must get an error.
// The server is a plain `ws` server on 127.0.0.1 that never answers pings; client-node
// talks to it unmocked.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { createExecutor } from '../../src/kube/exec.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { ExecRequest } from '../../src/queue/ports.ts';
import { logSink } from './support.ts';

type Behaviour = (ws: WebSocket) => void;
let behaviour: Behaviour = () => {};
let server: WebSocketServer;
let url: string;

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false), autoPong: false });
  server.on('connection', (ws) => behaviour(ws));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const c of server.clients) c.terminate();
  server.close();
});

function executor(pingIntervalMs?: number) {
  // Plain http is accepted by client-node only with TLS verification off.
  const text = `apiVersion: v1
kind: Config
clusters: [{ name: rogue, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]
users: [{ name: rogue, user: { token: t } }]
contexts: [{ name: rogue, context: { cluster: rogue, user: rogue } }]
current-context: rogue
`;
  const { kc } = loadKubeConfig({ kind: 'kubeconfig-text', text });
  return createExecutor({ kc, log: logSink('silent').log, ...(pingIntervalMs !== undefined ? { pingIntervalMs } : {}) });
}

const req: ExecRequest = { namespace: 'ns', pod: 'p', container: 'c', command: ['x'], timeoutMs: 3_000, maxOutputBytes: 1024 };
const frame = (channel: number, data: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);

test('a close-stream frame (255) from the server: error, not a crash', async () => {
  behaviour = (ws) => {
    ws.send(frame(1, 'before'));
    ws.send(Buffer.from([255, 1]));
  };
  const out = await executor().exec(req, new AbortController().signal);
  assert.equal(out.kind, 'error');
  if (out.kind === 'error') {
    assert.match(out.message, /outcome unknown \(unreadable frame from the API server: Unknown stream: 255\)/);
    assert.equal(out.stdout, 'before');
  }
});

test('a status frame that is not JSON: error, not a crash', async () => {
  behaviour = (ws) => ws.send(frame(3, '{not json'));
  const out = await executor().exec(req, new AbortController().signal);
  assert.equal(out.kind, 'error');
  if (out.kind === 'error') assert.match(out.message, /unreadable frame/);
});

test('a peer that stops answering pings is dropped before our deadline', async () => {
  // The server holds the session and never answers pings (autoPong off): a half-open
  // connection as the client sees it.
  behaviour = () => {};
  const t0 = Date.now();
  const out = await executor(100).exec({ ...req, timeoutMs: 10_000 }, new AbortController().signal);
  assert.equal(out.kind, 'error');
  if (out.kind === 'error') assert.match(out.message, /no answer to a WebSocket ping within 100 ms/);
  assert.ok(Date.now() - t0 < 2_000);
});
