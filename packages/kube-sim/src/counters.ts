// Request, watch and exec counters, served to the benchmark (watches per namespace, requests
// per pod) and to tests that assert hookd's load on the API server. Plain objects keyed
// by strings: increments are O(1) whatever the number of pods.

import type { SimCounters, WatchGauge } from './types.ts';
import type { WatchGaugeSink } from './watch.ts';

const ALL_NAMESPACES = '*';

export class Counters implements WatchGaugeSink {
  private total = 0;
  private byVerb = new Map<string, number>();
  private byRoute = new Map<string, number>();
  private byPod = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private forbidden = new Map<string, number>();
  private watches: WatchGauge & { started: number } = { current: 0, max: 0, started: 0 };
  private watchesByNs = new Map<string, WatchGauge>();

  request(verb: string, route: string, pod: string | null): void {
    this.total += 1;
    bump(this.byVerb, verb);
    bump(this.byRoute, `${verb} ${route}`);
    if (pod !== null) bump(this.byPod, pod);
  }

  /** An RBAC refusal, by its 403 message (who, verb, resource, group, namespace). */
  denied(message: string): void {
    bump(this.forbidden, message);
  }

  answered(status: number): void {
    bump(this.byStatus, String(status));
  }

  opened(namespace: string | null): void {
    const key = namespace ?? ALL_NAMESPACES;
    this.watches.current += 1;
    this.watches.started += 1;
    this.watches.max = Math.max(this.watches.max, this.watches.current);
    let g = this.watchesByNs.get(key);
    if (!g) {
      g = { current: 0, max: 0 };
      this.watchesByNs.set(key, g);
    }
    g.current += 1;
    g.max = Math.max(g.max, g.current);
  }

  closed(namespace: string | null): void {
    const key = namespace ?? ALL_NAMESPACES;
    this.watches.current -= 1;
    const g = this.watchesByNs.get(key);
    if (g) g.current -= 1;
  }

  snapshot(exec: SimCounters['exec']): SimCounters {
    const byNamespace: Record<string, WatchGauge> = {};
    for (const [k, g] of this.watchesByNs) byNamespace[k] = { ...g };
    return {
      requests: {
        total: this.total,
        byVerb: Object.fromEntries(this.byVerb),
        byRoute: Object.fromEntries(this.byRoute),
        byPod: Object.fromEntries(this.byPod),
        byStatus: Object.fromEntries(this.byStatus),
        forbidden: Object.fromEntries(this.forbidden),
      },
      watches: { ...this.watches, byNamespace },
      exec,
    };
  }

  /** Zeroes the totals; open watches stay counted (they are still open). */
  reset(): void {
    this.total = 0;
    this.byVerb = new Map();
    this.byRoute = new Map();
    this.byPod = new Map();
    this.byStatus = new Map();
    this.forbidden = new Map();
    this.watches = { current: this.watches.current, max: this.watches.current, started: 0 };
    for (const [k, g] of this.watchesByNs) {
      if (g.current === 0) this.watchesByNs.delete(k);
      else g.max = g.current;
    }
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}
