// Builds the running service from a Config: Redis (or a private one for the quick start),
// the Kubernetes client (or the simulated cluster when none is configured), the results
// store, and the roles. Also used by the tests and the benchmark to run hookd in-process.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { ConfigError, type Config } from './config.ts';
import { createAuditLog } from './auth/audit.ts';
import type { KubeAuthorizerOptions } from './auth/kube-authorizer.ts';
import { createAccess } from './auth/setup.ts';
import { seedDemo, DEMO_NAMESPACE } from './demo.ts';
import { buildApp } from './http/app.ts';
import { newJobId } from './ids.ts';
import { createEventRecorder, type EventRecorder } from './kube/event-recorder.ts';
import { createExecutor } from './kube/exec.ts';
import { createKubeHealth } from './kube/health.ts';
import { loadKubeConfig, resolveKubeSource } from './kube/kubeconfig.ts';
import { createPodWatchHub } from './kube/pod-watch.ts';
import { createPodReader, createPodViewReader } from './kube/pods.ts';
import { startSimulatedCluster, type SimClusterHandle } from './kube/sim-cluster.ts';
import { createRestoreReader } from './kube/restores.ts';
import type { Logger } from './log.ts';
import { createProducer } from './queue/producer.ts';
import { registerQueueDepth } from './queue/queue-depth.ts';
import { createEventMetrics, createWorkerMetrics } from './queue/metrics.ts';
import { exposedGc } from './queue/idle-gc.ts';
import { startWorkers, type Workers } from './queue/worker.ts';
import { startEmbeddedRedis, redisAnswers } from './redis-embedded.ts';
import { describeRedisEndpoint, redactRedisUrl } from './redis-url.ts';
import { createOutageTracker } from './redis-outage.ts';
import { createRedis, redisReady } from './redis.ts';
import { createNotifier } from './store/notifier.ts';
import { createParkedPods } from './store/parked-pods.ts';
import { startWorkerHttp } from './worker-http.ts';
import { createRateLimiter } from './store/rate-limit.ts';
import { SENTINEL_REPLICA_ACKS } from './store/replica-acks.ts';
import { createRedisStore } from './store/redis-store.ts';
import { createSealer } from './store/sealed-json.ts';
import { startWorkerLiveness } from './store/worker-liveness.ts';
import { specKeyFrom } from './spec-key.ts';

export interface Runtime {
  /** The API's address, when this process serves it. */
  readonly url: string | null;
  readonly app: FastifyInstance | null;
  readonly sim: SimClusterHandle | null;
  readonly kubeServer: string;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Use this kubeconfig text instead of resolving HOOKD_KUBE (tests, benchmark). */
  readonly kubeconfigText?: string;
  /** Seed the demo namespace on the simulated cluster (default true). */
  readonly seedDemo?: boolean;
  /** Review cache lifetimes (tests shorten them; the contract bounds them at 60 s and 10 s). */
  readonly reviewCache?: KubeAuthorizerOptions;
}

export async function startRuntime(config: Config, log: Logger, metrics: Registry, opts: RuntimeOptions = {}): Promise<Runtime> {
  const stops: Array<{ what: string; stop: () => Promise<unknown> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const { what, stop } of stops.reverse()) {
      await stop().catch((err: unknown) => log.warn({ what, err: err instanceof Error ? err.message : String(err) }, 'error while stopping'));
    }
    stops.length = 0;
  };
  try {
    return await start(config, log, metrics, opts, stops, stopAll);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function start(
  config: Config,
  log: Logger,
  metrics: Registry,
  opts: RuntimeOptions,
  stops: Array<{ what: string; stop: () => Promise<unknown> }>,
  stopAll: () => Promise<void>,
): Promise<Runtime> {
  // Redis: the configured one, or, for a REDIS_URL where none answers, a private one when
  // redis-server is installed (the quick start). Sentinel and Cluster name real servers:
  // they are never replaced.
  const tlsCa = config.redisTlsCaFile === '' ? {} : { tlsCa: readFileSync(config.redisTlsCaFile, 'utf8') };
  let endpoint = config.redis;
  if (endpoint.kind === 'url' && !(await redisAnswers({ url: endpoint.url, ...tlsCa }))) {
    const shown = redactRedisUrl(endpoint.url);
    // A TLS URL names a real server: a private one in its place would hide the failure.
    if (config.redisEmbedded === 'never' || endpoint.url.startsWith('rediss://')) throw new Error(`no Redis answers at ${shown}`);
    log.warn({ redisUrl: shown }, 'no Redis answers; starting a private redis-server for this process');
    const embedded = await startEmbeddedRedis(config.redisDataDir).catch((err: unknown) => {
      throw new Error(`no Redis answers at ${shown}, and a private one could not be started: ${err instanceof Error ? err.message : String(err)}`);
    });
    stops.push({ what: 'private redis-server', stop: () => embedded.stop() });
    endpoint = { kind: 'url', url: embedded.url };
    log.info({ redisUrl: redactRedisUrl(embedded.url), dataDir: config.redisDataDir }, 'private redis-server started');
  }
  const target = { endpoint, ...tlsCa };
  const command = createRedis(target, 'command');
  const blocking = createRedis(target, 'blocking');
  const subscriber = createRedis(target, 'blocking');
  const durable = createRedis(target, 'durable');
  const outage = createOutageTracker(log);
  for (const [name, c] of [['command', command], ['blocking', blocking], ['subscriber', subscriber], ['durable', durable]] as const) outage.watch(c, name);
  // QUIT waits for Redis (and forever on the durable connection while it is away): give it 2 s.
  const close = async (c: typeof command): Promise<void> => {
    await Promise.race([c.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    c.disconnect();
  };
  stops.push({ what: 'redis', stop: async () => Promise.all([command, blocking, subscriber, durable].map(close)) });
  const shownRedis = describeRedisEndpoint(endpoint);
  // Sentinel and Cluster are not probed first: their connections' own errors say what failed.
  await Promise.all([command, blocking, subscriber, durable].map((c) => redisReady(c, endpoint.kind === 'url' ? 5000 : 10_000))).catch((err: unknown) => {
    throw new Error(`Redis (${shownRedis}) did not answer: ${err instanceof Error ? err.message : String(err)}`);
  });
  log.info({ redis: shownRedis, kind: endpoint.kind, tls: endpoint.kind === 'url' ? endpoint.url.startsWith('rediss://') : config.redisTlsCaFile !== '' }, 'connected to Redis');

  // Kubernetes: the configured cluster, or the simulated one when none is configured.
  let sim: SimClusterHandle | null = null;
  let kc: KubeConfig;
  let server: string;
  if (opts.kubeconfigText !== undefined) {
    ({ kc, server } = loadKubeConfig({ kind: 'kubeconfig-text', text: opts.kubeconfigText }));
  } else {
    const source = resolveKubeSource(config.kube, process.env);
    if (source.kind === 'sim') {
      sim = await startSimulatedCluster({ port: 0, kubeconfigPath: config.simKubeconfigPath, execConfinement: config.simConfine });
      const started = sim;
      stops.push({ what: 'simulated cluster', stop: () => started.stop() });
      ({ kc, server } = loadKubeConfig({ kind: 'kubeconfig-text', text: sim.kubeconfig }));
      log.info(
        { kube: 'sim', server, kubeconfigPath: sim.kubeconfigPath, try: `kubectl --kubeconfig ${sim.kubeconfigPath} get pods -A` },
        'no cluster configured: using the simulated cluster (exec runs real processes on this host)',
      );
      if (opts.seedDemo ?? true) {
        await seedDemo(kc);
        log.info({ namespace: DEMO_NAMESPACE }, 'demo namespace seeded on the simulated cluster');
      }
    } else {
      ({ kc, server } = loadKubeConfig(source));
      log.info({ kube: source.kind, server, ...(source.kind === 'kubeconfig' ? { kubeconfigPath: source.path } : {}) }, 'using Kubernetes cluster');
    }
  }

  const specKey = specKeyFrom(config.specKey, config.redisDataDir);
  if (specKey.source !== 'HOOKD_SPEC_KEY') log.info({ keyFile: specKey.source }, 'job specs are sealed with the key kept in the data folder; set HOOKD_SPEC_KEY for processes on several machines');
  const sealer = createSealer(specKey.key);
  const store = createRedisStore({ redis: command, prefix: config.prefix, retentionMs: config.retentionMs, sealer });
  // Workers record through the durable connection: their writes wait out an outage.
  // On Sentinel a replica confirms each hook write: the master's asynchronous replication
  // could otherwise lose, in a failover, a write it had acknowledged.
  const replicaAcks =
    endpoint.kind === 'sentinel'
      ? {
          acks: SENTINEL_REPLICA_ACKS,
          onUnconfirmed: (what: string, attempts: number): void =>
            log.warn({ write: what, attempts, pauseMs: SENTINEL_REPLICA_ACKS.pauseMs }, 'no replica confirmed a hook write: it stands on the master alone; confirmations pause'),
        }
      : undefined;
  const workerStore = createRedisStore({ redis: durable, prefix: config.prefix, retentionMs: config.retentionMs, sealer, ...(replicaAcks ? { replicaAcks } : {}) });
  // Who may do what (HOOKD_AUTH).
  const access = createAccess(config, kc, log, opts.reviewCache);
  stops.push({ what: 'access', stop: async () => access.close() });
  const audit = createAuditLog(config.auditLog);
  stops.push({ what: 'audit log', stop: () => audit.close() });

  const notifier = createNotifier({
    subscriber,
    publisher: command,
    prefix: config.prefix,
    parked: config.role === 'worker' || config.role === 'all',
    // Job events wake SSE streams, which only the API serves.
    jobEvents: config.role === 'api' || config.role === 'all',
  });
  stops.push({ what: 'notifier', stop: () => notifier.close() });
  const kubeHealth = createKubeHealth(kc);
  // Without authentication anyone who reaches the port runs commands wherever hookd's
  // credentials reach: allowed only against the simulated cluster, never a real one.
  if ((config.role === 'api' || config.role === 'all') && config.auth === 'none' && sim === null && !(await kubeHealth.isSimulated(AbortSignal.timeout(10_000)))) {
    throw new ConfigError([
      `HOOKD_AUTH: ${config.authDefaulted ? 'not set (so none)' : 'none'}, and the cluster at ${server} is a real one (or did not answer GET /version): hookd runs without authentication only on the simulated cluster; set HOOKD_AUTH=kubernetes, or HOOKD_AUTH=tokens with HOOKD_TOKENS_FILE (HOOKD_API_TOKENS is its deprecated form)`,
    ]);
  }

  const depth = registerQueueDepth(metrics, blocking, config.prefix, log);
  stops.push({ what: 'queue depth', stop: () => depth.close() });

  let workers: Workers | null = null;
  if (config.role === 'worker' || config.role === 'all') {
    const workerMetrics = createWorkerMetrics(metrics);
    const hub = createPodWatchHub({ kc, log });
    stops.push({ what: 'pod watches', stop: () => hub.stop() });
    const liveness = startWorkerLiveness(durable, config.prefix);
    stops.push({ what: 'worker heartbeat', stop: () => liveness.stop() });
    let events: EventRecorder | null = null;
    if (config.events) {
      // The worker's name as a cluster shows it: its host (a pod's name) and its id.
      const instance = `${hostname().slice(0, 100)}-${liveness.workerId}`;
      events = createEventRecorder({ kc, log, instance, burst: config.eventsBurst, perSecond: config.eventsPerSecond, metrics: createEventMetrics(metrics) });
      const recorder = events;
      // Stopped after the workers (stops run in reverse): their last Events still go out.
      stops.push({ what: 'hook events', stop: () => recorder.close() });
    }
    workers = startWorkers({
      idleGc: exposedGc(),
      claims: liveness,
      connection: blocking,
      prefix: config.prefix,
      store: workerStore,
      waiter: hub,
      parking: { store: createParkedPods(durable, config.prefix), watch: hub },
      readAhead: hub,
      executor: createExecutor({ kc, log, onRetry: () => workerMetrics.execRetried() }),
      pods: createPodReader(kc),
      notifier,
      log,
      podConcurrency: config.podConcurrency,
      execConcurrency: config.execConcurrency,
      maxWaitMs: config.maxWaitMs,
      maxOutputBytes: config.maxOutputBytes,
      maxPodsPerJob: config.maxPodsPerJob,
      sealer,
      jobBounds: { maxHookRuns: config.maxHookRunsPerJob, maxBytes: config.maxJobBytes },
      podAttempts: config.podAttempts,
      metrics: workerMetrics,
      ...(access.worker && config.auth !== 'none' ? { authorizer: access.worker } : {}),
      audit,
      ...(events ? { events } : {}),
    });
    const w = workers;
    stops.push({ what: 'workers', stop: () => w.stop(config.shutdownTimeoutMs) });
  }

  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (config.role === 'api' || config.role === 'all') {
    const producer = createProducer({ connection: blocking, prefix: config.prefix });
    stops.push({ what: 'producer', stop: () => producer.close() });
    const restores = createRestoreReader(kc);
    app = await buildApp(
      {
        store,
        notifier,
        producer,
        restores,
        pods: createPodViewReader(kc),
        // As the workers are given it: with HOOKD_AUTH=none every exec is allowed.
        ...(access.worker && config.auth !== 'none' ? { ownerRights: access.worker } : {}),
        health: {
          redis: async () => {
            try {
              return { ok: (await command.ping()) === 'PONG' };
            } catch (err) {
              return { ok: false, error: err instanceof Error ? err.message : String(err) };
            }
          },
          kube: async () => {
            const r = await kubeHealth.check(AbortSignal.timeout(3000));
            return r.ok ? { ok: true } : { ok: false, error: r.error ?? 'unreachable' };
          },
        },
        metrics,
        limits: {
          maxPodsPerJob: config.maxPodsPerJob,
          maxCommandBytes: config.maxCommandBytes,
          maxBodyBytes: config.maxBodyBytes,
          maxHookEntries: config.maxHookEntries,
          maxHookRunsPerJob: config.maxHookRunsPerJob,
          maxJobBytes: config.maxJobBytes,
          maxSseClients: config.maxSseClients,
          maxSsePerClient: config.maxSsePerClient,
          requestTimeoutMs: config.requestTimeoutMs,
          idleTimeoutMs: config.idleTimeoutMs,
        },
        allowedHosts: config.allowedHosts,
        rateLimiter: config.rateLimit > 0 ? createRateLimiter({ redis: command, prefix: config.prefix, limit: config.rateLimit, windowMs: config.rateLimitWindowMs }) : null,
        docsPersistToken: config.docsPersistToken,
        auth: { tokens: config.apiTokens },
        access: access.policy,
        audit,
        log,
        now: Date.now,
        newJobId: () => newJobId(),
      },
      { loggerInstance: log },
    );
    const started = app;
    // Stops accepting first; open SSE streams are closed by the app's own onClose.
    stops.push({ what: 'http', stop: () => started.close() });
    // Beyond this many open sockets, new ones are closed at once rather than queued.
    app.server.maxConnections = config.maxConnections;
    url = await app.listen({ host: config.host, port: config.port });
    log.info({ url, docs: `${url}/docs`, auth: config.auth }, 'hookd API listening');
  }

  if (config.role === 'worker') {
    const probe = await startWorkerHttp(config.host, config.port, metrics);
    stops.push({ what: 'worker http', stop: () => probe.close() });
    url = probe.url;
    log.info({ url }, 'worker serving /healthz and /metrics');
  }

  return { url, app, sim, kubeServer: server, stop: stopAll };
}
