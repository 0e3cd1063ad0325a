// Request and response schemas of the /v1 job routes
// "Reading results"). The response schemas mirror domain/views.ts field for field.

import { Type, type Static } from 'typebox';
import type { DryRunView } from '../../domain/dry-run.ts';
import type { JobSummaryView, JobView, PodResultView } from '../../domain/views.ts';
import { Namespace, Nullable, ObjectName, Ref } from './common.ts';
import { DryRunQuery } from './dry-run.ts';
import { CREATE_JOB_EXAMPLES } from './examples.ts';
import { RestoreHooksSchema } from './hooks.ts';

const JOB_STATUSES = ['queued', 'running', 'completed', 'partially_failed', 'failed', 'cancelled'] as const;
const JobStatusSchema = Type.Unsafe<(typeof JOB_STATUSES)[number]>({ type: 'string', enum: [...JOB_STATUSES] });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Nullable(Time);

export const PodRefSchema = Type.Object({ namespace: Namespace, name: ObjectName }, { additionalProperties: false });

export const CreateJobBody = Type.Object(
  {
    restore: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'a free-form label that jobs can be listed by' })),
    pods: Type.Optional(Type.Array(PodRefSchema, { minItems: 1, description: 'explicit pods, in the order results are shown; give pods or selector' })),
    selector: Type.Optional(
      Type.Object(
        {
          namespaces: Type.Optional(Type.Array(Namespace, { maxItems: 10_000, description: 'omitted or empty: every namespace' })),
          labelSelector: Type.Optional(Type.String({ maxLength: 4096, description: 'a label selector as kubectl -l takes it' })),
        },
        { additionalProperties: false, description: 'pods listed when the job starts; give pods or selector' },
      ),
    ),
    hooks: Type.Optional(RestoreHooksSchema),
    failFast: Type.Optional(Type.Boolean({ description: 'default false: the first pod with a failed hook stops the job' })),
  },
  // Named examples become the media type's examples in the document (@fastify/swagger).
  { additionalProperties: false, 'x-examples': CREATE_JOB_EXAMPLES },
);
export type CreateJobBody = Static<typeof CreateJobBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'a repeated POST with the same key and body returns the first job' }),
  ),
});

export const JobCreatedDef = Type.Object(
  {
    id: Type.String(),
    status: JobStatusSchema,
    links: Type.Object({ self: Type.String({ description: 'GET it for the job view' }) }),
  },
  { $id: 'JobCreated', description: 'A job as POST answers it: its id, status and link' },
);
export const JobCreated = Ref<Static<typeof JobCreatedDef>>('JobCreated', 'Created and queued: the job, its status and its link (also in Location)');

export const JobIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const SummaryDef = Type.Object({
  pods: Type.Integer(),
  hooksTotal: Type.Integer(),
  hooksAttempted: Type.Integer({ description: 'hooks whose exec was started' }),
  hooksSucceeded: Type.Integer(),
  hooksFailed: Type.Integer({ description: 'includes expired and not-executed hooks' }),
  hooksPending: Type.Integer({ description: 'pending, waiting or running' }),
  hooksSkipped: Type.Integer(),
}, { $id: 'Summary', description: 'Counts over the job\'s hooks: hooksSucceeded + hooksFailed + hooksSkipped + hooksPending = hooksTotal' });

export const HookViewDef = Type.Object({
  index: Type.Integer({ description: "the hook's position in its pod's plan" }),
  name: Type.String(),
  source: Type.Unsafe<'annotation' | 'spec'>({ type: 'string', enum: ['annotation', 'spec'] }),
  container: Type.String(),
  command: Type.Array(Type.String()),
  onError: Type.Unsafe<'Continue' | 'Fail'>({ type: 'string', enum: ['Continue', 'Fail'] }),
  phase: Type.Unsafe<string>({ type: 'string', enum: ['pending', 'waiting', 'running', 'succeeded', 'failed', 'skipped'] }),
  exitCode: Nullable(Type.Integer()),
  stdout: Type.String(),
  stderr: Type.String(),
  outputTruncated: Type.Boolean(),
  error: Nullable(Type.String(), { description: 'why the hook failed or did not run, in words' }),
  startedAt: NullableTime,
  finishedAt: NullableTime,
  durationMs: Nullable(Type.Integer()),
}, { $id: 'HookView', description: 'One hook of a pod: what it runs, its phase and, once ended, its exit code, output and error' });

const POD_STATUSES = ['pending', 'waiting', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const PodStatusSchema = Type.Unsafe<(typeof POD_STATUSES)[number]>({ type: 'string', enum: [...POD_STATUSES] });

export const PodResultDef = Type.Object(
  {
    namespace: Type.String(),
    name: Type.String(),
    status: PodStatusSchema,
    error: Nullable(Type.String(), { description: 'why the pod could not be processed, e.g. "pod demo/x not found"' }),
    warnings: Type.Array(Type.String(), { description: 'findings about annotations and hooks, each naming the key and the value' }),
    hooks: Type.Array(Ref<Static<typeof HookViewDef>>('HookView'), { description: "in the order of the pod's plan" }),
  },
  { $id: 'PodResult', description: 'One pod of a job, with its hooks' },
);

const OwnerSchema = Type.Object(
  {
    name: Type.String({ description: 'the Kubernetes user name, or the token name' }),
    kind: Type.Unsafe<'user' | 'token'>({ type: 'string', enum: ['user', 'token'] }),
  },
  { description: 'who created the job; null when it was created without authentication (HOOKD_AUTH=none)' },
);

const jobSummaryFields = {
  id: Type.String(),
  owner: Nullable(OwnerSchema),
  restore: Nullable(Type.String()),
  status: JobStatusSchema,
  warnings: Type.Array(Type.String()),
  error: Nullable(Type.String(), { description: 'why the job could not be carried out (status failed)' }),
  failFast: Type.Boolean(),
  createdAt: Time,
  startedAt: NullableTime,
  finishedAt: NullableTime,
  summary: Ref<Static<typeof SummaryDef>>('Summary'),
};

export const JobSummaryDef = Type.Object(jobSummaryFields, { $id: 'JobSummary', description: 'A job without its pods, as GET /v1/jobs lists it' });
// `pods` is optional so that one schema serializes both views: a union would make the
// serializer check each 10,000-pod view against each branch.
export const JobViewDef = Type.Object(
  { ...jobSummaryFields, pods: Type.Optional(Type.Array(Ref<Static<typeof PodResultDef>>('PodResult'), { description: 'in the order given or listed; absent with ?view=summary' })) },
  { $id: 'JobView', description: 'A job, its pods and their hooks (without pods with ?view=summary)' },
);
// Typed as the domain's views (their arrays are readonly), which these schemas describe field for field.
export const JobViewSchema = Ref<JobView | JobSummaryView>('JobView', 'The job (without pods with ?view=summary)');

export const JobViewQuery = Type.Object(
  {
    view: Type.Optional(
      Type.Unsafe<'full' | 'summary'>({ type: 'string', enum: ['full', 'summary'], description: 'summary: the job without its pods, whatever its size (default full)' }),
    ),
  },
  { additionalProperties: false },
);

export const POD_PAGE_DEFAULT = 100;
export const POD_PAGE_MAX = 1000;

export const PodPageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: POD_PAGE_MAX, description: `pods per page, default ${POD_PAGE_DEFAULT}` })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'nextCursor of the previous page (same status filter)' })),
    status: Type.Optional({ ...PodStatusSchema, description: 'only the pods with this status' } as typeof PodStatusSchema),
  },
  { additionalProperties: false },
);

export const PodPageDef = Type.Object(
  {
    pods: Type.Array(Ref<PodResultView>('PodResult')),
    nextCursor: Nullable(Type.String(), { description: 'pass it as cursor for the next page; null on the last page' }),
  },
  { $id: 'PodPage', description: "A page of a job's pods, in the job's order" },
);
export const PodPageSchema = Ref<{ pods: readonly PodResultView[]; nextCursor: string | null }>('PodPage', "A page of the job's pods");

export const ListJobsQuery = Type.Object(
  {
    restore: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    status: Type.Optional(JobStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const JobListDef = Type.Object(
  {
    jobs: Type.Array(Ref<JobSummaryView>('JobSummary')),
    nextCursor: Nullable(Type.String(), { description: 'null on the last page' }),
  },
  { $id: 'JobList', description: 'Job summaries, newest first, without pods' },
);
export const JobListSchema = Ref<{ jobs: readonly JobSummaryView[]; nextCursor: string | null }>('JobList', 'Job summaries, newest first, without pods');

export const CancelAccepted = Ref<Static<typeof JobCreatedDef>>('JobCreated', 'Cancelled: hooks not yet started are skipped; a running exec finishes or times out');

export const EventsHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ maxLength: 64, description: 'resume after this event id' })),
});

export const VeleroParams = Type.Object({ namespace: Namespace, name: ObjectName });
export const VeleroQuery = Type.Object(
  { failFast: Type.Optional(Type.Boolean({ description: 'default false' })), ...DryRunQuery },
  { additionalProperties: false },
);

export const SubmitQuery = Type.Object({ ...DryRunQuery }, { additionalProperties: false });

/** 200 of the POST routes: a dry run's answer, or the job an Idempotency-Key created earlier. */
export const SubmitOk = Type.Unsafe<Static<typeof JobCreatedDef> | DryRunView>({
  anyOf: [Ref('JobCreated'), Ref('DryRun')],
  description: 'With dryRun=true: what the job would run (nothing was queued). Otherwise: the job created earlier with this Idempotency-Key',
});
