// The Fastify application: every route of the HTTP API, with its schemas, error model, auth and
// metrics. No listen here (runtime.ts listens; tests inject).

import { validatorCompiler } from './validator.ts';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { noAudit } from '../auth/audit.ts';
import { nonePolicy, tokensPolicy } from '../auth/policy.ts';
import { legacyTokens, tokenTable } from '../auth/tokens-file.ts';
import { requireCaller } from './access.ts';
import type { AppDeps, RouteDeps } from './deps.ts';
import { parseJsonBody } from './json-body.ts';
import { answerNodeRefusals, clientErrorHandler, frameworkErrors } from './plugins/client-errors.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { registerRateLimit } from './plugins/rate-limit.ts';
import { registerRequestOrigin } from './plugins/request-origin.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { bindJobId, ProbeQuietLogController, requestIds } from './request-log.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { veleroRoutes } from './routes/velero.ts';
import { SHARED_SCHEMAS } from './schemas/shared.ts';
import type { SseStream } from './sse.ts';

export type { AppDeps } from './deps.ts';

export async function buildApp(appDeps: AppDeps, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const checkingIntervalMs = Math.min(5000, Math.max(250, Math.floor(appDeps.limits.requestTimeoutMs / 4)));
  const deps: RouteDeps = {
    ...appDeps,
    access: appDeps.access ?? (appDeps.auth.tokens.length > 0 ? tokensPolicy(tokenTable(legacyTokens(appDeps.auth.tokens))) : nonePolicy()),
    audit: appDeps.audit ?? noAudit,
  };
  const app = Fastify({
    ...(opts.logger === undefined ? { loggerInstance: deps.log } : {}),
    bodyLimit: deps.limits.maxBodyBytes,
    // Slow clients may not hold a request open (Slowloris): the whole request within 30 s,
    // a handler within 30 s (event streams hijack their reply, which stops that timer),
    // and no socket idle for more than 75 s (event streams turn it off for their socket).
    requestTimeout: deps.limits.requestTimeoutMs,
    handlerTimeout: deps.limits.requestTimeoutMs,
    connectionTimeout: deps.limits.idleTimeoutMs,
    keepAliveTimeout: Math.max(1, deps.limits.idleTimeoutMs - 3000),
    // Node looks for requests past their timeout every 30 s by default, so a 30 s limit
    // fired anywhere up to 60 s: look at least four times per limit.
    http: {
      connectionsCheckingInterval: checkingIntervalMs,
      headersTimeout: deps.limits.requestTimeoutMs,
      // Node answers an HTTP/1.1 request without Host itself, with an empty 400; hookd does,
      // in its error shape (request-origin.ts).
      requireHostHeader: false,
    },
    // Restore names are DNS subdomains of up to 253 characters.
    routerOptions: { maxParamLength: 300 },
    genReqId: requestIds(),
    logController: new ProbeQuietLogController(),
    // Validation is TypeBox's: bodies are checked as sent (no coercion, no removal of unknown
    // fields, no defaults: an unknown field is a 400 that names it); querystring, params and
    // headers are converted from strings ("10" -> 10) before they are checked, from their
    // canonical spelling only (validator.ts).
    frameworkErrors,
    clientErrorHandler,
    schemaErrorFormatter: (errors, dataVar) => new Error(`${dataVar}: ${errors[0]?.message ?? 'is not valid'}`),
    ...opts,
  });
  answerNodeRefusals(app.server, app.log);
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: a text/plain body is a 415, not a string that fails the schema.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)), undefined);
    }
  });

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  registerErrorHandling(app, deps.limits.maxBodyBytes);
  // Before any route, so that every route is in the document.
  registerSecurityHeaders(app);
  await registerOpenApi(app, { persistToken: deps.docsPersistToken ?? false });
  const metrics = registerMetrics(app, deps.metrics);

  const streams = new Set<SseStream>();
  // Open event streams would keep close() waiting for ever: end them first.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });
  // close() waits for every connection with a request in flight, and Node stops looking for
  // requests past their timeout once the server closes: a slowloris header trickle or a
  // body that never ends would keep close() (and the shutdown after it) waiting for ever.
  // Every request routed before the close ends within the handler timeout, one routed after
  // it is a 503 at once, and headers are due within the request timeout: connections still
  // open one request timeout (and one check) after the close began are destroyed.
  let closeBound: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closeBound = setTimeout(() => app.server.closeAllConnections(), deps.limits.requestTimeoutMs + checkingIntervalMs);
    closeBound.unref();
  });
  app.addHook('onClose', async () => clearTimeout(closeBound));

  registerRequestOrigin(app, deps.allowedHosts === null ? null : new Set(deps.allowedHosts));
  // A job's routes (/v1/jobs/:id...) log with its id, like the POST that created it.
  app.addHook('onRequest', async (request, reply) => {
    const params = request.params as Record<string, unknown> | undefined;
    if (typeof params?.['id'] === 'string' && request.routeOptions.url?.startsWith('/v1/jobs/:id')) bindJobId(request, reply, params['id']);
  });
  await app.register(healthRoutes, { deps });
  await app.register(
    async (v1) => {
      if (deps.rateLimiter) registerRateLimit(v1, deps.rateLimiter);
      requireCaller(v1, deps.access);
      await v1.register(jobRoutes, { deps, metrics });
      await v1.register(eventRoutes, { deps, metrics, streams });
      await v1.register(veleroRoutes, { deps, metrics });
    },
    { prefix: '/v1' },
  );
  return app;
}
