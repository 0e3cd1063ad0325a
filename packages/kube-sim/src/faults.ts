// Fault injection for reliability tests: added latency, injected errors (500, 429 with
// Retry-After, 503) at a rate, watch streams cut after N events or T milliseconds, continue
// tokens of paginated lists that have expired (410), and exec sessions that hang or never
// send their status. Rules match on verb, resource,
// namespace, name and container; `rate` draws from a seedable generator so a failing run
// can be replayed, and `times` bounds how often a rule fires.

import type { ActiveFault, FaultMatch, FaultSpec, SimFaults } from './types.ts';
import { seededRandom } from './random.ts';

export interface RequestFacts {
  verb: string;
  resource: string;
  namespace: string | null;
  name: string | null;
  container?: string | null;
}


function matches(m: FaultMatch | undefined, f: RequestFacts): boolean {
  if (!m) return true;
  if (m.verb !== undefined && m.verb !== f.verb) return false;
  if (m.resource !== undefined && m.resource !== f.resource) return false;
  if (m.namespace !== undefined && m.namespace !== f.namespace) return false;
  if (m.name !== undefined && m.name !== f.name) return false;
  if (m.container !== undefined && m.container !== (f.container ?? null)) return false;
  return true;
}

export function validateFault(spec: unknown): FaultSpec {
  if (typeof spec !== 'object' || spec === null) throw new Error('a fault must be an object');
  const s = spec as Record<string, unknown>;
  const rate = s['rate'];
  if (rate !== undefined && (typeof rate !== 'number' || rate < 0 || rate > 1)) throw new Error('rate must be a number from 0 to 1');
  const times = s['times'];
  if (times !== undefined && (typeof times !== 'number' || times < 1)) throw new Error('times must be a positive number');
  switch (s['kind']) {
    case 'latency':
      if (typeof s['ms'] !== 'number' || s['ms'] < 0) throw new Error('latency needs ms >= 0');
      break;
    case 'error':
      if (s['status'] !== 500 && s['status'] !== 429 && s['status'] !== 503) throw new Error('error status must be 500, 429 or 503');
      break;
    case 'watch-cut':
      if (s['afterEvents'] === undefined && s['afterMs'] === undefined) throw new Error('watch-cut needs afterEvents or afterMs');
      break;
    case 'continue-expired':
      break;
    case 'exec':
      if (s['mode'] !== 'hang' && s['mode'] !== 'no-status') throw new Error("exec mode must be 'hang' or 'no-status'");
      break;
    default:
      throw new Error("kind must be 'latency', 'error', 'watch-cut', 'continue-expired' or 'exec'");
  }
  return spec as FaultSpec;
}

export class FaultInjector implements SimFaults {
  private readonly rules = new Map<string, ActiveFault>();
  private readonly random: () => number;
  private nextId = 1;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  add(spec: FaultSpec): string {
    const valid = validateFault(spec);
    const id = `fault-${this.nextId++}`;
    this.rules.set(id, { ...valid, id, hits: 0 });
    return id;
  }

  remove(id: string): boolean {
    return this.rules.delete(id);
  }

  clear(): void {
    this.rules.clear();
  }

  list(): ActiveFault[] {
    return [...this.rules.values()].map((r) => ({ ...r }));
  }

  /** The first rule of a kind that matches and fires (rate, times); counts the hit. */
  private fire<K extends FaultSpec['kind']>(kind: K, f: RequestFacts): Extract<ActiveFault, { kind: K }> | null {
    if (this.rules.size === 0) return null;
    for (const rule of this.rules.values()) {
      if (rule.kind !== kind || !matches(rule.match, f)) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if (rule.rate !== undefined && rule.rate < 1 && this.random() >= rule.rate) continue;
      rule.hits += 1;
      return rule as Extract<ActiveFault, { kind: K }>;
    }
    return null;
  }

  latencyMs(f: RequestFacts): number {
    return this.fire('latency', f)?.ms ?? 0;
  }

  error(f: RequestFacts): { status: 500 | 429 | 503; retryAfterSeconds: number | undefined } | null {
    const r = this.fire('error', f);
    return r ? { status: r.status, retryAfterSeconds: r.retryAfterSeconds } : null;
  }

  watchCut(f: RequestFacts): { afterEvents: number | undefined; afterMs: number | undefined } | null {
    const r = this.fire('watch-cut', f);
    return r ? { afterEvents: r.afterEvents, afterMs: r.afterMs } : null;
  }

  /** Whether this list's continue token has expired; asked only of lists that carry one. */
  continueExpired(f: RequestFacts): boolean {
    return this.fire('continue-expired', f) !== null;
  }

  exec(f: RequestFacts): 'hang' | 'no-status' | null {
    return this.fire('exec', f)?.mode ?? null;
  }
}
