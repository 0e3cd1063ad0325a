// Headers that keep browsers from misusing what hookd answers:
// - nosniff everywhere, so a job's output is never run as a script or page;
// - no-store on every /v1 answer: job views and event streams hold command output, which
//   must not stay in a browser's or a proxy's cache;
// - a Content-Security-Policy: JSON answers may load nothing and be framed by nobody;
//   Swagger UI (/docs) loads only its own scripts (script-src 'self', no inline script),
//   talks only to this origin, and cannot be framed.

import type { FastifyInstance } from 'fastify';

export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  // Swagger UI's React components set inline styles; styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
].join('; ');

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url;
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs?')) return; // Swagger UI sets DOCS_CSP itself
    reply.header('content-security-policy', API_CSP);
    if (path.startsWith('/v1/') || path === '/v1') reply.header('cache-control', 'no-store');
  });
}
