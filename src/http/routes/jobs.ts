// /v1/jobs: submit, read, list and cancel.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import * as E from '../../errors.ts';
import { CursorInvalidError } from '../../store/cursor.ts';
import type { RouteDeps } from '../deps.ts';
import { callerKey, ownerOf } from '../../auth/caller.ts';
import { asking, auditWho, checkJobAccess, denied } from '../access.ts';
import { checkHooks, jobSource } from '../job-input.ts';
import type { HttpMetrics } from '../plugins/metrics.ts';
import { errorResponses, SECURITY, V1_ERRORS } from '../schemas/common.ts';
import {
  CancelAccepted,
  CreateJobBody,
  IdempotencyHeaders,
  JobCreated,
  JobIdParams,
  JobListSchema,
  JobViewQuery,
  JobViewSchema,
  ListJobsQuery,
  POD_PAGE_DEFAULT,
  PodPageQuery,
  PodPageSchema,
  SubmitOk,
  SubmitQuery,
} from '../schemas/jobs.ts';
import { dryRun } from '../dry-run.ts';
import { checkFootprint, jobLink, submit } from '../submit.ts';

const DEFAULT_LIMIT = 50;

export const jobRoutes: FastifyPluginAsyncTypebox<{ deps: RouteDeps; metrics: HttpMetrics }> = async (app, { deps, metrics }) => {
  app.post(
    '/jobs',
    {
      schema: {
        summary: 'Submit a job: run the post-restore exec hooks of some pods',
        description:
          'Give `pods` (explicit pods) or `selector` (pods listed when the job starts), not both. `hooks` is a Velero Restore\'s `spec.hooks`; ' +
          'hooks in `post.hook.restore.velero.io/*` annotations on a pod take precedence, as in Velero. Init hooks are rejected. ' +
          'With `dryRun=true`: 200 with what the job would run, read from the live pods (a selector is listed now), with the same checks, warnings and 4xx; nothing is queued, stored or executed.',
        tags: ['jobs'],
        security: SECURITY,
        headers: IdempotencyHeaders,
        querystring: SubmitQuery,
        body: CreateJobBody,
        response: { 200: SubmitOk, 202: JobCreated, ...errorResponses(
          ...V1_ERRORS,
          'HOOKD_REQUEST_INVALID',
          'HOOKD_REQUEST_MALFORMED_JSON',
          'HOOKD_JOB_SOURCE_INVALID',
          'HOOKD_JOB_POD_DUPLICATE',
          'HOOKD_JOB_SELECTOR_INVALID',
          'HOOKD_HOOK_INVALID',
          'HOOKD_INIT_HOOKS_UNSUPPORTED',
          'HOOKD_LIMIT_PODS',
          'HOOKD_LIMIT_HOOKS',
          'HOOKD_LIMIT_COMMAND',
          'HOOKD_LIMIT_JOB_SIZE',
          'HOOKD_FORBIDDEN',
          'HOOKD_ORIGIN_FORBIDDEN',
          'HOOKD_IDEMPOTENCY_CONFLICT',
          'HOOKD_IDEMPOTENCY_IN_PROGRESS',
          'HOOKD_REQUEST_TOO_LARGE',
          'HOOKD_REQUEST_UNSUPPORTED_MEDIA_TYPE',
          'HOOKD_KUBE_ERROR',
          'HOOKD_KUBE_UNAVAILABLE',
          'HOOKD_QUEUE_UNAVAILABLE',
        ) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const source = jobSource(body, deps.limits);
      if (body.hooks) checkHooks(body.hooks, 'body.hooks', deps.limits, (m) => new E.HookInvalid(m));
      const caller = request.caller;
      // Nothing is queued unless the caller could run every exec itself.
      const refusal =
        deps.access.maySubmit(caller) ??
        (source.kind === 'pods'
          ? await asking(deps.access.mayExecPods(caller, source.pods))
          : source.namespaces.length > 0
            ? await asking(deps.access.mayListPods(caller, source.namespaces))
            : null);
      if (refusal !== null) throw denied(request, deps.audit, refusal, { request: { pods: body.pods ?? null, selector: body.selector ?? null, hooks: body.hooks ?? null } });
      if (request.query.dryRun === true) {
        const hooks = body.hooks ?? null;
        checkFootprint(deps, { source, hooks });
        const view = await dryRun(deps, { source, hooks, warnings: [], owner: ownerOf(caller) });
        request.log.info({ dryRun: true, pods: view.summary.pods, hooksTotal: view.summary.hooksTotal }, 'dry run answered');
        return reply.code(200).send(view);
      }
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
        description: 'With `view=summary`, the job without `pods`: one small read whatever the job\'s size. Page through a large job\'s pods with GET /v1/jobs/{id}/pods.',
        tags: ['jobs'],
        security: SECURITY,
        params: JobIdParams,
        querystring: JobViewQuery,
        response: { 200: JobViewSchema, ...errorResponses(...V1_ERRORS, 'HOOKD_REQUEST_INVALID', 'HOOKD_FORBIDDEN', 'HOOKD_JOB_NOT_FOUND') },
      },
    },
    async (request) => {
      const id = request.params.id;
      const head = await deps.store.getJobSummary(id);
      await checkJobAccess(request, deps.access, deps.audit, id, head?.owner, 'get');
      if (request.query.view === 'summary') {
        if (!head) throw new E.JobNotFound(id);
        return head;
      }
      const job = await deps.store.getJob(id);
      if (!job) throw new E.JobNotFound(id);
      return job;
    },
  );

  app.get(
    '/jobs/:id/pods',
    {
      schema: {
        summary: "A job's pods, a page at a time",
        description:
          `The job's pods and their hooks in the job's order, \`limit\` at a time (default ${POD_PAGE_DEFAULT}), optionally only those with one \`status\`. ` +
          'Pass `nextCursor` back as `cursor` for the next page, with the same `status`; it is `null` on the last page. ' +
          'Every pod comes exactly once across the pages, also while the job runs (a status filter reads statuses as they are when each page is read).',
        tags: ['jobs'],
        security: SECURITY,
        params: JobIdParams,
        querystring: PodPageQuery,
        response: { 200: PodPageSchema, ...errorResponses(...V1_ERRORS, 'HOOKD_REQUEST_INVALID', 'HOOKD_CURSOR_INVALID', 'HOOKD_FORBIDDEN', 'HOOKD_JOB_NOT_FOUND') },
      },
    },
    async (request) => {
      const id = request.params.id;
      const q = request.query;
      // Access first: a cursor of another caller's job must not tell that the job exists.
      await checkJobAccess(request, deps.access, deps.audit, id, (await deps.store.getJobSummary(id))?.owner, 'get');
      let page;
      try {
        page = await deps.store.getPods(id, {
          limit: q.limit ?? POD_PAGE_DEFAULT,
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
        });
      } catch (err) {
        if (err instanceof CursorInvalidError) throw new E.CursorInvalid(err.message);
        throw err;
      }
      if (!page) throw new E.JobNotFound(id);
      return page;
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
        response: { 200: JobListSchema, ...errorResponses(...V1_ERRORS, 'HOOKD_REQUEST_INVALID', 'HOOKD_CURSOR_INVALID') },
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
        description:
          'Hooks not yet started are skipped; a running exec is allowed to finish or time out. A job cancelled before whose exec still runs answers 202 again and nothing changes; an ended job is not changed (409).',
        tags: ['jobs'],
        security: SECURITY,
        params: JobIdParams,
        response: { 202: CancelAccepted, ...errorResponses(...V1_ERRORS, 'HOOKD_REQUEST_INVALID', 'HOOKD_FORBIDDEN', 'HOOKD_ORIGIN_FORBIDDEN', 'HOOKD_JOB_NOT_FOUND', 'HOOKD_JOB_ENDED') },
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
      if (result === 'already_cancelled') {
        // Not ended yet (an exec it let finish still runs): the same answer, and nothing changes.
        request.log.info({ jobId: id }, 'job already cancelled; its running exec is still finishing');
      } else {
        deps.audit.write({ event: 'job.cancelled', ...auditWho(request), jobId: id });
      }
      // Workers wake the pods that wait, so they skip their hooks now rather than at their
      // deadline; a repeated DELETE publishes again, in case the first publish was lost.
      await deps.notifier.publishStop(id).catch((err: unknown) => request.log.warn({ err: String(err) }, 'stop not published; workers see it on their next look'));
      return reply.code(202).send({ id, status: 'cancelled', links: { self: jobLink(id) } });
    },
  );
};
