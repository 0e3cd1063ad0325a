// Runs hookd in-process against a simulated cluster and the shared Redis, under a key
// prefix of its own, and collects its log lines so tests can check them.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.ts';
import { logSink, type LogSink } from './log-sink.ts';
import { removePrefix, TEST_REDIS_URL, testPrefix } from './redis.ts';

export { logSink, type LogSink };

export interface TestHookd {
  readonly url: string;
  readonly prefix: string;
  readonly config: Config;
  readonly runtime: Runtime;
  readonly logs: LogSink;
  /** The audit stream's lines so far (HOOKD_AUDIT_LOG, a temporary file unless the env names one). */
  audit(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startHookd(opts: {
  kubeconfig: string;
  env?: Record<string, string>;
  prefix?: string;
  removeKeys?: boolean;
  runtime?: Pick<RuntimeOptions, 'reviewCache'>;
}): Promise<TestHookd> {
  const prefix = opts.prefix ?? testPrefix();
  const auditDir = mkdtempSync(join(tmpdir(), 'hookd-audit-'));
  const auditPath = opts.env?.['HOOKD_AUDIT_LOG'] ?? join(auditDir, 'audit.log');
  // The shared Redis, unless the test names Sentinel or Cluster (exactly one way is allowed).
  const elsewhere = opts.env?.['REDIS_SENTINELS'] !== undefined || opts.env?.['REDIS_CLUSTER_NODES'] !== undefined;
  const config = loadConfig({
    ...(elsewhere ? {} : { REDIS_URL: TEST_REDIS_URL }),
    HOOKD_REDIS_EMBEDDED: 'never',
    HOOKD_REDIS_PREFIX: prefix,
    HOOKD_PORT: '0',
    HOOKD_LOG_LEVEL: 'debug',
    HOOKD_SHUTDOWN_TIMEOUT: '5s',
    // Tests poll fast from one address; the limiter itself is tested in test/http/client-limits.test.ts.
    HOOKD_RATE_LIMIT: '1000000',
    HOOKD_AUDIT_LOG: auditPath,
    ...opts.env,
  });
  const logs = logSink();
  const log = createLogger(config.logLevel, logs.stream);
  const runtime = await startRuntime(config, log, new Registry(), { kubeconfigText: opts.kubeconfig, seedDemo: false, ...opts.runtime });
  let stopped = false;
  return {
    url: runtime.url ?? '',
    prefix,
    config,
    runtime,
    logs,
    audit() {
      if (!existsSync(auditPath)) return [];
      return readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await runtime.stop();
      rmSync(auditDir, { recursive: true, force: true });
      if (opts.removeKeys ?? true) await removePrefix(prefix);
    },
  };
}

/** JSON request against a running hookd. */
export async function api<T = unknown>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T, headers: res.headers };
}

/** Polls GET /v1/jobs/{id} until the job has ended (bounded), returning the final view. */
export async function waitForJobEnd<T extends { status: string }>(base: string, id: string, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<T>(base, 'GET', `/v1/jobs/${id}`, undefined, headers);
    if (['completed', 'partially_failed', 'failed', 'cancelled'].includes(body.status) && (body as { finishedAt?: string | null }).finishedAt) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} did not end within ${timeoutMs} ms: ${JSON.stringify(body).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
