// A loopback port free at the moment of asking (the kernel picks it): for private
// redis-servers, and for an address where nothing answers.

import { once } from 'node:events';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  srv.close();
  return typeof address === 'object' && address ? address.port : 0;
}
