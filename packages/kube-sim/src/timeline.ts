// When containers started running and when exec requests arrived, on one clock shared
// with the benchmark (performance.timeOrigin + performance.now(), in milliseconds), so
// hookd's reaction time is "exec arrived" minus "container running".

import type { SimTimeline } from './types.ts';

export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

export class Timeline {
  private containerRunning: SimTimeline['containerRunning'] = [];
  private execArrived: SimTimeline['execArrived'] = [];

  running(namespace: string, pod: string, container: string): void {
    this.containerRunning.push({ namespace, pod, container, atMs: clockMs() });
  }

  exec(namespace: string, pod: string, container: string, atMs: number = clockMs()): void {
    this.execArrived.push({ namespace, pod, container, atMs });
  }

  snapshot(): SimTimeline {
    return { containerRunning: [...this.containerRunning], execArrived: [...this.execArrived] };
  }

  reset(): void {
    this.containerRunning = [];
    this.execArrived = [];
  }
}
