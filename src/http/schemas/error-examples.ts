// An example body for every error code, built with the error classes the server throws, so
// each example has the code's real status and a message in the server's own words. The
// route schemas name the codes a route can answer with; the document then shows, under each
// status, one example per code (Swagger UI lists them by code).

import { STATUS_CODES } from 'node:http';
import * as E from '../../errors.ts';

type HookdError = Error & { readonly code: string; readonly statusCode?: number };

const JOB = 'j0mhx4k2a9c';
const KEY = '"nightly-2026-11-24"';

/** One error per code, with the arguments a real request would give it. */
const SAMPLES: readonly HookdError[] = [
  new E.RequestInvalid('body.hooks.resources[0].postHooks[0].exec.waitTimout: unknown field (allowed: container, command, onError, execTimeout, waitTimeout, waitForReady)'),
  new E.RequestMalformedJson("Expected ',' or '}' after property value in JSON at position 42"),
  new E.RequestTooLarge('4194304'),
  new E.RequestUnsupportedMediaType('"text/plain"'),
  new E.RequestTimeout('the request body did not arrive in time'),
  new E.RequestUriTooLong('params.id: longer than any job id (at most 128 characters)'),
  new E.RequestHeadersTooLarge('the request headers are larger than the server accepts'),
  new E.RequestBad('the request line is not valid HTTP'),
  new E.AuthRequired('missing Authorization: Bearer <token> header'),
  new E.Forbidden('forbidden: user "system:serviceaccount:team-a:alice" may not create pods/exec in namespace "kube-system" (pod kube-system/etcd-node1, body.pods[1])'),
  new E.HostNotAllowed('"hookd.example.com:8080"'),
  new E.OriginForbidden('Origin "https://elsewhere.example"', 'POST'),
  new E.RouteNotFound('GET', '/v1/job'),
  new E.JobSourceInvalid('body: give either pods (explicit pods) or selector (pods listed when the job starts), not both'),
  new E.JobPodDuplicate('body.pods[1]: demo/cache-0 is already body.pods[0]'),
  new E.JobSelectorInvalid('body.selector.labelSelector: unbalanced parentheses in "app in (cache"'),
  new E.HookInvalid('body.hooks.resources[0].postHooks[0].exec.waitTimeout: "5 minutes" is not a Go duration such as 30s or 1m30s (time: unknown unit " minutes" in duration "5 minutes")'),
  new E.InitHooksRejected('body.hooks.resources[0].postHooks[0].init'),
  new E.LimitPods('body.pods: 10001 pods, more than the limit of 10000 per job'),
  new E.LimitHooks('body.hooks.resources: 1001 entries, more than the limit of 1000'),
  new E.LimitCommand('body.hooks.resources[0].postHooks[0].exec.command: 20000 bytes, more than the limit of 16384'),
  new E.LimitJobSize("body: the job's hooks would take up to 70000000 bytes stored (each pod keeps its own copy), more than the limit of 67108864 (HOOKD_MAX_JOB_BYTES)"),
  new E.JobNotFound(JOB),
  new E.JobEnded(JOB, 'completed'),
  new E.IdempotencyConflict(KEY, JOB),
  new E.IdempotencyInProgress(KEY),
  new E.CursorInvalid('"eyJ4IjoxfQ" is not a cursor this server returned'),
  new E.LastEventIdInvalid('abc'),
  new E.RateLimited('12'),
  new E.LimitSseClients('1000'),
  new E.LimitSseClientStreams('20'),
  new E.RestoreNotFound('velero', 'demo-restore'),
  new E.RestoreForbidden('velero', 'demo-restore'),
  new E.RestoreHooksInvalid('Restore velero/demo-restore spec.hooks.resources[0].postHooks[0].exec.execTimeout: "5 minutes" is not a Go duration such as 30s or 1m30s (time: unknown unit " minutes" in duration "5 minutes"); Velero cannot decode this Restore'),
  new E.KubeError('list pods in demo (app=cache): 401 Unauthorized'),
  new E.KubeUnavailable('connect ECONNREFUSED 10.96.0.1:443'),
  new E.StoreUnavailable('Connection is closed.'),
  new E.QueueUnavailable('Connection is closed.'),
  new E.NotReady('redis: Connection is closed.'),
  new E.Internal(),
];

export interface ErrorExample {
  readonly statusCode: number;
  readonly code: string;
  readonly error: string;
  readonly message: string;
}

export const ERROR_EXAMPLES: ReadonlyMap<string, ErrorExample> = new Map(
  SAMPLES.map((e) => {
    const statusCode = e.statusCode ?? 500;
    return [e.code, { statusCode, code: e.code, error: STATUS_CODES[statusCode] ?? 'Error', message: e.message }];
  }),
);

/** The example of a code; a code without one is a bug in this file (a test lists every code). */
export function errorExample(code: string): ErrorExample {
  const example = ERROR_EXAMPLES.get(code);
  if (!example) throw new Error(`no error example for ${code}: add one to src/http/schemas/error-examples.ts`);
  return example;
}
