// The only reader of process.env. The environment is checked once at start against a
// TypeBox schema (defaults, types, ranges); Go durations are then read with the domain's
// parser. Every mistake is reported (all of them, not just the first) with the variable,
// the value and what was expected, and the process does not start.

import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { readFileSync } from 'node:fs';
import { parseGoDuration } from './domain/duration.ts';
import { hashTagOf, parseHostPorts, type RedisEndpoint } from './redis-endpoint.ts';
import { redactRedisNodes, redactRedisUrl } from './redis-url.ts';

/** HOOKD_AUTH (src/auth/policy.ts has the rules of each). */
export const AuthModes = ['kubernetes', 'tokens', 'none'] as const;
export type AuthModeSetting = (typeof AuthModes)[number];

export const Roles = ['api', 'worker', 'all'] as const;
export type Role = (typeof Roles)[number];
export const KubeModes = ['auto', 'sim', 'kubeconfig', 'in-cluster'] as const;
export type KubeModeSetting = (typeof KubeModes)[number];
export const RedisEmbeddedModes = ['auto', 'never'] as const;
/** How the simulated cluster runs exec commands: host processes, or each confined by bubblewrap. */
export const SimConfineModes = ['none', 'bwrap'] as const;
export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const oneOf = <T extends readonly string[]>(values: T, def: T[number]) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: def, expected: `one of ${values.join(', ')}` },
  );
const int = (def: number, minimum: number, maximum: number) =>
  Type.Integer({ default: def, minimum, maximum, expected: `a whole number from ${minimum} to ${maximum}` });
/** Durations that end up in a timer are capped at 24 h: Node fires a timer above 2^31-1 ms (24.8 days) at once. */
const TIMER_MAX_MS = 24 * 60 * 60 * 1000;
const duration = (def: string, minMs: number, maxMs = Number.POSITIVE_INFINITY) =>
  Type.String({
    default: def,
    minMs,
    maxMs,
    expected: `a duration of at least ${minMs} ms${Number.isFinite(maxMs) ? ` and at most ${maxMs / 3_600_000}h` : ''} in Go syntax (e.g. 30s, 2m, 1h30m)`,
  });

const EnvSchema = Type.Object({
  HOOKD_ROLE: oneOf(Roles, 'all'),
  HOOKD_HOST: Type.String({ default: '127.0.0.1', minLength: 1, expected: 'a host name or address' }),
  HOOKD_PORT: int(8080, 0, 65535),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379', pattern: '^rediss?://', expected: 'a redis:// or rediss:// URL' }),
  REDIS_SENTINELS: Type.String({ default: '', expected: 'comma-separated host:port of Redis Sentinels' }),
  REDIS_SENTINEL_NAME: Type.String({ default: '', expected: 'the master group name the sentinels monitor' }),
  REDIS_SENTINEL_PASSWORD: Type.String({ default: '', expected: "the sentinels' password" }),
  REDIS_CLUSTER_NODES: Type.String({ default: '', expected: 'comma-separated host:port of Redis Cluster nodes' }),
  REDIS_TLS_CA_FILE: Type.String({ default: '', expected: "a PEM file of the CA that signs the Redis servers' certificates" }),
  REDIS_USERNAME: Type.String({ default: '', expected: "Redis's ACL user (used when REDIS_URL has none)" }),
  REDIS_PASSWORD: Type.String({ default: '', expected: "Redis's password (used when REDIS_URL has none)" }),
  HOOKD_REDIS_EMBEDDED: oneOf(RedisEmbeddedModes, 'auto'),
  HOOKD_REDIS_DATA_DIR: Type.String({ default: '.hookd-data', minLength: 1, expected: 'a folder' }),
  HOOKD_REDIS_PREFIX: Type.String({
    default: 'hookd',
    pattern: '^[A-Za-z0-9_{}.-]{1,64}$',
    expected: "1-64 characters of letters, digits, '_', '-', '.', '{' or '}' (no ':')",
  }),
  HOOKD_KUBE: oneOf(KubeModes, 'auto'),
  HOOKD_SIM_KUBECONFIG: Type.String({ default: 'hookd-sim.kubeconfig', minLength: 1, expected: 'a file path' }),
  HOOKD_SIM_CONFINE: oneOf(SimConfineModes, 'none'),
  HOOKD_POD_CONCURRENCY: int(500, 1, 100_000),
  HOOKD_EXEC_CONCURRENCY: int(50, 1, 10_000),
  HOOKD_MAX_PODS_PER_JOB: int(10_000, 1, 1_000_000),
  HOOKD_MAX_BODY_BYTES: int(4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  HOOKD_MAX_COMMAND_BYTES: int(16 * 1024, 16, 1024 * 1024),
  HOOKD_MAX_HOOK_ENTRIES: int(1000, 1, 100_000),
  HOOKD_MAX_HOOK_RUNS_PER_JOB: int(100_000, 1, 100_000_000),
  HOOKD_MAX_JOB_BYTES: int(64 * 1024 * 1024, 64 * 1024, 4 * 1024 * 1024 * 1024),
  HOOKD_MAX_OUTPUT_BYTES: int(64 * 1024, 0, 64 * 1024 * 1024),
  HOOKD_MAX_SSE_CLIENTS: int(1000, 1, 1_000_000),
  HOOKD_MAX_SSE_PER_CLIENT: int(20, 1, 1_000_000),
  HOOKD_MAX_CONNECTIONS: int(2000, 1, 1_000_000),
  HOOKD_REQUEST_TIMEOUT: duration('30s', 1000, TIMER_MAX_MS),
  HOOKD_IDLE_TIMEOUT: duration('75s', 5000, TIMER_MAX_MS),
  HOOKD_RATE_LIMIT: int(1200, 0, 100_000_000),
  HOOKD_RATE_LIMIT_WINDOW: duration('1m', 1000, TIMER_MAX_MS),
  HOOKD_MAX_WAIT: duration('1h', 1000, TIMER_MAX_MS),
  HOOKD_RESULT_RETENTION: duration('168h', 1000),
  HOOKD_SHUTDOWN_TIMEOUT: duration('45s', 100, TIMER_MAX_MS),
  HOOKD_POD_ATTEMPTS: int(3, 1, 100),
  HOOKD_SPEC_KEY: Type.String({ default: '', expected: 'a secret of at least 32 characters, the same for every hookd process of one installation' }),
  HOOKD_DOCS_PERSIST_TOKEN: Type.Boolean({ default: false, expected: 'true or false' }),
  HOOKD_EVENTS: Type.Boolean({ default: true, expected: 'true or false' }),
  HOOKD_EVENTS_BURST: int(100, 1, 1_000_000),
  HOOKD_EVENTS_QPS: int(10, 1, 1_000_000),
  HOOKD_ALLOWED_HOSTS: Type.String({ default: '', expected: "comma-separated host names, or '*' for any" }),
  HOOKD_API_TOKENS: Type.String({ default: '', expected: 'comma-separated bearer tokens' }),
  HOOKD_AUTH: Type.Union([Type.Literal(''), ...AuthModes.map((m) => Type.Literal(m))], { default: '', expected: `one of ${AuthModes.join(', ')}` }),
  HOOKD_TOKENS_FILE: Type.String({ default: '', expected: 'a file path' }),
  HOOKD_AUDIT_LOG: Type.String({ default: '', expected: 'a file path' }),
  HOOKD_LOG_LEVEL: oneOf(LogLevels, 'info'),
});
type Env = Static<typeof EnvSchema>;

export interface Config {
  readonly role: Role;
  readonly host: string;
  readonly port: number;
  /** Exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES (credentials folded in). */
  readonly redis: RedisEndpoint;
  /** PEM CA file for rediss://, and the switch to TLS for Sentinel and Cluster; '' for none. */
  readonly redisTlsCaFile: string;
  /** Start a private redis-server when none answers at a REDIS_URL (dev and demo only). */
  readonly redisEmbedded: (typeof RedisEmbeddedModes)[number];
  readonly redisDataDir: string;
  readonly prefix: string;
  readonly kube: KubeModeSetting;
  readonly simKubeconfigPath: string;
  readonly simConfine: (typeof SimConfineModes)[number];
  readonly podConcurrency: number;
  readonly execConcurrency: number;
  readonly maxPodsPerJob: number;
  readonly maxBodyBytes: number;
  readonly maxCommandBytes: number;
  readonly maxHookEntries: number;
  /** Pods x post hooks of one job. */
  readonly maxHookRunsPerJob: number;
  /** What one job's hook plans may take in Redis. */
  readonly maxJobBytes: number;
  readonly maxOutputBytes: number;
  readonly maxSseClients: number;
  readonly maxSsePerClient: number;
  /** Open connections per API process; beyond, new ones are closed at once. */
  readonly maxConnections: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Requests per client address per window, across API replicas; 0: no limit. */
  readonly rateLimit: number;
  readonly rateLimitWindowMs: number;
  readonly maxWaitMs: number;
  readonly retentionMs: number;
  readonly shutdownTimeoutMs: number;
  readonly podAttempts: number;
  /** Deprecated (HOOKD_API_TOKENS): tokens with every right, in tokens mode. */
  readonly apiTokens: readonly string[];
  /** The secret that seals job specs and plans; empty: one kept in the data folder. */
  readonly specKey: string;
  /** Swagger UI keeps its bearer token in localStorage. */
  readonly docsPersistToken: boolean;
  /** Workers record a Kubernetes Event for every hook that ends. */
  readonly events: boolean;
  /** Per job: Event writes allowed at once, then this many more per second. */
  readonly eventsBurst: number;
  readonly eventsPerSecond: number;
  readonly auth: AuthModeSetting;
  /** HOOKD_AUTH was not set: none is the default only where it is allowed (checked at start). */
  readonly authDefaulted: boolean;
  readonly tokensFile: string | null;
  /** null: audit lines go to standard error. */
  readonly auditLog: string | null;
  /** Host header names the API answers to; null: any. */
  readonly allowedHosts: readonly string[] | null;
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

type Properties = Record<string, TSchema & { expected?: string; minMs?: number; maxMs?: number }>;
const properties = EnvSchema.properties as unknown as Properties;

/** The schema's variables that are set and not blank, trimmed; an empty value means "use the default". */
function pickSet(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const set: Record<string, string> = {};
  for (const name of Object.keys(properties)) {
    const v = env[name]?.trim();
    if (v !== undefined && v !== '') set[name] = v;
  }
  return set;
}

/** Secrets that may be given as a file's content (NAME_FILE), as container platforms mount them. */
const FILE_VARIABLES = ['HOOKD_API_TOKENS', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_URL', 'HOOKD_SPEC_KEY'] as const;
/** Shown as *** in every message. */
const SECRET_VARIABLES = new Set(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'HOOKD_SPEC_KEY']);

/** env with each NAME_FILE read into NAME (without its trailing newline); a problem per unreadable or doubled one. */
function withFileVariables(env: Readonly<Record<string, string | undefined>>, problems: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`]?.trim();
    if (path === undefined || path === '') continue;
    if ((env[name] ?? '') !== '') {
      problems.push(`${name}_FILE and ${name} are both set: set one`);
      continue;
    }
    try {
      out[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${name}_FILE=${JSON.stringify(path)}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}

/** The URL with the user and the password put in when it has none of its own. */
function withRedisAuth(url: string, username: string, password: string): string {
  if (password === '' && username === '') return url;
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '' && username !== '') u.username = username;
    if (u.password === '' && password !== '') u.password = password;
    return u.toString();
  } catch {
    return url; // the schema has already said what is wrong with it
  }
}

const REDIS_WAYS = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;
/** Master group names as sentinel.conf takes them: one word. */
const SENTINEL_NAME = /^[^\s\x00-\x1f\x7f]{1,128}$/;

/**
 * The one way to reach Redis: exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES
 * may be set (REDIS_URL's default applies when none is). Settings of one way given with
 * another are refused rather than ignored, as are Cluster prefixes that are not hash tags.
 */
function redisEndpoint(value: Env, set: Readonly<Record<string, string>>, problems: string[]): RedisEndpoint {
  const ways = REDIS_WAYS.filter((n) => set[n] !== undefined);
  if (ways.length > 1) {
    problems.push(`${ways.join(' and ')}: set only one: REDIS_URL (one server), REDIS_SENTINELS (a master found through Sentinel) or REDIS_CLUSTER_NODES (Redis Cluster)`);
  }
  if (set['REDIS_SENTINELS'] === undefined) {
    for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (set[name] !== undefined) problems.push(`${name}: applies only with REDIS_SENTINELS, which is not set`);
    }
  }
  const nodes = (name: 'REDIS_SENTINELS' | 'REDIS_CLUSTER_NODES', defaultPort: number) => {
    const parsed = parseHostPorts(value[name], defaultPort);
    if ('nodes' in parsed) return parsed.nodes;
    problems.push(`${name}=${JSON.stringify(redactRedisNodes(value[name]))}: ${parsed.error}; expected ${properties[name]?.expected ?? 'host:port'} (default port ${defaultPort})`);
    return [];
  };
  if (ways[0] === 'REDIS_SENTINELS') {
    const name = value.REDIS_SENTINEL_NAME;
    if (name === '') problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS: the master group name the sentinels monitor (sentinel monitor NAME host port quorum)');
    else if (!SENTINEL_NAME.test(name)) problems.push(`REDIS_SENTINEL_NAME=${JSON.stringify(name)}: expected one word of at most 128 characters, as sentinel.conf names a master`);
    return {
      kind: 'sentinel',
      sentinels: nodes('REDIS_SENTINELS', 26379),
      name,
      username: value.REDIS_USERNAME,
      password: value.REDIS_PASSWORD,
      sentinelPassword: value.REDIS_SENTINEL_PASSWORD,
    };
  }
  if (ways[0] === 'REDIS_CLUSTER_NODES') {
    // A job is created by one script over the job's keys, the index and its idempotency key,
    // and BullMQ's flows span two queues: on a cluster that is only possible in one slot.
    if (hashTagOf(value.HOOKD_REDIS_PREFIX) === null) {
      problems.push(
        `HOOKD_REDIS_PREFIX=${JSON.stringify(value.HOOKD_REDIS_PREFIX)}: on Redis Cluster (REDIS_CLUSTER_NODES) the prefix must hold a hash tag, such as {hookd}, so that every key of hookd and of its queues lives in one slot`,
      );
    }
    return { kind: 'cluster', nodes: nodes('REDIS_CLUSTER_NODES', 6379), username: value.REDIS_USERNAME, password: value.REDIS_PASSWORD };
  }
  return { kind: 'url', url: withRedisAuth(value.REDIS_URL, value.REDIS_USERNAME, value.REDIS_PASSWORD) };
}

export function loadConfig(given: Readonly<Record<string, string | undefined>> = process.env): Config {
  const problems: string[] = [];
  const env = withFileVariables(given, problems);
  const raw = pickSet(env);
  const value = Value.Convert(EnvSchema, Value.Default(EnvSchema, { ...raw })) as Env;
  const seen = new Set<string>();
  for (const err of Value.Errors(EnvSchema, value)) {
    const name = err.instancePath.split('/')[1] ?? '';
    if (name === '' || seen.has(name)) continue; // one line per variable, however many keywords failed
    seen.add(name);
    const shown = name === 'REDIS_URL' ? redactRedisUrl(raw[name] ?? '') : SECRET_VARIABLES.has(name) ? '***' : (raw[name] ?? '');
    problems.push(`${name}=${JSON.stringify(shown)}: expected ${properties[name]?.expected ?? err.message}`);
  }
  const durationMs = (name: keyof Env & string): number => {
    const ms = parseGoDuration(String(value[name]));
    const min = properties[name]?.minMs ?? 0;
    const max = properties[name]?.maxMs ?? Number.POSITIVE_INFINITY;
    if (ms === null || ms < min || ms > max) {
      problems.push(`${name}=${JSON.stringify(value[name])}: expected ${properties[name]?.expected ?? 'a Go duration'}`);
      return min;
    }
    return ms;
  };
  const tokens = value.HOOKD_API_TOKENS.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // Fail closed: a token list that was meant but holds no token (`,` or spaces) must not
  // silently mean "no authentication". Empty, like every variable, means unset.
  const rawTokens = env['HOOKD_API_TOKENS'];
  if (rawTokens !== undefined && rawTokens !== '' && tokens.length === 0) {
    problems.push(`HOOKD_API_TOKENS=${JSON.stringify(rawTokens)}: holds no token; give comma-separated tokens, or unset it`);
  }
  if (value.HOOKD_SPEC_KEY !== '' && Buffer.byteLength(value.HOOKD_SPEC_KEY) < 32) {
    problems.push('HOOKD_SPEC_KEY: must be at least 32 characters (e.g. openssl rand -hex 32)');
  }
  const tokensFile = value.HOOKD_TOKENS_FILE === '' ? null : value.HOOKD_TOKENS_FILE;
  // HOOKD_API_TOKENS and HOOKD_TOKENS_FILE without HOOKD_AUTH mean tokens, as they always did.
  const auth: AuthModeSetting = value.HOOKD_AUTH !== '' ? value.HOOKD_AUTH : tokens.length > 0 || tokensFile !== null ? 'tokens' : 'none';
  if (auth === 'tokens' && tokens.length === 0 && tokensFile === null) problems.push('HOOKD_AUTH="tokens": set HOOKD_TOKENS_FILE (a YAML or JSON list of named tokens)');
  // Whoever reaches the port can run commands in containers: off loopback, authentication is a must.
  if (value.HOOKD_ROLE !== 'worker' && !isLoopbackHost(value.HOOKD_HOST) && auth === 'none') {
    problems.push(
      `HOOKD_HOST=${JSON.stringify(value.HOOKD_HOST)}: listens beyond this machine without authentication; set HOOKD_AUTH=kubernetes, or HOOKD_AUTH=tokens with HOOKD_TOKENS_FILE (HOOKD_API_TOKENS is its deprecated form), or HOOKD_HOST=127.0.0.1`,
    );
  }
  // Short tokens are guessable; say so without echoing any token.
  if (tokens.some((t) => t.length < 16)) problems.push('HOOKD_API_TOKENS: every token must be at least 16 characters');

  const config: Config = {
    role: value.HOOKD_ROLE,
    host: value.HOOKD_HOST,
    port: value.HOOKD_PORT,
    redis: redisEndpoint(value, raw, problems),
    redisTlsCaFile: value.REDIS_TLS_CA_FILE,
    redisEmbedded: value.HOOKD_REDIS_EMBEDDED,
    redisDataDir: value.HOOKD_REDIS_DATA_DIR,
    prefix: value.HOOKD_REDIS_PREFIX,
    kube: value.HOOKD_KUBE,
    simKubeconfigPath: value.HOOKD_SIM_KUBECONFIG,
    simConfine: value.HOOKD_SIM_CONFINE,
    podConcurrency: value.HOOKD_POD_CONCURRENCY,
    execConcurrency: value.HOOKD_EXEC_CONCURRENCY,
    maxPodsPerJob: value.HOOKD_MAX_PODS_PER_JOB,
    maxBodyBytes: value.HOOKD_MAX_BODY_BYTES,
    maxCommandBytes: value.HOOKD_MAX_COMMAND_BYTES,
    maxHookEntries: value.HOOKD_MAX_HOOK_ENTRIES,
    maxHookRunsPerJob: value.HOOKD_MAX_HOOK_RUNS_PER_JOB,
    maxJobBytes: value.HOOKD_MAX_JOB_BYTES,
    maxOutputBytes: value.HOOKD_MAX_OUTPUT_BYTES,
    maxSseClients: value.HOOKD_MAX_SSE_CLIENTS,
    maxSsePerClient: value.HOOKD_MAX_SSE_PER_CLIENT,
    maxConnections: value.HOOKD_MAX_CONNECTIONS,
    requestTimeoutMs: durationMs('HOOKD_REQUEST_TIMEOUT'),
    idleTimeoutMs: durationMs('HOOKD_IDLE_TIMEOUT'),
    rateLimit: value.HOOKD_RATE_LIMIT,
    rateLimitWindowMs: durationMs('HOOKD_RATE_LIMIT_WINDOW'),
    maxWaitMs: durationMs('HOOKD_MAX_WAIT'),
    retentionMs: durationMs('HOOKD_RESULT_RETENTION'),
    shutdownTimeoutMs: durationMs('HOOKD_SHUTDOWN_TIMEOUT'),
    podAttempts: value.HOOKD_POD_ATTEMPTS,
    apiTokens: tokens,
    docsPersistToken: value.HOOKD_DOCS_PERSIST_TOKEN,
    events: value.HOOKD_EVENTS,
    eventsBurst: value.HOOKD_EVENTS_BURST,
    eventsPerSecond: value.HOOKD_EVENTS_QPS,
    specKey: value.HOOKD_SPEC_KEY,
    auth,
    authDefaulted: value.HOOKD_AUTH === '',
    tokensFile,
    auditLog: value.HOOKD_AUDIT_LOG === '' ? null : value.HOOKD_AUDIT_LOG,
    allowedHosts: allowedHosts(value.HOOKD_ALLOWED_HOSTS, value.HOOKD_HOST),
    logLevel: value.HOOKD_LOG_LEVEL,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Loopback names a local client (curl, a browser on this machine) sends as Host. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * HOOKD_ALLOWED_HOSTS when set ('*': any); else the loopback names when hookd listens on
 * loopback, so a rebinding domain is refused; else any, since hookd cannot know the names
 * it is reached by (a Service, an Ingress): set the variable there.
 */
function allowedHosts(setting: string, listen: string): readonly string[] | null {
  const names = setting.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.includes('*')) return null;
  if (names.length > 0) return names;
  if (!isLoopbackHost(listen)) return null;
  const own = listen.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK_NAMES.includes(own) ? LOOPBACK_NAMES : [...LOOPBACK_NAMES, own];
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
