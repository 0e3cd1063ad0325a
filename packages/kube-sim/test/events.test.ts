// Events in the sim: one object served as events.k8s.io/v1 and as core/v1, converted field
// by field; the API server's validation of each version; series updates by PATCH; the field
// selectors kubectl sends; watches; discovery; RBAC per API group; and the real kubectl's
// `get events` and `describe pod` reading what was written through events.k8s.io/v1.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CoreV1Api, EventsV1Api, KubeConfig, RbacAuthorizationV1Api, setHeaderOptions, Watch, type CoreV1Event, type EventsV1Event } from '@kubernetes/client-node';
import { kubectlEnv } from '../../../test/helpers/kubectl.ts';
import { startSim } from '../../../test/helpers/start-sim.ts';
import { apiError, rawRequest } from './support.ts';

const USER_TOKEN = 'events-user-token-0123456789';
const { sim, kc, kubeconfigPath } = await startSim({
  users: [{ token: USER_TOKEN, username: 'recorder' }],
  lifecycle: { scheduleMs: 5, startMs: 5, readyMs: 5 },
});
const core = kc.makeApiClient(CoreV1Api);
const events = kc.makeApiClient(EventsV1Api);
const k = kubectlEnv(kubeconfigPath);
after(() => k.dispose());

const NS = 'ev';
sim.createNamespace(NS);
const pod = sim.createPod(NS, { metadata: { name: 'db-0' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } }) as { metadata: { uid: string } };

/** MicroTime as the API server wants it: six digits of fraction. */
const micro = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function newEvent(name: string, fields: Record<string, unknown> = {}): EventsV1Event {
  return {
    metadata: { name, namespace: NS },
    eventTime: micro() as unknown as Date,
    type: 'Normal',
    reason: 'HookSucceeded',
    action: 'ExecHook',
    note: `hook h in container app: succeeded (${name})`,
    reportingController: 'hookd.io/hookd',
    reportingInstance: 'worker-1',
    regarding: { kind: 'Pod', apiVersion: 'v1', namespace: NS, name: 'db-0', uid: pod.metadata.uid },
    ...fields,
  } as EventsV1Event;
}

const mergePatch = setHeaderOptions('Content-Type', 'application/merge-patch+json');

describe('Events: one object, two API versions', () => {
  it('an Event created through events.k8s.io/v1 reads back through core/v1, converted', async () => {
    await events.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.aaa1') });
    const list = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=db-0,involvedObject.namespace=${NS},involvedObject.kind=Pod,involvedObject.uid=${pod.metadata.uid}` });
    const e = list.items.find((x) => x.metadata.name === 'db-0.aaa1');
    assert.ok(e, 'found by the field selector kubectl describe sends');
    assert.equal(e.message, 'hook h in container app: succeeded (db-0.aaa1)');
    assert.equal(e.involvedObject.name, 'db-0');
    assert.equal(e.involvedObject.uid, pod.metadata.uid);
    assert.equal(e.reason, 'HookSucceeded');
    assert.equal(e.type, 'Normal');
    assert.equal(e.reportingComponent, 'hookd.io/hookd');
    assert.equal(e.reportingInstance, 'worker-1');
    assert.equal(e.action, 'ExecHook');
    // Written through the new API: the deprecated core fields stay empty, as on a cluster.
    assert.equal(e.count, undefined);
    assert.equal(e.firstTimestamp ?? null, null);
    assert.deepEqual({ ...e.source }, {});
    const raw = await rawRequest(sim, 'GET', `/api/v1/namespaces/${NS}/events/db-0.aaa1`);
    const body = raw.json() as Record<string, unknown>;
    assert.equal(body['apiVersion'], 'v1');
    assert.equal(body['firstTimestamp'], null);
    assert.match(String(body['eventTime']), /\.\d{6}Z$/);
  });

  it('an Event created through core/v1 (count, timestamps, source) reads back through events.k8s.io/v1', async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    await core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'db-0.old1' },
        involvedObject: { kind: 'Pod', namespace: NS, name: 'db-0', uid: pod.metadata.uid },
        reason: 'Pulled',
        message: 'image pulled',
        type: 'Normal',
        count: 3,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'kubelet', host: 'node-1' },
      },
    });
    const e = await events.readNamespacedEvent({ namespace: NS, name: 'db-0.old1' });
    assert.equal(e.note, 'image pulled');
    assert.equal(e.regarding?.name, 'db-0');
    assert.equal(e.deprecatedCount, 3);
    assert.equal(e.deprecatedSource?.component, 'kubelet');
    assert.ok(e.deprecatedFirstTimestamp);
    // An old recorder bumps count and lastTimestamp with a core/v1 PATCH.
    await core.patchNamespacedEvent({ namespace: NS, name: 'db-0.old1', body: { count: 4 } }, mergePatch);
    assert.equal((await events.readNamespacedEvent({ namespace: NS, name: 'db-0.old1' })).deprecatedCount, 4);
    // core/v1 "source" selects on the component.
    const bySource = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'source=kubelet' });
    assert.deepEqual(bySource.items.map((x) => x.metadata.name), ['db-0.old1']);
  });

  it('events.k8s.io/v1 creates are strict: microsecond eventTime, required fields, no deprecated fields, a note of at most 1 kB', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['millis', { eventTime: new Date().toISOString() }, 'eventTime'],
      ['no-time', { eventTime: undefined }, 'eventTime'],
      ['no-controller', { reportingController: undefined }, 'reportingController'],
      ['no-instance', { reportingInstance: undefined }, 'reportingInstance'],
      ['no-action', { action: undefined }, 'action'],
      ['bad-type', { type: 'Error' }, 'type'],
      ['count', { deprecatedCount: 2 }, 'deprecatedCount'],
      ['long-note', { note: 'é'.repeat(513) }, 'note'],
      ['series-one', { series: { count: 1, lastObservedTime: micro() } }, 'series.count'],
    ];
    for (const [name, fields, field] of cases) {
      const r = await apiError(() => events.createNamespacedEvent({ namespace: NS, body: newEvent(`db-0.${name}`, fields) }));
      assert.equal(r.code, 422, name);
      assert.ok(r.body.details?.causes?.some((c) => c.field === field), `${name}: ${JSON.stringify(r.body.details?.causes)}`);
    }
    // Exactly 1024 bytes is allowed.
    await events.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.note1024', { note: 'é'.repeat(512) }) });
  });

  it('a series is updated by PATCH; what the Event is about is immutable through events.k8s.io/v1', async () => {
    await events.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.series') });
    const last = micro();
    const patched = await events.patchNamespacedEvent({ namespace: NS, name: 'db-0.series', body: { series: { count: 2, lastObservedTime: last } } }, mergePatch);
    assert.equal(patched.series?.count, 2);
    const asCore = await core.readNamespacedEvent({ namespace: NS, name: 'db-0.series' });
    assert.equal(asCore.series?.count, 2);
    const r = await apiError(() => events.patchNamespacedEvent({ namespace: NS, name: 'db-0.series', body: { reason: 'Other' } }, mergePatch));
    assert.equal(r.code, 422);
    assert.ok(r.body.details?.causes?.some((c) => c.field === 'reason'));
    const missing = await apiError(() => events.patchNamespacedEvent({ namespace: NS, name: 'db-0.nope', body: { series: { count: 2, lastObservedTime: last } } }, mergePatch));
    assert.equal(missing.code, 404);
  });

  it('field selectors: each version its own names, unknown ones rejected as the API server does', async () => {
    const v1 = await events.listNamespacedEvent({ namespace: NS, fieldSelector: 'regarding.name=db-0,reason=HookSucceeded,reportingController=hookd.io/hookd' });
    assert.ok(v1.items.length >= 2);
    assert.ok(v1.items.every((e) => e.reason === 'HookSucceeded'));
    const bad = await apiError(() => core.listNamespacedEvent({ namespace: NS, fieldSelector: 'regarding.name=db-0' }));
    assert.equal(bad.code, 400);
    assert.match(bad.body.message ?? '', /field label not supported: regarding.name/);
    const all = await core.listEventForAllNamespaces({ fieldSelector: 'type=Normal' });
    assert.ok(all.items.length >= 3);
  });

  it('a core/v1 watch with a field selector sees new Events in its version', async () => {
    const seen: CoreV1Event[] = [];
    let done: () => void = () => undefined;
    const arrived = new Promise<void>((r) => (done = r));
    const req = await new Watch(kc).watch(
      `/api/v1/namespaces/${NS}/events`,
      { fieldSelector: 'involvedObject.name=db-0,reason=HookFailed' },
      (type: string, obj: CoreV1Event) => {
        seen.push(obj);
        if (type === 'ADDED') done();
      },
      () => undefined,
    );
    await events.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.watched', { type: 'Warning', reason: 'HookFailed', note: 'exit code 3' }) });
    await arrived;
    req.abort();
    assert.equal(seen[0]?.apiVersion, 'v1');
    assert.equal(seen[0]?.message, 'exit code 3');
  });

  it('discovery lists events in /api/v1 and in /apis/events.k8s.io/v1', async () => {
    const coreList = (await rawRequest(sim, 'GET', '/api/v1')).json() as { resources: { name: string }[] };
    assert.ok(coreList.resources.some((r) => r.name === 'events'));
    const group = (await rawRequest(sim, 'GET', '/apis/events.k8s.io/v1')).json() as { groupVersion: string; resources: { name: string; verbs: string[] }[] };
    assert.equal(group.groupVersion, 'events.k8s.io/v1');
    assert.deepEqual(group.resources.find((r) => r.name === 'events')?.verbs.includes('patch'), true);
    const groups = (await rawRequest(sim, 'GET', '/apis')).json() as { groups: { name: string }[] };
    assert.ok(groups.groups.some((g) => g.name === 'events.k8s.io'));
  });

  it('RBAC: events.k8s.io and core events are granted separately', async () => {
    const user = new KubeConfig();
    user.loadFromString(sim.kubeconfig.replace(sim.token, USER_TOKEN));
    const asUser = user.makeApiClient(EventsV1Api);
    const denied = await apiError(() => asUser.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.rbac1') }));
    assert.equal(denied.code, 403);
    assert.match(denied.body.message ?? '', /User "recorder" cannot create resource "events" in API group "events.k8s.io" in the namespace "ev"/);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: NS,
      body: { metadata: { name: 'core-events' }, rules: [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: { metadata: { name: 'recorder' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'core-events' }, subjects: [{ kind: 'User', name: 'recorder', apiGroup: 'rbac.authorization.k8s.io' }] },
    });
    assert.equal((await apiError(() => asUser.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.rbac2') }))).code, 403, 'core events do not grant events.k8s.io');
    await rbac.createNamespacedRole({
      namespace: NS,
      body: { metadata: { name: 'new-events' }, rules: [{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: { metadata: { name: 'recorder-new' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'new-events' }, subjects: [{ kind: 'User', name: 'recorder', apiGroup: 'rbac.authorization.k8s.io' }] },
    });
    await asUser.createNamespacedEvent({ namespace: NS, body: newEvent('db-0.rbac3') });
    await asUser.patchNamespacedEvent({ namespace: NS, name: 'db-0.rbac3', body: { series: { count: 2, lastObservedTime: micro() } } }, mergePatch);
    assert.equal((await apiError(() => asUser.listNamespacedEvent({ namespace: NS }))).code, 403, 'create and patch only');
  });

  it('kubectl get events and kubectl describe pod show them', async () => {
    const get = await k.run(['get', 'events', '-n', NS, '--field-selector', 'reason=HookFailed']);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(get.stdout, /Warning\s+HookFailed\s+pod\/db-0\s+exit code 3/);
    const wide = await k.run(['get', 'events', '-n', NS, '-o', 'wide', '--field-selector', 'metadata.name=db-0.series']);
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(wide.stdout, /hookd\.io\/hookd, worker-1/);
    assert.match(wide.stdout, /\s2\s+db-0\.series/);
    const describe = await k.run(['describe', 'pod', '-n', NS, 'db-0']);
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(describe.stdout, /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    assert.match(describe.stdout, /Warning\s+HookFailed\s+\S+\s+hookd\.io\/hookd\s+exit code 3/);
    assert.match(describe.stdout, /Normal\s+HookSucceeded\s+\S+ \(x2 over \S+\)\s+hookd\.io\/hookd/);
    assert.match(describe.stdout, /Normal\s+Pulled\s+.*kubelet\s+image pulled/);
    const v1 = await k.run(['get', 'events.v1.events.k8s.io', '-n', NS, '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /db-0\.series/);
  });
});
