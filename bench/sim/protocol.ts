// The messages between the benchmark and its simulated cluster, which runs in a child
// process (bench/sim/child.ts) so that the sim's CPU is not charged to the process being
// measured, and the benchmark's own setup (10,000 pods, container flips) goes over IPC
// instead of through the API server, where it would show up in the load counters.

import type { SimCounters, SimTimeline } from '@hookd/kube-sim';

export interface SimChildOptions {
  readonly kubeconfigPath: string;
  /**
   * BOOKMARK interval on watches that ask for them. client-node ends a watch that is quiet
   * for 30 s; a real API server's watches carry no such client timeout (client-go), so the
   * benchmark keeps quiet watches alive with bookmarks instead of counting reconnections.
   */
  readonly bookmarkIntervalMs: number;
}

/** One pod of the benchmark: a single container `app`. */
export const BENCH_CONTAINER = 'app';

export interface SimOps {
  createNamespace(args: { name: string }): void;
  /**
   * Creates pods `${prefix}-0` .. `${prefix}-${count-1}` in manual lifecycle (the sim's kubelet
   * leaves them alone); `running: true` sets their container running and ready at once.
   */
  createPods(args: { namespace: string; prefix: string; count: number; running: boolean }): void;
  /** Scripted exec answer for every pod of the namespace: exit 0 at once, no process. */
  scriptSuccess(args: { namespace: string }): void;
  /**
   * Sets the containers of these pods running (and ready). `intervalMs` > 0 paces them, one
   * pod per interval on the sim's own timers; 0 flips them all, in slices that let the sim
   * keep serving. Resolves when the last one was set.
   */
  setRunning(args: { namespace: string; names: string[]; intervalMs: number }): Promise<void>;
  /** Puts the containers back to waiting (ContainerCreating), for a second runner on the same pods. */
  setWaiting(args: { namespace: string; names: string[] }): Promise<void>;
  counters(): SimCounters;
  resetCounters(): void;
  /** The timeline, only the entries of one namespace. */
  timeline(args: { namespace: string }): SimTimeline;
  /**
   * The sim's own pauses since the last `reset`: its event loop's delay and its garbage
   * collections of 5 ms or more (start on the timeline's clock, duration). A pause of the sim
   * delays the exec arrivals it records, so a reaction time holds it too.
   */
  simPauses(args: { reset: boolean }): SimPauses;
}

export interface SimPauses {
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  readonly gcPauses: ReadonlyArray<{ readonly atMs: number; readonly ms: number }>;
}

export type SimOpName = keyof SimOps;

export interface SimRequest {
  readonly id: number;
  readonly op: SimOpName;
  readonly args: unknown;
}

export type SimReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export type SimReady = { readonly ready: true; readonly url: string; readonly kubeconfig: string };
