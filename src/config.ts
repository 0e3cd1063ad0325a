// The only reader of process.env. Every variable is parsed once at start against the
// table below; every mistake is reported (all of them, not just the first) with the
// variable, the value and what was expected, and the process does not start.

import { parseGoDuration } from './domain/duration.ts';

export const Roles = ['api', 'worker', 'all'] as const;
export type Role = (typeof Roles)[number];
export const KubeModes = ['auto', 'sim', 'kubeconfig', 'in-cluster'] as const;
export type KubeModeSetting = (typeof KubeModes)[number];
export const RedisEmbeddedModes = ['auto', 'never'] as const;
export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface Config {
  readonly role: Role;
  readonly host: string;
  readonly port: number;
  readonly redisUrl: string;
  /** Start a private redis-server when none answers at redisUrl (dev and demo only). */
  readonly redisEmbedded: (typeof RedisEmbeddedModes)[number];
  readonly redisDataDir: string;
  readonly prefix: string;
  readonly kube: KubeModeSetting;
  readonly simKubeconfigPath: string;
  readonly podConcurrency: number;
  readonly execConcurrency: number;
  readonly maxPodsPerJob: number;
  readonly maxBodyBytes: number;
  readonly maxCommandBytes: number;
  readonly maxHookEntries: number;
  readonly maxOutputBytes: number;
  readonly maxSseClients: number;
  readonly maxWaitMs: number;
  readonly retentionMs: number;
  readonly shutdownTimeoutMs: number;
  readonly podAttempts: number;
  readonly apiTokens: readonly string[];
  readonly logLevel: (typeof LogLevels)[number];
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable: its default when unset or empty, else the parsed value or a problem. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  string(name: string, def: string, check?: (v: string) => string | null): string {
    const v = this.raw(name) ?? def;
    const err = check?.(v) ?? null;
    if (err) this.problems.push(`${name}=${JSON.stringify(v)}: ${err}`);
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const v = this.raw(name);
    if (v === undefined) return def;
    const found = allowed.find((a) => a === v);
    if (found === undefined) this.problems.push(`${name}=${JSON.stringify(v)}: expected one of ${allowed.join(', ')}`);
    return found ?? def;
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    const n = /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
      return def;
    }
    return n;
  }

  /** A Go/Velero duration such as 30s, 2m, 168h. */
  duration(name: string, def: string, minMs: number): number {
    const v = this.raw(name) ?? def;
    const ms = parseGoDuration(v);
    if (ms === null || ms < minMs) {
      this.problems.push(`${name}=${JSON.stringify(v)}: expected a duration of at least ${minMs} ms in Go syntax (e.g. 30s, 2m, 1h30m)`);
      return parseGoDuration(def) ?? minMs;
    }
    return ms;
  }

  list(name: string): string[] {
    const v = this.raw(name);
    return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
}

function redisUrlProblem(v: string): string | null {
  try {
    const u = new URL(v);
    return u.protocol === 'redis:' || u.protocol === 'rediss:' ? null : 'expected a redis:// or rediss:// URL';
  } catch {
    return 'expected a redis:// or rediss:// URL';
  }
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const tokens = r.list('HOOKD_API_TOKENS');
  for (const t of tokens) {
    // Short tokens are guessable; say so without echoing the token itself.
    if (t.length < 16) r.problems.push('HOOKD_API_TOKENS: every token must be at least 16 characters');
  }
  const config: Config = {
    role: r.oneOf('HOOKD_ROLE', Roles, 'all'),
    host: r.string('HOOKD_HOST', '127.0.0.1'),
    port: r.int('HOOKD_PORT', 8080, 0, 65535),
    redisUrl: r.string('REDIS_URL', 'redis://127.0.0.1:6379', redisUrlProblem),
    redisEmbedded: r.oneOf('HOOKD_REDIS_EMBEDDED', RedisEmbeddedModes, 'auto'),
    redisDataDir: r.string('HOOKD_REDIS_DATA_DIR', '.hookd-data'),
    prefix: r.string('HOOKD_REDIS_PREFIX', 'hookd', (v) =>
      /^[A-Za-z0-9_{}.-]{1,64}$/.test(v) ? null : "expected 1-64 characters of letters, digits, '_', '-', '.', '{' or '}' (no ':')",
    ),
    kube: r.oneOf('HOOKD_KUBE', KubeModes, 'auto'),
    simKubeconfigPath: r.string('HOOKD_SIM_KUBECONFIG', 'hookd-sim.kubeconfig'),
    podConcurrency: r.int('HOOKD_POD_CONCURRENCY', 500, 1, 100_000),
    execConcurrency: r.int('HOOKD_EXEC_CONCURRENCY', 50, 1, 10_000),
    maxPodsPerJob: r.int('HOOKD_MAX_PODS_PER_JOB', 10_000, 1, 1_000_000),
    maxBodyBytes: r.int('HOOKD_MAX_BODY_BYTES', 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxCommandBytes: r.int('HOOKD_MAX_COMMAND_BYTES', 16 * 1024, 16, 1024 * 1024),
    maxHookEntries: r.int('HOOKD_MAX_HOOK_ENTRIES', 1000, 1, 100_000),
    maxOutputBytes: r.int('HOOKD_MAX_OUTPUT_BYTES', 64 * 1024, 0, 64 * 1024 * 1024),
    maxSseClients: r.int('HOOKD_MAX_SSE_CLIENTS', 1000, 1, 1_000_000),
    maxWaitMs: r.duration('HOOKD_MAX_WAIT', '1h', 1000),
    retentionMs: r.duration('HOOKD_RESULT_RETENTION', '168h', 1000),
    shutdownTimeoutMs: r.duration('HOOKD_SHUTDOWN_TIMEOUT', '45s', 100),
    podAttempts: r.int('HOOKD_POD_ATTEMPTS', 3, 1, 100),
    apiTokens: tokens,
    logLevel: r.oneOf('HOOKD_LOG_LEVEL', LogLevels, 'info'),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
