import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noHooksWarning } from '../../src/domain/no-hooks.ts';
import type { RestoreHooks } from '../../src/domain/types.ts';
import type { JobSource } from '../../src/domain/views.ts';

const selector = (namespaces: string[], labelSelector = 'app=cache'): JobSource => ({ kind: 'selector', namespaces, labelSelector });
const explicit: JobSource = { kind: 'pods', pods: [{ namespace: 'demo', name: 'a' }, { namespace: 'demo', name: 'b' }] };
const bare = { error: null, hooks: [] };
const hooked = { error: null, hooks: [{}] };
const missing = { error: 'pod demo/x not found', hooks: [] };
const specHooks: RestoreHooks = {
  resources: [{ name: 'r', includedNamespaces: ['other'], postHooks: [{ exec: { command: ['true'] } }, { exec: { command: ['true'] } }] }],
};

const ANN = 'no post.hook.restore.velero.io annotations on';

const cases: { name: string; source: JobSource; hooks: RestoreHooks | null; pods: { error: string | null; hooks: unknown[] }[]; want: string | null }[] = [
  { name: 'a pod with a hook: nothing to say', source: selector(['demo']), hooks: null, pods: [bare, hooked], want: null },
  { name: 'the selector matched nothing', source: selector(['demo', 'prod']), hooks: null, pods: [], want: 'the selector matched no pods (labelSelector app=cache in namespaces demo, prod), so no hook ran' },
  {
    name: 'no namespaces: every namespace the job may list',
    source: selector([], 'velero.io/restore-name=r'),
    hooks: null,
    pods: [],
    want: 'the selector matched no pods (labelSelector velero.io/restore-name=r in every namespace the job may list), so no hook ran',
  },
  {
    name: 'pods without annotations and no spec hooks',
    source: selector(['demo']),
    hooks: null,
    pods: [bare, bare],
    want: `the selector matched 2 pods (labelSelector app=cache in namespace demo), none has hooks: ${ANN} them, and no hooks in the job`,
  },
  {
    name: 'spec hooks that select none of them',
    source: selector(['demo']),
    hooks: specHooks,
    pods: [bare],
    want: `the selector matched 1 pod (labelSelector app=cache in namespace demo), it has no hooks: ${ANN} it, and none of the job's 2 exec post hooks selects it (includedNamespaces, labelSelector)`,
  },
  {
    name: 'some pods failed: the rest are counted',
    source: selector(['demo']),
    hooks: null,
    pods: [missing, bare, bare],
    want: `the selector matched 3 pods (labelSelector app=cache in namespace demo), none of the 2 processed without error has hooks: ${ANN} them, and no hooks in the job`,
  },
  { name: 'every pod failed: their errors say why', source: explicit, hooks: null, pods: [missing, missing], want: null },
  { name: 'explicit pods', source: explicit, hooks: { resources: [] }, pods: [bare, bare], want: `none of the 2 pods has hooks: ${ANN} them, and no hooks in the job` },
  { name: 'one explicit pod', source: explicit, hooks: null, pods: [bare], want: `the pod has no hooks: ${ANN} it, and no hooks in the job` },
];

for (const c of cases) test(`no-hooks warning: ${c.name}`, () => assert.equal(noHooksWarning(c.source, c.hooks, c.pods), c.want));
