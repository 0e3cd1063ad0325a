// /v1/jobs: submit, read, list and cancel (api.md "Submitting work", "Reading results").

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import * as E from '../../errors.ts';
import { CursorInvalidError } from '../../store/cursor.ts';
import type { RouteDeps } from '../deps.ts';
import { callerKey, ownerOf } from '../../auth/caller.ts';
import { asking, auditWho, checkJobAccess, denied } from '../access.ts';
import { checkHooks, jobSource } from '../job-input.ts';
import type { HttpMetrics } from '../plugins/metrics.ts';
import { errorResponses, SECURITY } from '../schemas/common.ts';
import { CancelAccepted, CreateJobBody, IdempotencyHeaders, JobCreated, JobIdParams, JobListSchema, JobViewSchema, ListJobsQuery } from '../schemas/jobs.ts';
import { jobLink, submit } from '../submit.ts';

const DEFAULT_LIMIT = 50;

export const jobRoutes: FastifyPluginAsyncTypebox<{ deps: RouteDeps; metrics: HttpMetrics }> = async (app, { deps, metrics }) => {
  app.post(
    '/jobs',
    {
      schema: {
        summary: 'Submit a job: run the post-restore exec hooks of some pods',
        description:
          'Give `pods` (explicit pods) or `selector` (pods listed when the job starts), not both. `hooks` is a Velero Restore\'s `spec.hooks`; ' +
          'hooks in `post.hook.restore.velero.io/*` annotations on a pod take precedence, as in Velero. Init hooks are rejected.',
        tags: ['jobs'],
        security: SECURITY,
        headers: IdempotencyHeaders,
        body: CreateJobBody,
        response: { 200: JobCreated, 202: JobCreated, ...errorResponses(400, 401, 403, 409, 413, 415, 502, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const source = jobSource(body, deps.limits);
      if (body.hooks) checkHooks(body.hooks, 'body.hooks', deps.limits, (m) => new E.HookInvalid(m));
      const caller = request.caller;
      // Nothing is queued unless the caller could run every exec itself (api.md "Who may do what").
      const refusal =
        deps.access.maySubmit(caller) ??
        (source.kind === 'pods'
          ? await asking(deps.access.mayExecPods(caller, source.pods))
          : source.namespaces.length > 0
            ? await asking(deps.access.mayListPods(caller, source.namespaces))
            : null);
      if (refusal !== null) throw denied(request, deps.audit, refusal, { request: { pods: body.pods ?? null, selector: body.selector ?? null, hooks: body.hooks ?? null } });
      return submit(
        deps,
        (id) => {
          metrics.jobsCreated.inc({ trigger: 'api' });
          deps.audit.write({ event: 'job.submitted', ...auditWho(request), jobId: id, request: { pods: body.pods ?? null, selector: body.selector ?? null, hooks: body.hooks ?? null } });
        },
        {
          spec: {
            restore: body.restore ?? null,
            source,
            hooks: body.hooks ?? null,
            failFast: body.failFast ?? false,
            warnings: [],
            owner: ownerOf(caller),
            sourceIP: request.ip,
          },
          idempotencyKey: request.headers['idempotency-key'],
          request: body,
          trigger: 'api',
          scope: callerKey(caller),
        },
        reply,
      );
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        summary: 'A job with its pods, hooks and summary',
        tags: ['jobs'],
        security: SECURITY,
        params: JobIdParams,
        response: { 200: JobViewSchema, ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const id = request.params.id;
      await checkJobAccess(request, deps.access, deps.audit, id, (await deps.store.getJobSummary(id))?.owner, 'get');
      const job = await deps.store.getJob(id);
      if (!job) throw new E.JobNotFound(id);
      return job;
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        summary: 'Job summaries, newest first',
        tags: ['jobs'],
        security: SECURITY,
        querystring: ListJobsQuery,
        response: { 200: JobListSchema, ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      // Without the right to list every caller's jobs, a list shows the caller's own.
      const mine = (await asking(deps.access.listsAll(request.caller))) ? {} : { owner: callerKey(request.caller) };
      try {
        return await deps.store.listJobs({
          ...mine,
          limit: q.limit ?? DEFAULT_LIMIT,
          ...(q.restore !== undefined ? { restore: q.restore } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        });
      } catch (err) {
        if (err instanceof CursorInvalidError) throw new E.CursorInvalid(err.message);
        throw err;
      }
    },
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        summary: 'Cancel a job',
        description: 'Hooks not yet started are skipped; a running exec is allowed to finish or time out. An ended job is not changed (409).',
        tags: ['jobs'],
        security: SECURITY,
        params: JobIdParams,
        response: { 202: CancelAccepted, ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      await checkJobAccess(request, deps.access, deps.audit, id, (await deps.store.getJobSummary(id))?.owner, 'delete');
      const result = await deps.store.cancelJob(id, deps.now());
      if (result === 'not_found') throw new E.JobNotFound(id);
      if (result === 'ended') {
        const job = await deps.store.getJobSummary(id);
        throw new E.JobEnded(id, job?.status ?? 'ended');
      }
      deps.audit.write({ event: 'job.cancelled', ...auditWho(request), jobId: id });
      // Workers wake the pods that wait, so they skip their hooks now rather than at their deadline.
      await deps.notifier.publishStop(id).catch((err: unknown) => request.log.warn({ err: String(err) }, 'stop not published; workers see it on their next look'));
      return reply.code(202).send({ id, status: 'cancelled', links: { self: jobLink(id) } });
    },
  );
};
