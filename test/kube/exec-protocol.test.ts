// The Executor against a WebSocket server that bends the exec protocol in ways the sim
// (rightly) never does: a close-stream frame (255) or an unknown channel from the server, a
// status that is not JSON, a status in fragments, v4 chosen over v5, no subprotocol chosen,
// a peer that stops answering pings. The process must survive, frames we need not read
// must not cost the hook its outcome, and what cannot be read must be an error.
// The server is a plain `ws` server on 127.0.0.1 that never answers pings; the executor
// talks to it unmocked.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { createExecutor } from '../../src/kube/exec.ts';
import type { ExecRequest } from '../../src/queue/ports.ts';
import { logSink, rogueKubeConfig } from './support.ts';

type Behaviour = (ws: WebSocket) => void;
let behaviour: Behaviour = () => {};
const preferV5 = (protocols: Set<string>): string | false => (protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false);
let choose: (protocols: Set<string>) => string | false = preferV5;
let server: WebSocketServer;
let url: string;

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => choose(protocols), autoPong: false });
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
  const kc = rogueKubeConfig(url);
  return createExecutor({ kc, log: logSink('silent').log, ...(pingIntervalMs !== undefined ? { pingIntervalMs } : {}) });
}

const req: ExecRequest = { namespace: 'ns', pod: 'p', container: 'c', command: ['x'], timeoutMs: 3_000, maxOutputBytes: 1024 };
const frame = (channel: number, data: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);

const success = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });

test('a close-stream frame (255) and an unknown channel from the server are ignored, not a crash', async () => {
  behaviour = (ws) => {
    ws.send(frame(1, 'before'));
    ws.send(Buffer.from([255, 1]));
    ws.send(frame(9, 'from a later protocol'));
    ws.send(frame(2, 'err'));
    ws.send(Buffer.alloc(0));
    ws.send(frame(3, success));
  };
  const out = await executor().exec(req, new AbortController().signal);
  assert.deepEqual(out, { kind: 'exited', exitCode: 0, stdout: 'before', stderr: 'err', truncated: false });
});

test('v4 chosen by the server: the same frames, the same outcome', async () => {
  let offered: string[] = [];
  choose = (protocols) => {
    offered = [...protocols];
    return 'v4.channel.k8s.io';
  };
  behaviour = (ws) => {
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    ws.send(frame(1, 'v4 out'));
    ws.send(frame(3, JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })));
  };
  try {
    const out = await executor().exec(req, new AbortController().signal);
    assert.deepEqual(out, { kind: 'exited', exitCode: 7, stdout: 'v4 out', stderr: '', truncated: false });
    assert.deepEqual(offered, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  } finally {
    choose = preferV5;
  }
});

test('a server that accepts the upgrade with no subprotocol: a clear error, not tried again', async () => {
  choose = () => false; // ws's server then answers 101 without Sec-WebSocket-Protocol
  let connections = 0;
  behaviour = () => connections++;
  try {
    const out = await executor().exec(req, new AbortController().signal);
    assert.equal(out.kind, 'error');
    if (out.kind === 'error') {
      assert.equal(out.code, 'KUBE_ERROR');
      assert.match(out.message, /^exec in ns\/p container c: the API server accepted the exec with no subprotocol; hookd speaks v5\.channel\.k8s\.io and v4\.channel\.k8s\.io$/);
      assert.equal(out.notStarted, undefined);
    }
    assert.ok(connections <= 1);
  } finally {
    choose = preferV5;
  }
});

test('a status sent in fragments is read whole (ws joins them into one message)', async () => {
  behaviour = (ws) => {
    const status = frame(3, success);
    ws.send(status.subarray(0, 5), { fin: false });
    ws.send(status.subarray(5), { fin: true });
  };
  const out = await executor().exec(req, new AbortController().signal);
  assert.deepEqual(out, { kind: 'exited', exitCode: 0, stdout: '', stderr: '', truncated: false });
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
