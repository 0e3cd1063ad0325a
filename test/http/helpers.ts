// buildApp on the real Redis store and notifier, with fakes of hookd's own ports
// (the producer and the Restore reader) that record what they are asked.

import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { PodRef, PodView, RestoreHooks } from '../../src/domain/types.ts';
import type { JobSpec } from '../../src/domain/views.ts';
import type { AuditLog } from '../../src/auth/audit.ts';
import type { AccessPolicy } from '../../src/auth/policy.ts';
import { buildApp } from '../../src/http/app.ts';
import type { AppDeps, AppLimits, HealthCheck } from '../../src/http/deps.ts';
import { DEFAULT_LIMITS } from '../../src/http/inert-deps.ts';
import { newJobId } from '../../src/ids.ts';
import { createNotifier, type Notifier } from '../../src/store/notifier.ts';
import { createRateLimiter } from '../../src/store/rate-limit.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { JobStore } from '../../src/store/types.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix, testSealer } from '../helpers/redis.ts';

export interface FakeProducer {
  readonly enqueued: JobSpec[];
  fail: Error | null;
  enqueue(spec: JobSpec): Promise<void>;
}

export interface FakeRestores {
  readonly restores: Map<string, { hooks: RestoreHooks | null }>;
  /** namespace/name -> an error with this code. */
  readonly errors: Map<string, string>;
  read(namespace: string, name: string): Promise<{ hooks: RestoreHooks | null }>;
}

/** Live pods for dry runs: set `pods` (namespace/name -> view); `errors` makes a read fail with that code. */
export interface FakePods {
  readonly pods: Map<string, PodView>;
  readonly errors: Map<string, string>;
  readonly reads: string[];
  list(namespace: string, labelSelector: string): Promise<PodView[]>;
  listAll(labelSelector: string): Promise<PodView[]>;
  get(ref: PodRef): Promise<PodView | null>;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: JobStore;
  readonly notifier: Notifier;
  readonly producer: FakeProducer;
  readonly restores: FakeRestores;
  readonly pods: FakePods;
  readonly health: { redis: HealthCheck; kube: HealthCheck };
  readonly metrics: Registry;
  readonly logs: string[];
  readonly prefix: string;
  readonly redis: Redis;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly limits?: Partial<AppLimits>;
  readonly tokens?: readonly string[];
  readonly allowedHosts?: readonly string[];
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number };
  readonly docsPersistToken?: boolean;
  readonly sseHeartbeatMs?: number;
  readonly sseWriteStallMs?: number;
  readonly store?: (redis: Redis, prefix: string) => JobStore;
  readonly access?: AccessPolicy;
  readonly ownerRights?: AppDeps['ownerRights'];
  readonly audit?: AuditLog;
  /** Default info. */
  readonly logLevel?: string;
}

/** A fresh app under its own Redis prefix; `close()` closes it and removes its keys. */
export async function testApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  const subscriber = new Redis(TEST_REDIS_URL);
  const store = opts.store ? opts.store(redis, prefix) : createRedisStore({ redis, prefix, retentionMs: 60_000, sealer: testSealer() });
  const notifier = createNotifier({ subscriber, publisher: redis, prefix });
  await notifier.ready;
  const producer: FakeProducer = {
    enqueued: [],
    fail: null,
    async enqueue(spec) {
      if (this.fail) throw this.fail;
      this.enqueued.push(spec);
    },
  };
  const restores: FakeRestores = {
    restores: new Map(),
    errors: new Map(),
    async read(namespace, name) {
      const code = this.errors.get(`${namespace}/${name}`);
      if (code) throw Object.assign(new Error(`${code}: restores.velero.io "${name}"`), { code });
      const r = this.restores.get(`${namespace}/${name}`);
      if (!r) throw Object.assign(new Error(`restores.velero.io "${name}" not found`), { code: 'KUBE_NOT_FOUND' });
      return r;
    },
  };
  const fail = (pods: FakePods, what: string): void => {
    const code = pods.errors.get(what);
    if (code) throw Object.assign(new Error(`${code}: ${what}`), { code });
  };
  // Label selectors of the form key=value only: enough for the tests that use them.
  const matches = (p: PodView, sel: string): boolean => sel.split(',').filter((t) => t !== '').every((t) => p.labels[t.split('=')[0] ?? ''] === t.split('=')[1]);
  const sorted = (ps: PodView[]) => ps.sort((x, y) => `${x.namespace}/${x.name}`.localeCompare(`${y.namespace}/${y.name}`));
  const pods: FakePods = {
    pods: new Map(),
    errors: new Map(),
    reads: [],
    async list(namespace, labelSelector) {
      this.reads.push(`list ${namespace}`);
      fail(this, `list ${namespace}`);
      return sorted([...this.pods.values()].filter((p) => p.namespace === namespace && matches(p, labelSelector)));
    },
    async listAll(labelSelector) {
      this.reads.push('list *');
      fail(this, 'list *');
      return sorted([...this.pods.values()].filter((p) => matches(p, labelSelector)));
    },
    async get(ref) {
      this.reads.push(`get ${ref.namespace}/${ref.name}`);
      fail(this, `get ${ref.namespace}/${ref.name}`);
      return this.pods.get(`${ref.namespace}/${ref.name}`) ?? null;
    },
  };
  const health = { redis: { ok: true } as HealthCheck, kube: { ok: true } as HealthCheck };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const metrics = new Registry();
  const deps: AppDeps = {
    store,
    notifier,
    producer,
    restores,
    pods,
    ...(opts.ownerRights ? { ownerRights: opts.ownerRights } : {}),
    health: { redis: async () => health.redis, kube: async () => health.kube },
    metrics,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    allowedHosts: opts.allowedHosts ?? null,
    rateLimiter: opts.rateLimit ? createRateLimiter({ redis, prefix, ...opts.rateLimit }) : null,
    docsPersistToken: opts.docsPersistToken ?? false,
    auth: { tokens: opts.tokens ?? [] },
    log: pino({ level: opts.logLevel ?? 'info' }, sink),
    now: Date.now,
    newJobId: () => newJobId(),
    ...(opts.sseHeartbeatMs !== undefined ? { sseHeartbeatMs: opts.sseHeartbeatMs } : {}),
    ...(opts.sseWriteStallMs !== undefined ? { sseWriteStallMs: opts.sseWriteStallMs } : {}),
    ...(opts.access ? { access: opts.access } : {}),
    ...(opts.audit ? { audit: opts.audit } : {}),
  };
  const app = await buildApp(deps);
  const close = async (): Promise<void> => {
    await app.close();
    await notifier.close();
    await removePrefix(prefix);
    redis.disconnect();
    subscriber.disconnect();
  };
  return { app, store, notifier, producer, restores, pods, health, metrics, logs, prefix, redis, close };
}

export const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

export interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  /** The body as sent (JSON.parse it for the error shape). */
  readonly body: string;
}

/** One request written as is on a new connection (inject always sets Host and well-formed HTTP); the answer as read until the server closes or 3 s pass. */
export async function rawRequest(port: number, request: string): Promise<RawAnswer> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.write(request);
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString('utf8')));
  await Promise.race([once(s, 'close'), new Promise((r) => setTimeout(r, 3000))]);
  s.destroy();
  const end = text.indexOf('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), headers: text.slice(0, end), body: text.slice(end + 4) };
}
