// Prometheus metrics of the HTTP layer on the registry main hands in (prom-client).
// Route labels are route templates (`/v1/jobs/:id`), never raw URLs, so label sets stay bounded.

import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface HttpMetrics {
  readonly jobsCreated: Counter<'trigger'>;
  readonly sseClients: Gauge;
}

function isEventStream(contentType: number | string | string[] | undefined): boolean {
  return typeof contentType === 'string' && contentType.startsWith('text/event-stream');
}

/** Reuses a metric already on the registry (buildApp may run twice on one registry, as in tests). */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function registerMetrics(app: FastifyInstance, registry: Registry): HttpMetrics {
  const requests = metric(
    registry,
    'hookd_http_requests_total',
    () => new Counter({ name: 'hookd_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status_code'], registers: [registry] }),
  );
  const duration = metric(
    registry,
    'hookd_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'hookd_http_request_duration_seconds',
        help: 'HTTP request duration, event streams excluded',
        labelNames: ['method', 'route'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
  );
  const jobsCreated = metric(
    registry,
    'hookd_jobs_created_total',
    () => new Counter({ name: 'hookd_jobs_created_total', help: 'Jobs created, by how they were triggered', labelNames: ['trigger'], registers: [registry] }),
  );
  const sseClients = metric(registry, 'hookd_sse_clients', () => new Gauge({ name: 'hookd_sse_clients', help: 'Open event streams', registers: [registry] }));

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    // An event stream lasts as long as its client follows the job: minutes, not latency.
    if (isEventStream(reply.raw.getHeader('content-type'))) return;
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['operations'],
        response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  return { jobsCreated, sseClients };
}
