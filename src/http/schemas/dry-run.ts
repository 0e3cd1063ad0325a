// The answer of POST /v1/jobs?dryRun=true and of the Velero route's dry run, field for
// field as domain/dry-run.ts builds it.

import { Type } from 'typebox';
import type { DryRunView } from '../../domain/dry-run.ts';
import { Nullable, Ref } from './common.ts';

export const DryRunQuery = {
  dryRun: Type.Optional(Type.Boolean({ description: 'true (spelled so): answer 200 with what the job would run, from the live pods; nothing is queued, stored or executed' })),
};

export const DryRunHookDef = Type.Object({
  name: Type.String({ description: '"<from-annotation>" or the spec entry\'s name' }),
  source: Type.Unsafe<'annotation' | 'spec'>({ type: 'string', enum: ['annotation', 'spec'] }),
  container: Type.String(),
  command: Type.Array(Type.String()),
  onError: Type.Unsafe<'Continue' | 'Fail'>({ type: 'string', enum: ['Continue', 'Fail'] }),
  // Go durations reach nanoseconds ("1.5ms", "1us"): a timeout is milliseconds with a fraction below one.
  execTimeoutMs: Type.Number({ description: 'milliseconds; a fraction where the duration has one below a millisecond ("1us" is 0.001)' }),
  waitTimeoutMs: Nullable(Type.Number(), { description: 'milliseconds, as execTimeoutMs; null: no wait limit of its own (HOOKD_MAX_WAIT still applies)' }),
  waitForReady: Type.Boolean(),
}, { $id: 'DryRunHook', description: 'A hook a job would execute, as its plan holds it' });

export const DryRunPodDef = Type.Object({
  namespace: Type.String(),
  name: Type.String(),
  status: Type.Unsafe<'planned' | 'not found' | 'forbidden'>({
    type: 'string',
    enum: ['planned', 'not found', 'forbidden'],
    description: 'not found: an explicit pod the cluster does not have (a job fails it); forbidden: the caller may not exec into it (a job skips its hooks; the warnings say why)',
  }),
  warnings: Type.Array(Type.String(), { description: 'findings about annotations and hooks, as a job would record them' }),
  hooks: Type.Array(Ref('DryRunHook'), { description: 'the hooks a job would execute, in order' }),
}, { $id: 'DryRunPod', description: 'A pod as a job would plan it now' });

export const DryRunDef = Type.Object(
  {
    dryRun: Type.Unsafe<true>({ type: 'boolean', const: true }),
    warnings: Type.Array(Type.String(), { description: "the job's warnings, and why it would fail if it would" }),
    pods: Type.Array(Ref('DryRunPod')),
    summary: Type.Object({ pods: Type.Integer(), hooksTotal: Type.Integer({ description: 'hooks a job would execute' }) }),
  },
  { $id: 'DryRun', description: 'What a job would run (dryRun=true): nothing was queued, stored or executed' },
);
export const DryRunSchema = Ref<DryRunView>('DryRun');
