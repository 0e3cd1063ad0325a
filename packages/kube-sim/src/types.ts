// The simulated cluster's public contract: what tests, the demo and the benchmark code
// against. Everything here is plain data or functions; the server lives in cluster.ts.

export type JsonObject = Record<string, unknown>;

export interface SimLogger {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface SimOptions {
  /** Default 0: a free port. The host is always 127.0.0.1. */
  port?: number;
  /** When set, the kubeconfig is written there (mode 0600). */
  kubeconfigPath?: string;
  /** The full-access token (also the admin endpoint's). Default: random. */
  token?: string;
  /**
   * Tokens limited to namespaces: users "hookd-sim:limited-N" bound (RoleBinding to a
   * ClusterRole allowing everything) in those namespaces only, so 403 Forbidden anywhere else.
   */
  extraTokens?: { token: string; namespaces: string[] }[];
  /** Static token users (kube-apiserver's --token-auth-file), with no bindings until some are made. */
  users?: { token: string; username: string; uid?: string; groups?: string[] }[];
  /** Delays of the simulated kubelet for pods that do not opt out: Pending -> Running -> ready. */
  lifecycle?: {
    scheduleMs?: number;
    startMs?: number;
    readyMs?: number;
    /** How long a graceful HTTP delete takes at most (containers "exit promptly on SIGTERM"). */
    terminateMs?: number;
  };
  /** Watch events kept per resource for resuming; an older resourceVersion gets 410 Expired. */
  watchHistory?: number;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK. Default 60 s, as an API server. */
  bookmarkIntervalMs?: number;
  /** Server-side ping interval on exec WebSockets. Default 10 s. */
  execPingIntervalMs?: number;
  /**
   * How exec processes run: 'none', as host processes of the sim's user; 'bwrap', each
   * confined by bubblewrap to its container folder (no network, system files read-only).
   * Default: HOOKD_SIM_CONFINE, else 'none'. 'bwrap' where bwrap cannot run: the start fails.
   */
  execConfinement?: 'none' | 'bwrap';
  /** Seed for the fault injector's random rates, for reproducible runs. */
  faultSeed?: number;
  logger?: SimLogger;
}

export interface ExecContext {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

export interface ExecResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer: the session stays open until the client leaves, the pod goes or the sim stops. */
  hang?: boolean;
  /** Send the output, then close the WebSocket normally without a status frame. */
  noStatus?: boolean;
}

export type ExecHandler = (ctx: ExecContext) => ExecResult | Promise<ExecResult>;

export interface ScriptMatch {
  namespace: string;
  pod?: string;
  container?: string;
}

/** Which requests a fault applies to; every field given must match. */
export interface FaultMatch {
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, exec. */
  verb?: string;
  /** Resource, with subresource: "pods", "pods/status", "pods/exec", "restores", "namespaces". */
  resource?: string;
  namespace?: string;
  /** Object name (pod name for pods/*). */
  name?: string;
  /** For exec faults: the container. */
  container?: string;
}

export type FaultSpec =
  | { kind: 'latency'; match?: FaultMatch; ms: number; rate?: number; times?: number }
  | {
      kind: 'error';
      match?: FaultMatch;
      /** 500 InternalError, 429 TooManyRequests (with Retry-After), 503 ServiceUnavailable. */
      status: 500 | 429 | 503;
      rate?: number;
      retryAfterSeconds?: number;
      times?: number;
    }
  | { kind: 'watch-cut'; match?: FaultMatch; afterEvents?: number; afterMs?: number; rate?: number; times?: number }
  /**
   * A list given a continue token answers 410 Expired, as an API server does once etcd has
   * compacted the revision the token's list was read at. Lists without a token are not hit.
   */
  | { kind: 'continue-expired'; match?: FaultMatch; rate?: number; times?: number }
  | { kind: 'exec'; match?: FaultMatch; mode: 'hang' | 'no-status'; rate?: number; times?: number };

export type ActiveFault = FaultSpec & { id: string; hits: number };

export interface SimFaults {
  /** Adds a fault; returns its id. `rate` (0..1, default 1) and `times` (default unlimited) bound it. */
  add(spec: FaultSpec): string;
  remove(id: string): boolean;
  clear(): void;
  list(): ActiveFault[];
}

export interface WatchGauge {
  current: number;
  max: number;
}

export interface SimCounters {
  requests: {
    total: number;
    /** By Kubernetes verb: get, list, watch, create, update, patch, delete, exec, discovery, admin. */
    byVerb: Record<string, number>;
    /** By "<verb> <route template>", e.g. "list /api/v1/namespaces/{namespace}/pods". */
    byRoute: Record<string, number>;
    /** By pod, keyed "<namespace>/<name>": every request naming one pod (get, patch, exec...). */
    byPod: Record<string, number>;
    /** Answers by HTTP status code. */
    byStatus: Record<string, number>;
    /** RBAC refusals by their 403 message, which names the user, verb, resource and scope. */
    forbidden: Record<string, number>;
  };
  watches: WatchGauge & { started: number; byNamespace: Record<string, WatchGauge> };
  exec: WatchGauge & { started: number; scripted: number; processes: number };
}

export interface SimTimeline {
  containerRunning: Array<{ namespace: string; pod: string; container: string; atMs: number }>;
  execArrived: Array<{ namespace: string; pod: string; container: string; atMs: number }>;
}

export type ContainerStateName = 'waiting' | 'running' | 'terminated';

export interface SimCluster {
  /** https://127.0.0.1:PORT */
  url: string;
  token: string;
  /** PEM of the server's self-signed certificate (generated at start), the kubeconfig's CA. */
  ca: string;
  /** Full kubeconfig text (YAML) with server and bearer token. */
  kubeconfig: string;
  kubeconfigPath: string | null;
  /** Closes watches and exec sessions, kills child processes, removes per-container folders. */
  stop(): Promise<void>;
  createNamespace(name: string, labels?: Record<string, string>): void;
  /** Same rules as POST; returns the stored pod. Throws a SimError (with .status) on invalid input. */
  createPod(namespace: string, manifest: object): object;
  /** Merges into status (JSON merge semantics, lists by key), bumps the resourceVersion, emits MODIFIED. */
  patchPodStatus(namespace: string, name: string, status: object): object;
  /** Sets one container's state and derives phase and Ready conditions as a kubelet would. */
  setContainerState(
    namespace: string,
    pod: string,
    container: string,
    state: ContainerStateName,
    opts?: { ready?: boolean; exitCode?: number },
  ): void;
  /** graceMs > 0: deletionTimestamp now, DELETED after graceMs; otherwise DELETED now. */
  deletePod(namespace: string, name: string, opts?: { graceMs?: number }): void;
  getPod(namespace: string, name: string): object | undefined;
  scripts: { set(match: ScriptMatch, handler: ExecHandler): void; clear(): void };
  faults: SimFaults;
  counters(): SimCounters;
  timeline(): SimTimeline;
  resetCounters(): void;
}
