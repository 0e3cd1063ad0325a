// Plain data shared by the domain rules and the adapters around them.
// Nothing here does I/O; `kube/` maps client-node objects into these narrow views
// so the Velero rules can be tested with literals.

export const OnError = { Continue: 'Continue', Fail: 'Fail' } as const;
export type OnError = (typeof OnError)[keyof typeof OnError];

export const HookSource = { Annotation: 'annotation', Spec: 'spec' } as const;
export type HookSource = (typeof HookSource)[keyof typeof HookSource];

export const HookPhase = {
  Pending: 'pending',
  Waiting: 'waiting',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
} as const;
export type HookPhase = (typeof HookPhase)[keyof typeof HookPhase];

export const PodStatus = {
  Pending: 'pending',
  Waiting: 'waiting',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type PodStatus = (typeof PodStatus)[keyof typeof PodStatus];

export const JobStatus = {
  Queued: 'queued',
  Running: 'running',
  Completed: 'completed',
  PartiallyFailed: 'partially_failed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

/** One entry of `status.containerStatuses`, reduced to what the wait rules read. */
export interface ContainerStatusView {
  readonly name: string;
  /** `state.running` is set. */
  readonly running: boolean;
  /** `state.terminated` is set. */
  readonly terminated: boolean;
  readonly ready: boolean;
}

/** The live pod as the rules see it. */
export interface PodView extends PodRef {
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.containers[].name` in order (init and ephemeral containers excluded, as in Velero). */
  readonly containers: readonly string[];
  /** `status.phase` as given ('' when unset). */
  readonly phase: string;
  readonly containerStatuses: readonly ContainerStatusView[];
  /** `metadata.deletionTimestamp` is set: the pod is going away but still exists. */
  readonly terminating: boolean;
}

/** The pod as last observed while waiting: present, or deleted from the cluster. */
export type PodState = { readonly kind: 'present'; readonly pod: PodView } | { readonly kind: 'deleted' };

// ---- Velero's `spec.hooks` schema (velero.io/v1 RestoreHooks), as JSON ----

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface ExecRestoreHook {
  readonly container?: string;
  readonly command: readonly string[];
  readonly onError?: OnError;
  /** Go duration string, e.g. "30s". Validated at the API edge. */
  readonly execTimeout?: string;
  readonly waitTimeout?: string;
  readonly waitForReady?: boolean | null;
}

export interface RestoreResourceHook {
  readonly exec?: ExecRestoreHook;
  /** Init hooks are Velero's to inject before the pod starts: never run by hookd. */
  readonly init?: unknown;
}

export interface RestoreResourceHookSpec {
  readonly name: string;
  readonly includedNamespaces?: readonly string[];
  readonly excludedNamespaces?: readonly string[];
  readonly includedResources?: readonly string[];
  readonly excludedResources?: readonly string[];
  readonly labelSelector?: LabelSelector | null;
  readonly postHooks?: readonly RestoreResourceHook[];
}

export interface RestoreHooks {
  readonly resources?: readonly RestoreResourceHookSpec[];
}

// ---- The plan: the ordered hooks of one pod ----

export const ANNOTATION_HOOK_NAME = '<from-annotation>';

export interface PlannedHook {
  /** Position in the pod's plan: part of the hook's identity, since names can repeat. */
  readonly index: number;
  readonly name: string;
  readonly source: HookSource;
  readonly container: string;
  readonly command: readonly string[];
  /** Unset in the source is shown (and behaves) as Continue. */
  readonly onError: OnError;
  /** Default 30s when unset or zero (Velero `podexec`). */
  readonly execTimeoutMs: number;
  /** null: no limit of its own. */
  readonly waitTimeoutMs: number | null;
  readonly waitForReady: boolean;
  /** Set when the hook can never run (e.g. its container is not in the pod): it is reported skipped with this reason. */
  readonly skipReason: string | null;
}

export interface PodPlan {
  readonly hooks: readonly PlannedHook[];
  /** Findings about the pod's annotations and hooks, each naming the key and the value. */
  readonly warnings: readonly string[];
}

// ---- Outcomes and the next step ----

/** How a hook ended, as the rules need to know it. */
export interface HookOutcome {
  readonly index: number;
  readonly phase: typeof HookPhase.Succeeded | typeof HookPhase.Failed | typeof HookPhase.Skipped;
}

/** A hook settled without being executed: failed (expired, not executed) or skipped. */
export interface Settlement {
  readonly index: number;
  readonly phase: typeof HookPhase.Failed | typeof HookPhase.Skipped;
  readonly reason: string;
  /** Set when the hook failed because a wait ran out (its own waitTimeout, or the pod's wait): its Event says HookWaitExpired. */
  readonly expired?: true;
}

export type Step =
  /** Nothing can run now: wait for the pod to change, or until `untilMs` (the wait deadline). */
  | { readonly kind: 'wait'; readonly untilMs: number; readonly containers: readonly string[] }
  /** Run this hook now: its container is up and every hook before it in that container has ended. */
  | { readonly kind: 'exec'; readonly hook: PlannedHook }
  /** Record these hooks as ended without running them. */
  | { readonly kind: 'settle'; readonly settlements: readonly Settlement[] }
  /** Every hook of the pod has an outcome. */
  | { readonly kind: 'finished' };

export interface HookResult {
  readonly phase: typeof HookPhase.Succeeded | typeof HookPhase.Failed | typeof HookPhase.Skipped;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  readonly error: string | null;
}
