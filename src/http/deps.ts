// What the HTTP layer needs from the rest of hookd, passed in by main/runtime (and by tests,
// which hand in fakes of the producer and the Restore reader, and the real store).

import type { Logger } from 'pino';
import type { AuditLog } from '../auth/audit.ts';
import type { AccessPolicy } from '../auth/policy.ts';
import type { Registry } from 'prom-client';
import type { PodRef, PodView, RestoreHooks } from '../domain/types.ts';
import type { JobOwner } from '../domain/views.ts';
import type { JobSpec } from '../domain/views.ts';
import type { Notifier } from '../store/notifier.ts';
import type { RateLimiter } from '../store/rate-limit.ts';
import type { JobStore } from '../store/types.ts';

export interface HealthCheck {
  readonly ok: boolean;
  readonly error?: string;
}

export interface AppLimits {
  /** Explicit pods in one POST (default 10,000). */
  readonly maxPodsPerJob: number;
  /** Bytes of one exec command, all its arguments together. */
  readonly maxCommandBytes: number;
  /** Bytes of a request body (413 beyond). */
  readonly maxBodyBytes: number;
  /** `hooks.resources[]` entries, and `postHooks[]` entries over all of them, each at most this many. */
  readonly maxHookEntries: number;
  /** Pods x post hooks of one job (HOOKD_MAX_HOOK_RUNS_PER_JOB). */
  readonly maxHookRunsPerJob: number;
  /** Bytes one job's hook plans may take in Redis (HOOKD_MAX_JOB_BYTES). */
  readonly maxJobBytes: number;
  /** Open event streams (GET /v1/jobs/{id}/events) per process. */
  readonly maxSseClients: number;
  /** A whole request (headers and body), and a handler, within this (HOOKD_REQUEST_TIMEOUT). */
  readonly requestTimeoutMs: number;
  /** A socket silent this long is closed (HOOKD_IDLE_TIMEOUT); keep-alive ends 3 s sooner. */
  readonly idleTimeoutMs: number;
  /** Open event streams per client address, per process. */
  readonly maxSsePerClient: number;
}

export interface AppDeps {
  readonly store: JobStore;
  readonly notifier: Pick<Notifier, 'onJobEvent' | 'publishStop'>;
  /** Must be idempotent per job id: a replayed Idempotency-Key enqueues a still-queued job again. */
  readonly producer: { enqueue(spec: JobSpec): Promise<void> };
  /** Rejects with an error whose `code` is 'KUBE_NOT_FOUND' | 'KUBE_FORBIDDEN' | 'KUBE_UNAVAILABLE' | other. */
  /** uid: the Restore's, for the related object of its hooks' Events (absent: none named). */
  readonly restores: { read(namespace: string, name: string): Promise<{ hooks: RestoreHooks | null; uid?: string | null }> };
  /** Dry runs read the live pods: the selector's lists as a job's start makes them, explicit pods one GET each (null: not found). */
  readonly pods: {
    list(namespace: string, labelSelector: string): Promise<PodView[]>;
    listAll(labelSelector: string): Promise<PodView[]>;
    get(ref: PodRef): Promise<PodView | null>;
  };
  /**
   * The questions a worker asks for a job's owner, asked by dry runs the same way: may it exec
   * into a found pod (null, or the reason its hooks are skipped), may it list pods in a
   * namespace (a selector without namespaces). Absent: everything is allowed (HOOKD_AUTH=none).
   */
  readonly ownerRights?: {
    mayExec(owner: JobOwner | null, ref: PodRef): Promise<string | null>;
    mayListPods(owner: JobOwner | null, namespace: string): Promise<boolean>;
  };
  readonly health: { redis(): Promise<HealthCheck>; kube(): Promise<HealthCheck> };
  readonly metrics: Registry;
  readonly limits: AppLimits;
  /** Swagger UI keeps the token it was given in localStorage (HOOKD_DOCS_PERSIST_TOKEN; default false). */
  readonly docsPersistToken?: boolean;
  /** Per-client request budget shared through Redis; null: none. */
  readonly rateLimiter: RateLimiter | null;
  /** Host names the API answers to (HOOKD_ALLOWED_HOSTS); null: any. */
  readonly allowedHosts: readonly string[] | null;
  /**
   * Deprecated (HOOKD_API_TOKENS): bearer tokens, each with every right; used only when
   * `access` is not given. Empty: no authentication.
   */
  readonly auth: { readonly tokens: readonly string[] };
  /** Who may do what (HOOKD_AUTH); default: from `auth.tokens`. */
  readonly access?: AccessPolicy;
  /** The audit stream; default: none kept. */
  readonly audit?: AuditLog;
  readonly log: Logger;
  now(): number;
  newJobId(): string;
  /** Event streams: comment heartbeat period (default 15 s); also when they look for missed events. */
  readonly sseHeartbeatMs?: number;
  /** Event streams: how long a write may wait for a client that reads nothing before the stream is ended (default 30 s). */
  readonly sseWriteStallMs?: number;
}

/** What the routes use: the deps with the access policy and the audit stream settled. */
export type RouteDeps = AppDeps & { readonly access: AccessPolicy; readonly audit: AuditLog };
