// HTTP figures with autocannon: latency percentiles of 2xx answers and completed requests
// per second over the run. Any non-2xx answer or socket error fails the measurement: a fast
// error page must not pass for a fast API.

import autocannon from 'autocannon';

export interface HttpFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly rps: number;
  readonly requests: number;
  readonly connections: number;
  readonly durationSec: number;
}

export interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly connections: number;
  readonly durationSec: number;
}

export async function measureHttp(spec: LoadSpec): Promise<HttpFigures> {
  const r = await autocannon({
    url: spec.url,
    method: spec.method,
    connections: spec.connections,
    duration: spec.durationSec,
    timeout: 30,
    ...(spec.body === undefined ? {} : { body: spec.body, headers: { 'content-type': 'application/json' } }),
  });
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
    throw new Error(`${spec.method} ${spec.url}: ${r.non2xx} non-2xx answers (${JSON.stringify(r.statusCodeStats)}), ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  const seconds = (r.finish.getTime() - r.start.getTime()) / 1000;
  if (r['2xx'] === 0) throw new Error(`${spec.method} ${spec.url}: no request completed in ${seconds} s`);
  return {
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    rps: round(r['2xx'] / seconds, 1),
    requests: r['2xx'],
    connections: spec.connections,
    durationSec: round(seconds, 2),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
