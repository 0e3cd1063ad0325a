// Every exec session of the cluster, by pod, so deleting a pod ends its commands and
// stopping the sim ends them all; also the exec gauges for the counters.

import type { WebSocket } from 'ws';
import type { ClusterState } from '../cluster-state.ts';
import type { SimLogger } from '../types.ts';
import type { ExecRunner } from './confine.ts';
import { ScriptRegistry } from './scripts.ts';
import { ExecSession, type ExecTarget } from './session.ts';
import { Workdirs } from './workdirs.ts';

export interface ExecStats {
  current: number;
  max: number;
  started: number;
  scripted: number;
  processes: number;
}

export class ExecManager {
  readonly scripts = new ScriptRegistry();
  readonly workdirs = new Workdirs();
  private readonly byPod = new Map<string, Set<ExecSession>>();
  private readonly pingIntervalMs: number;
  private readonly runner: ExecRunner;
  private readonly logger: SimLogger | undefined;
  private stats: ExecStats = { current: 0, max: 0, started: 0, scripted: 0, processes: 0 };

  constructor(
    state: ClusterState,
    pingIntervalMs: number,
    logger: SimLogger | undefined,
    runner: ExecRunner = { kind: 'none' },
  ) {
    this.pingIntervalMs = pingIntervalMs;
    this.runner = runner;
    this.logger = logger;
    state.onPodTerminating.push((pod) => {
      for (const s of this.byPod.get(pod.metadata.uid) ?? []) s.podTerminated();
    });
    state.onPodDeleted.push((pod) => {
      // An exec started while the pod was terminating dies with it too.
      for (const s of this.byPod.get(pod.metadata.uid) ?? []) s.podTerminated();
      this.workdirs.removePod(pod.metadata.namespace ?? '', pod.metadata.uid);
    });
  }

  start(ws: WebSocket, target: ExecTarget, fault: 'hang' | 'no-status' | null): ExecSession {
    const handler = this.scripts.find(target.namespace, target.pod, target.container);
    const session = new ExecSession(ws, target, {
      handler,
      fault,
      workdir: () => this.workdirs.forContainer(target.namespace, target.podUid, target.container),
      pingIntervalMs: this.pingIntervalMs,
      runner: this.runner,
      logger: this.logger,
      onEnd: (s) => this.ended(s),
    });
    let set = this.byPod.get(target.podUid);
    if (!set) {
      set = new Set();
      this.byPod.set(target.podUid, set);
    }
    set.add(session);
    this.stats.current += 1;
    this.stats.started += 1;
    if (handler) this.stats.scripted += 1;
    else this.stats.processes += 1;
    this.stats.max = Math.max(this.stats.max, this.stats.current);
    session.start();
    return session;
  }

  private ended(s: ExecSession): void {
    const set = this.byPod.get(s.target.podUid);
    if (!set?.delete(s)) return;
    if (set.size === 0) this.byPod.delete(s.target.podUid);
    this.stats.current -= 1;
  }

  snapshot(): ExecStats {
    return { ...this.stats };
  }

  resetStats(): void {
    this.stats = { current: this.stats.current, max: this.stats.current, started: 0, scripted: 0, processes: 0 };
  }

  /** Kills every process, closes every session, removes every folder. */
  async stop(): Promise<void> {
    const ending: Promise<void>[] = [];
    for (const set of [...this.byPod.values()]) for (const s of [...set]) ending.push(s.terminate());
    this.byPod.clear();
    // SIGKILL cannot be ignored; the bound only guards against a process stuck in the kernel.
    await Promise.race([Promise.all(ending), new Promise((r) => setTimeout(r, 5000).unref())]);
    this.workdirs.removeAll();
  }
}
