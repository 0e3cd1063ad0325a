// GET /healthz: the process answers. GET /readyz: Redis and the Kubernetes API answer too;
// 503 (with the error body, plus each check) names whichever is down.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NotReady } from '../../errors.ts';
import type { AppDeps, HealthCheck } from '../deps.ts';
import { sendError } from '../plugins/errors.ts';
import { ErrorBodySchema } from '../schemas/common.ts';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const Checks = Type.Object({ redis: Check, kube: Check });
const CHECK_TIMEOUT_MS = 5000;

async function bounded(name: string, check: () => Promise<HealthCheck>): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `${name} did not answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch((err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/healthz',
    { schema: { summary: 'The process is alive', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive' }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Redis and the Kubernetes API are reachable',
        tags: ['operations'],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: Checks }, { description: 'Ready' }),
          503: Type.Object(
            { ...ErrorBodySchema.properties, checks: Checks },
            {
              description: 'Not ready: the message names what is down (HOOKD_NOT_READY)',
              examples: [
                {
                  statusCode: 503,
                  code: 'HOOKD_NOT_READY',
                  error: 'Service Unavailable',
                  message: 'not ready: redis: Connection is closed.',
                  checks: { redis: { ok: false, error: 'Connection is closed.' }, kube: { ok: true } },
                },
              ],
            },
          ),
        },
      },
    },
    async (_request, reply) => {
      const [redis, kube] = await Promise.all([bounded('Redis', () => deps.health.redis()), bounded('the Kubernetes API', () => deps.health.kube())]);
      const checks = { redis, kube };
      if (redis.ok && kube.ok) return { status: 'ready' as const, checks };
      const down = [!redis.ok ? `redis: ${redis.error ?? 'down'}` : null, !kube.ok ? `kubernetes: ${kube.error ?? 'down'}` : null].filter((s) => s !== null);
      return sendError(reply.header('retry-after', '5'), new NotReady(down.join('; ')), { checks });
    },
  );
};
