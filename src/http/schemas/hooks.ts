// Velero's Restore `spec.hooks` (velero.io/v1 RestoreHooks), field for field, as a caller
// sends it in POST /v1/jobs. Unknown fields are rejected (a misspelt `waitTimout` must not
// be silently ignored, as Velero's decoder would). Values the JSON schema cannot judge
// (Go durations, selector syntax, globs) are checked by domain/hook-input.ts.

import { Type } from 'typebox';
import { DNS_LABEL } from './common.ts';

// Bounds on everything a caller controls. Names stop at Kubernetes' own limits (a longer one
// can name no object); lists and patterns stop well above any real Restore, so a request
// cannot make the API or the workers do unbounded work.
const MAX_PATTERN = 253;
const MAX_LIST = 1000;
const MAX_ARGS = 1024;

const GoDuration = Type.String({ maxLength: 64,  description: 'a Go duration, as time.ParseDuration accepts it: 30s, 2m, 1h30m', examples: ['30s'] });

export const LabelSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(Type.Unsafe<Record<string, string>>({ type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 63 } })),
    matchExpressions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ maxLength: 317 }),
            operator: Type.Unsafe<'In' | 'NotIn' | 'Exists' | 'DoesNotExist'>({ type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
            values: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: MAX_LIST })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
  },
  { additionalProperties: false, description: 'a Kubernetes label selector (metav1.LabelSelector)' },
);

export const ExecHookSchema = Type.Object(
  {
    container: Type.Optional(Type.String({ pattern: DNS_LABEL, maxLength: 63, description: 'a container name (a DNS label, at most 63 characters); default: the pod\'s first container' })),
    command: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_ARGS, description: 'the command and its arguments, run without a shell' }),
    onError: Type.Optional(Type.Unsafe<'Continue' | 'Fail'>({ type: 'string', enum: ['Continue', 'Fail'], description: 'default Continue' })),
    execTimeout: Type.Optional({ ...GoDuration, description: 'default 30s' } as typeof GoDuration),
    waitTimeout: Type.Optional({ ...GoDuration, description: 'how long to wait for the container; default: no limit of its own' } as typeof GoDuration),
    waitForReady: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'], description: 'wait for the container to be ready, not only running' })),
  },
  { additionalProperties: false },
);

export const PostHookSchema = Type.Object(
  {
    exec: Type.Optional(ExecHookSchema),
    init: Type.Optional(Type.Unsafe<unknown>({ description: 'init hooks are rejected with HOOKD_INIT_HOOKS_UNSUPPORTED: Velero injects them before a pod starts' })),
  },
  { additionalProperties: false },
);

export const ResourceHookSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253 }),
    includedNamespaces: Type.Optional(
      Type.Array(Type.String({ maxLength: MAX_PATTERN }), { maxItems: MAX_LIST, description: 'glob patterns; empty or "*": every namespace' }),
    ),
    excludedNamespaces: Type.Optional(Type.Array(Type.String({ maxLength: MAX_PATTERN }), { maxItems: MAX_LIST })),
    includedResources: Type.Optional(Type.Array(Type.String({ maxLength: MAX_PATTERN }), { maxItems: 100, description: 'accepted and not used: Velero applies restore hooks to pods whatever the resource lists say' })),
    excludedResources: Type.Optional(Type.Array(Type.String({ maxLength: MAX_PATTERN }), { maxItems: 100, description: 'accepted and not used, as includedResources' })),
    labelSelector: Type.Optional(Type.Unsafe<Record<string, unknown> | null>({ ...LabelSelectorSchema, type: ['object', 'null'] })),
    postHooks: Type.Optional(Type.Array(PostHookSchema, { maxItems: MAX_LIST })),
  },
  { additionalProperties: false },
);

export const RestoreHooksSchema = Type.Object(
  { resources: Type.Optional(Type.Array(ResourceHookSpecSchema)) },
  { additionalProperties: false, description: "a Velero Restore's spec.hooks; only postHooks[].exec is run" },
);

// A Velero Restore's spec.hooks as hookd reads it from the cluster, where the Restore CRD's
// schema, not hookd's, admitted it: the JSON types are checked here (with hookd's bounds),
// and domain/restore-hooks.ts reads the values as Velero does. Lists the CRD marks nullable
// may be null; a container is any string (one the pod lacks is skipped, as Velero discards
// it); a name may be empty; an onError outside the enum, or a field Velero does not know,
// is left to the reading, which warns.
const NullableList = (maxItems: number) =>
  Type.Optional(Type.Unsafe<readonly string[] | null>({ type: ['array', 'null'], items: { type: 'string', maxLength: MAX_PATTERN }, maxItems }));

export const RestoreSpecHooksSchema = Type.Object({
  resources: Type.Optional(
    Type.Unsafe<unknown[] | null>({
      type: ['array', 'null'],
      items: Type.Object({
        name: Type.String({ maxLength: 253 }),
        includedNamespaces: NullableList(MAX_LIST),
        excludedNamespaces: NullableList(MAX_LIST),
        includedResources: NullableList(100),
        excludedResources: NullableList(100),
        labelSelector: Type.Optional(Type.Unsafe<Record<string, unknown> | null>({ ...LabelSelectorSchema, type: ['object', 'null'] })),
        postHooks: Type.Optional(
          Type.Unsafe<unknown[] | null>({
            type: ['array', 'null'],
            maxItems: MAX_LIST,
            items: Type.Object({
              exec: Type.Optional(
                Type.Unsafe<Record<string, unknown> | null>({
                  ...Type.Object({
                    container: Type.Optional(Type.String({ maxLength: 253 })),
                    command: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_ARGS }),
                    onError: Type.Optional(Type.String({ maxLength: 64 })),
                    execTimeout: Type.Optional(GoDuration),
                    waitTimeout: Type.Optional(GoDuration),
                    waitForReady: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] })),
                  }),
                  type: ['object', 'null'],
                }),
              ),
            }),
          }),
        ),
      }),
    }),
  ),
});
