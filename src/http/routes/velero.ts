// POST /v1/velero/restores/{namespace}/{name}/jobs: a job from a Velero Restore.
// Its spec.hooks are read as Velero reads them (domain/restore-hooks.ts): what Velero would
// run is run, and what it reads differently from a caller's hooks is a job warning (init hooks
// left out, post hooks without exec skipped, unknown fields ignored, ...). A Restore whose
// hooks Velero could not run at all (a duration it cannot decode, a label selector it cannot
// use), or that exceeds hookd's bounds, is a 4xx naming the field. Pods: those labelled
// velero.io/restore-name={name}, in every namespace (the Restore may have mapped namespaces).

import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Compile } from 'typebox/compile';
import { readRestoreHooks } from '../../domain/restore-hooks.ts';
import type { RestoreHooks } from '../../domain/types.ts';
import * as E from '../../errors.ts';
import type { RouteDeps } from '../deps.ts';
import { callerKey, ownerOf } from '../../auth/caller.ts';
import { asking, auditWho, denied } from '../access.ts';
import { checkHookLimits } from '../job-input.ts';
import type { HttpMetrics } from '../plugins/metrics.ts';
import { errorResponses, SECURITY, V1_ERRORS } from '../schemas/common.ts';
import { RestoreSpecHooksSchema } from '../schemas/hooks.ts';
import { IdempotencyHeaders, JobCreated, SubmitOk, VeleroParams, VeleroQuery } from '../schemas/jobs.ts';
import { dryRun } from '../dry-run.ts';
import { submit } from '../submit.ts';
import { validationMessage, type SchemaError } from '../validation-message.ts';

const hooksCheck = Compile(RestoreSpecHooksSchema);
const RESTORE_LABEL = 'velero.io/restore-name';

/**
 * The label value Velero puts on what it restores (pkg/label.GetValidName): the name when it
 * fits a label (63 characters), else its first 57 characters and 6 hex digits of its SHA-256.
 */
export function restoreLabelValue(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 57) + createHash('sha256').update(name).digest('hex').slice(0, 6);
}

function errorCode(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

/** The Restore's spec.hooks as stored (unchecked), and its uid. */
async function readRestore(deps: RouteDeps, namespace: string, name: string): Promise<{ hooks: RestoreHooks | null; uid: string | null }> {
  try {
    const { hooks, uid } = await deps.restores.read(namespace, name);
    return { hooks, uid: uid ?? null };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    switch (errorCode(err)) {
      case 'KUBE_NOT_FOUND':
        throw new E.RestoreNotFound(namespace, name);
      case 'KUBE_FORBIDDEN':
        throw new E.RestoreForbidden(namespace, name);
      case 'KUBE_UNAVAILABLE':
      case 'KUBE_TIMEOUT':
        throw new E.KubeUnavailable(message);
      default:
        // Including KUBE_UNAUTHORIZED: hookd's own credentials were refused, a server-side fault.
        throw new E.KubeError(message);
    }
  }
}

export const veleroRoutes: FastifyPluginAsyncTypebox<{ deps: RouteDeps; metrics: HttpMetrics }> = async (app, { deps, metrics }) => {
  app.post(
    '/velero/restores/:namespace/:name/jobs',
    {
      schema: {
        summary: "Run a Velero Restore's post hooks",
        description:
          "Reads the velero.io/v1 Restore, takes its spec.hooks (exec post hooks; init hooks are left out and the job's warnings say so), " +
          `and creates a job for the pods labelled ${RESTORE_LABEL}={name} in every namespace (names over 63 characters shortened as Velero does). No body. ` +
          'With `dryRun=true`: 200 with what the job would run, read from the live pods now; nothing is queued, stored or executed.',
        tags: ['velero'],
        security: SECURITY,
        params: VeleroParams,
        querystring: VeleroQuery,
        headers: IdempotencyHeaders,
        response: { 200: SubmitOk, 202: JobCreated, ...errorResponses(
          ...V1_ERRORS,
          'HOOKD_REQUEST_INVALID',
          'HOOKD_LIMIT_HOOKS',
          'HOOKD_LIMIT_COMMAND',
          'HOOKD_FORBIDDEN',
          'HOOKD_RESTORE_FORBIDDEN',
          'HOOKD_ORIGIN_FORBIDDEN',
          'HOOKD_RESTORE_NOT_FOUND',
          'HOOKD_IDEMPOTENCY_CONFLICT',
          'HOOKD_IDEMPOTENCY_IN_PROGRESS',
          'HOOKD_RESTORE_HOOKS_INVALID',
          'HOOKD_KUBE_ERROR',
          'HOOKD_KUBE_UNAVAILABLE',
          'HOOKD_QUEUE_UNAVAILABLE',
        ) },
      },
    },
    async (request, reply) => {
      const { namespace, name } = request.params;
      const caller = request.caller;
      const refusal = deps.access.maySubmit(caller) ?? (await asking(deps.access.mayReadRestore(caller, namespace, name)));
      if (refusal !== null) throw denied(request, deps.audit, refusal, { namespace, request: { restore: `${namespace}/${name}` } });
      const { hooks: raw, uid } = await readRestore(deps, namespace, name);
      const where = `Restore ${namespace}/${name} spec.hooks`;
      const warnings: string[] = [];
      let hooks: RestoreHooks | null = null;
      if (raw !== null) {
        // The JSON types and hookd's bounds here; the values as Velero reads them, below.
        if (!hooksCheck.Check(raw)) {
          throw new E.RestoreHooksInvalid(validationMessage(hooksCheck.Errors(raw) as SchemaError[], where, RestoreSpecHooksSchema, raw));
        }
        // hookd's bounds on what was written, before the reading drops anything (a post hook
        // without exec is skipped, yet still counts: it was read).
        checkHookLimits(raw as RestoreHooks, where, deps.limits);
        const reading = readRestoreHooks(raw, where);
        const [first] = reading.errors;
        if (first !== undefined) {
          const more = reading.errors.length - 1;
          throw new E.RestoreHooksInvalid(`${first}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''}`);
        }
        const dropped = reading.initHooks;
        if (dropped > 0) {
          warnings.push(`${where}: ${dropped} init hook${dropped === 1 ? '' : 's'} left out: Velero injects init hooks when it restores a pod; hookd runs exec post hooks only`);
        }
        warnings.push(...reading.warnings);
        hooks = reading.hooks;
      }
      const failFast = request.query.failFast ?? false;
      // No namespaces: only those where the caller may list pods, as for the job itself.
      const source = { kind: 'selector', namespaces: [], labelSelector: `${RESTORE_LABEL}=${restoreLabelValue(name)}` } as const;
      if (request.query.dryRun === true) {
        const view = await dryRun(deps, { source, hooks, warnings, owner: ownerOf(caller) });
        request.log.info({ dryRun: true, restore: `${namespace}/${name}`, pods: view.summary.pods, hooksTotal: view.summary.hooksTotal }, 'dry run answered');
        return reply.code(200).send(view);
      }
      return submit(
        deps,
        (id) => {
          metrics.jobsCreated.inc({ trigger: 'velero' });
          deps.audit.write({ event: 'job.submitted', ...auditWho(request), jobId: id, namespace, request: { restore: `${namespace}/${name}`, hooks, failFast } });
        },
        {
          spec: {
            restore: name,
            restoreRef: { namespace, name, uid },
            // No namespaces: at the start the worker keeps only those where the owner may list pods.
            source,
            hooks,
            failFast,
            warnings,
            owner: ownerOf(caller),
            sourceIP: request.ip,
          },
          idempotencyKey: request.headers['idempotency-key'],
          request: { namespace, name, failFast },
          trigger: 'velero',
          scope: callerKey(caller),
        },
        reply,
      );
    },
  );
};
