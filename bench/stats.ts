// Percentiles and the reaction time read from the sim's timeline.

import type { SimTimeline } from '@hookd/kube-sim';
import { round } from './http-load.ts';

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export interface Percentiles {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly samples: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(s, 50)),
    p95Ms: round(percentile(s, 95)),
    p99Ms: round(percentile(s, 99)),
    maxMs: round(s[s.length - 1] ?? Number.NaN),
    samples: s.length,
  };
}

/**
 * Per pod of `pods`: the first exec that arrived at or after its container's first "running",
 * minus that moment. Both timestamps are taken inside the sim, on its one clock. A pod
 * whose exec never arrived is an error: the figure would otherwise flatter the runner.
 */
/** Each pod's reaction time and when its container came up (the sim's clock). */
export interface ReactionSample {
  readonly pod: string;
  readonly runningAtMs: number;
  readonly ms: number;
}

export function reactionTimes(timeline: SimTimeline, pods: readonly string[], container: string): number[] {
  return reactionSamples(timeline, pods, container).map((r) => r.ms);
}

export function reactionSamples(timeline: SimTimeline, pods: readonly string[], container: string): ReactionSample[] {
  const running = new Map<string, number>();
  for (const e of timeline.containerRunning) if (e.container === container && !running.has(e.pod)) running.set(e.pod, e.atMs);
  const arrived = new Map<string, number>();
  for (const e of timeline.execArrived) {
    const from = running.get(e.pod);
    if (e.container !== container || from === undefined || e.atMs < from || arrived.has(e.pod)) continue;
    arrived.set(e.pod, e.atMs);
  }
  return pods.map((pod) => {
    const from = running.get(pod);
    const to = arrived.get(pod);
    if (from === undefined || to === undefined) throw new Error(`reaction time of ${pod}: ${from === undefined ? 'container never running' : 'no exec arrived after it ran'}`);
    return { pod, runningAtMs: from, ms: to - from };
  });
}
