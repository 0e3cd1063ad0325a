// Optional bearer tokens for the /v1 routes: whoever can POST a job can exec wherever
// hookd's Kubernetes credentials reach (pitfalls.md "Security"). Operations routes
// (healthz, readyz, metrics, docs, openapi.json) stay open for probes and scrapers.
// Tokens are compared in constant time, on their SHA-256 so lengths do not leak either.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AuthRequired } from '../../errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function requireBearer(app: FastifyInstance, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const wanted = tokens.map(digest);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) throw new AuthRequired('missing Authorization: Bearer <token> header');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AuthRequired('the Authorization header must be "Bearer <token>"');
    const given = digest(match[1] ?? '');
    // Every token is compared, so timing does not say which one came close.
    let ok = false;
    for (const w of wanted) ok = timingSafeEqual(w, given) || ok;
    if (!ok) throw new AuthRequired('the bearer token is not valid');
  });
}
