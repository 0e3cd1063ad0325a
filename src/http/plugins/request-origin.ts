// Two checks that keep a browser from being turned against hookd:
// - Host allowlist: a page on an attacker's domain that resolves to 127.0.0.1 (DNS
//   rebinding) sends its own name as Host; only names hookd is known by are served.
// - Origin: a state-changing request (POST, PUT, PATCH, DELETE) from a page of another
//   origin is refused, whether or not it has a body or a content type a browser would
//   send without a preflight. A request without Origin (curl, kubectl, servers) passes.
// Probes (/healthz, /readyz) are answered whatever the Host: kubelets use the pod's IP.
// An HTTP/1.1 request without Host at all is a 400, probes included.
// So is a GET of /metrics with an IP address as Host: Prometheus scrapes pods by their IP,
// and an address is never a rebinding name (rebinding needs a name that re-resolves).

import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HostNotAllowed, OriginForbidden, RequestBad } from '../../errors.ts';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PROBES = new Set(['/healthz', '/readyz']);

/** The host name of a Host header value, lowercased, without port or IPv6 brackets. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** How many Host headers a request carries (rawHeaders: name, value, name, value, ...). */
function hostHeaders(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'host') n++;
  return n;
}

/** null: any Host is served. */
export type AllowedHosts = ReadonlySet<string> | null;

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q >= 0 ? request.url.slice(0, q) : request.url;
}

function originProblem(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin === undefined) {
    // A browser that sends no Origin still says where the request comes from.
    return site === 'cross-site' || site === 'same-site' ? `a ${site} request (Sec-Fetch-Site)` : null;
  }
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return `Origin ${JSON.stringify(origin.slice(0, 200))}`;
  }
  const host = (request.headers.host ?? '').toLowerCase();
  return originHost === host ? null : `Origin ${JSON.stringify(origin.slice(0, 200))}`;
}

export function registerRequestOrigin(app: FastifyInstance, allowed: AllowedHosts): void {
  app.addHook('onRequest', async (request) => {
    // HTTP/1.1 requires Host (RFC 9112, section 3.2); HTTP/1.0 and 0.9 predate it.
    const { httpVersionMajor, httpVersionMinor } = request.raw;
    if (request.headers.host === undefined && (httpVersionMajor > 1 || (httpVersionMajor === 1 && httpVersionMinor >= 1))) {
      throw new RequestBad(`an HTTP/${httpVersionMajor}.${httpVersionMinor} request needs a Host header`);
    }
    // Node keeps the first of several Host headers; a proxy in front may have read another.
    // RFC 9112 (section 3.2) answers such a request with 400, and so does hookd.
    if (hostHeaders(request.raw.rawHeaders) > 1) throw new RequestBad('a request may carry one Host header, not several');
    const path = pathOf(request);
    if (allowed !== null && !PROBES.has(path)) {
      const name = hostName(request.headers.host ?? '');
      const scrape = path === '/metrics' && request.method === 'GET' && isIP(name) !== 0;
      if (!allowed.has(name) && !scrape) {
        throw new HostNotAllowed(JSON.stringify((request.headers.host ?? '').slice(0, 200)));
      }
    }
    if (UNSAFE_METHODS.has(request.method)) {
      const problem = originProblem(request);
      if (problem !== null) throw new OriginForbidden(problem, request.method);
    }
  });
}
