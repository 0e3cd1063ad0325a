// A seeded fuzzer of hostile requests: mangled paths and ids, bad percent-encoding, odd
// methods and headers, bodies that are broken, deep, huge or almost right, and raw bytes
// that are not HTTP. Every answer must be below 500, and every error body in the
// documented shape: { statusCode, code: "HOOKD_...", error, message }.

import { connect } from 'node:net';
import { seededRandom } from '@hookd/kube-sim';

export interface FuzzResult {
  requests: number;
  answered: number;
  /** Answers of 500 or more. */
  fiveHundreds: number;
  /** 4xx answers, and how many had the documented body. */
  errors: number;
  inShape: number;
  /** Connections the server closed without an answer (allowed for bytes that are not HTTP). */
  noAnswer: number;
  examples: string[];
}


const VALID = { pods: [{ namespace: 'chaos', name: 'p-0' }], hooks: { resources: [{ name: 'h', postHooks: [{ exec: { command: ['hook', '0'] } }] }] } };

function inShape(text: string): boolean {
  try {
    const b = JSON.parse(text) as Record<string, unknown>;
    return (
      Object.keys(b).sort().join() === 'code,error,message,statusCode' &&
      typeof b['code'] === 'string' &&
      b['code'].startsWith('HOOKD_') &&
      typeof b['statusCode'] === 'number' &&
      typeof b['message'] === 'string'
    );
  } catch {
    return false;
  }
}

export async function fuzz(base: string, n: number, seed: number): Promise<FuzzResult> {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const junk = (len: number): string => Array.from({ length: len }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('');
  const url = new URL(base);
  const res: FuzzResult = { requests: n, answered: 0, fiveHundreds: 0, errors: 0, inShape: 0, noAnswer: 0, examples: [] };
  const note = (s: string): void => {
    if (res.examples.length < 12) res.examples.push(s);
  };
  const paths = [
    () => '/v1/jobs',
    () => `/v1/jobs/${junk(Math.floor(r() * 40))}`.replace(/[#?]/g, ''),
    () => `/v1/jobs/${'j'.repeat(Math.floor(r() * 600))}`,
    () => `/v1/jobs/%${junk(2)}`,
    () => `/v1/jobs/x/events`,
    () => `/v1/jobs/x/${pick(['events', 'pods', 'nope', '..', '%00'])}`,
    () => `/v1/velero/restores/${pick(['velero', 'V', '-x', 'a'.repeat(300)])}/${junk(5).replace(/[#?/ ]/g, 'r')}/jobs`,
    () => `/v1/jobs?${pick(['limit=0', 'limit=-1', 'limit=1e9', 'status=x', 'cursor=%%', `cursor=${junk(30)}`, 'restore=' + 'r'.repeat(500)])}`,
    () => `/${junk(Math.floor(r() * 30))}`.replace(/[#?]/g, ''),
    () => pick(['/healthz', '/readyz', '/docs', '/openapi.json', '/metrics']),
  ];
  const bodies = [
    () => JSON.stringify(VALID),
    () => JSON.stringify({ ...VALID, [junk(5)]: 1 }),
    () => JSON.stringify(VALID).slice(0, Math.floor(r() * 60)),
    () => `{"pods":${'['.repeat(1000 + Math.floor(r() * 50_000))}`,
    () => `{"pods":${'['.repeat(200)}${']'.repeat(200)}}`,
    () => JSON.stringify({ pods: [{ namespace: junk(10), name: junk(300) }] }),
    () => JSON.stringify({ selector: { namespaces: [junk(8)], labelSelector: junk(40) } }),
    () => JSON.stringify({ pods: VALID.pods, hooks: { resources: [{ name: 'h', includedNamespaces: [`${'{,}'.repeat(28)}X`], postHooks: [{ exec: { command: ['x'], execTimeout: pick(['720h', '-1s', 'x', '1e9h']) } }] }] } }),
    () => junk(Math.floor(r() * 200)),
    () => '',
    () => JSON.stringify({ __proto__: { x: 1 }, pods: [] }).replace('"pods"', '"__proto__":{"a":1},"pods"'),
  ];
  const headerSets = [
    (): Record<string, string> => ({ 'content-type': 'application/json' }),
    () => ({ 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', junk(10)]) }),
    () => ({ 'content-type': 'application/json', 'last-event-id': pick(['18446744073709551616-0', '1-1', junk(10), '99999999999999999999-99999999999999999999']) }),
    () => ({ 'content-type': 'application/json', 'idempotency-key': junk(Math.floor(r() * 400)) }),
    () => ({ 'content-type': 'application/json', origin: pick(['http://evil.example', 'null', junk(8)]) }),
    () => ({ 'content-type': 'application/json', authorization: pick(['Bearer', `Bearer ${junk(20)}`, junk(30)]) }),
  ];
  const RAW = [
    () => `${junk(20)}\r\n\r\n`,
    () => `GET /v1/jobs HTTP/1.1\r\nHost: ${url.host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    () => `GET /v1/jobs HTTP/7.0\r\nHost: ${url.host}\r\n\r\n`,
    () => `POST /v1/jobs HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: abc\r\n\r\n`,
    () => `GET /v1/jobs/${'%'.repeat(5)} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`,
  ];

  const record = (status: number, text: string, what: string): void => {
    res.answered++;
    if (status >= 500) {
      res.fiveHundreds++;
      note(`${status} for ${what}: ${text.slice(0, 160)}`);
    }
    if (status >= 400) {
      res.errors++;
      if (inShape(text)) res.inShape++;
      else note(`not in shape (${status}) for ${what}: ${text.slice(0, 160)}`);
    }
  };

  for (let i = 0; i < n; i++) {
    if (r() < 0.05) {
      const raw = pick(RAW)();
      const answer = await new Promise<string>((resolve) => {
        const s = connect(Number(url.port), url.hostname);
        let text = '';
        // The answer comes in one piece; a kept-alive socket is not waited on after it.
        s.on('data', (d: Buffer) => {
          text += d.toString('utf8');
          setTimeout(() => s.destroy(), 50);
        });
        s.on('error', () => resolve(text));
        s.on('close', () => resolve(text));
        s.setTimeout(3000, () => s.destroy());
        s.write(raw);
      });
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      if (status === 0) res.noAnswer++;
      else record(status, answer.slice(answer.indexOf('\r\n\r\n') + 4), `raw ${JSON.stringify(raw.slice(0, 40))}`);
      continue;
    }
    const method = pick(['GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);
    const path = pick(paths)();
    const withBody = method !== 'GET' && method !== 'HEAD' && r() < 0.9;
    const body = withBody ? pick(bodies)() : undefined;
    try {
      const response = await fetch(`${base}${path}`, { method, headers: pick(headerSets)(), ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(10_000) });
      const text = method === 'HEAD' ? '' : await response.text();
      if (method === 'HEAD' || response.headers.get('content-type')?.startsWith('text/event-stream')) {
        res.answered++;
        if (response.status >= 500) res.fiveHundreds++;
        continue;
      }
      record(response.status, text, `${method} ${path.slice(0, 80)}`);
    } catch (err) {
      res.noAnswer++;
      note(`no answer for ${method} ${path.slice(0, 80)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return res;
}
