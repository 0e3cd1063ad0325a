// A cluster behind a kubeconfig proxy-url: the lean JSON client cannot go through a proxy, so
// pod reads for such a kubeconfig go through client-node, which does (an HTTP CONNECT proxy).

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { podListsFor } from '../../src/kube/pod-lists.ts';
import { manualPod, startSim, type SimEnv } from './support.ts';

let env: SimEnv;
const tunnels: string[] = [];
const sockets = new Set<Socket>();
const proxy = createServer((_req, res) => res.writeHead(405).end());
proxy.on('connect', (req: IncomingMessage, client: Socket) => {
  tunnels.push(req.url ?? '');
  const [host, port] = (req.url ?? '').split(':');
  const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.pipe(client);
    client.pipe(upstream);
  });
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  }
});

before(async () => {
  env = await startSim();
  env.sim.createNamespace('proxied');
  env.sim.createPod('proxied', manualPod('through-proxy') as never);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
  await env.sim.stop();
});

test('pods of a cluster behind a proxy-url are listed and read through the proxy', async () => {
  const ca = Buffer.from(env.sim.ca).toString('base64');
  const { kc } = loadKubeConfig({
    kind: 'kubeconfig-text',
    text: `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: { server: "${env.sim.url}", certificate-authority-data: ${ca}, proxy-url: "http://127.0.0.1:${(proxy.address() as AddressInfo).port}" }
users:
- name: u
  user: { token: "${env.sim.token}" }
contexts:
- name: sim
  context: { cluster: sim, user: u }
current-context: sim
`,
  });
  const lists = podListsFor(kc);
  const page = await lists.page({ namespace: 'proxied', limit: 10 }, 'list proxied');
  assert.deepEqual(page.items.map((p) => p.metadata?.name), ['through-proxy']);
  const pod = await lists.get({ namespace: 'proxied', name: 'through-proxy' }, 'read through-proxy');
  assert.equal(pod.metadata?.name, 'through-proxy');
  assert.ok(tunnels.length > 0, 'the requests went through the proxy');
  assert.ok(tunnels.every((t) => t === new URL(env.sim.url).host), tunnels.join(', '));
  lists.close();
});
