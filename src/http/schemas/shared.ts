// The schemas shared once in the OpenAPI document, under their $id in components.schemas:
// Swagger UI lists them by name, and the routes refer to them with $ref (schemas/common.ts Ref).

import { ErrorBodySchema } from './common.ts';
import { DryRunDef, DryRunHookDef, DryRunPodDef } from './dry-run.ts';
import { HookViewDef, JobCreatedDef, JobListDef, JobSummaryDef, JobViewDef, PodPageDef, PodResultDef, SummaryDef } from './jobs.ts';

export const SHARED_SCHEMAS = [
  ErrorBodySchema,
  JobCreatedDef,
  SummaryDef,
  HookViewDef,
  PodResultDef,
  JobSummaryDef,
  JobViewDef,
  JobListDef,
  PodPageDef,
  DryRunHookDef,
  DryRunPodDef,
  DryRunDef,
] as const;
