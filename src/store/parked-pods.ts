// Pods that wait for their containers, parked in Redis instead of held by a worker: per
// namespace a hash `<jobId>/<podIndex>` -> what the pod waits for, and a set of the namespaces
// that have any. The pod's queue job meanwhile sits in BullMQ's delayed set until the wait's
// deadline, so it holds no lock and no worker memory. Every worker process keeps an index of
// these entries (read here at start and on a timer, kept current between reads by the
// changes published on `parkedChannel`) and wakes a pod when its namespace's watch shows it
// up. Park and unpark are one script each, so the namespace set never loses a namespace that
// still has parked pods.

import type { AwaitedContainer } from '../domain/wait-over.ts';
import type { RedisClient } from '../redis.ts';
import { storeKeys } from './keys.ts';
import { lua, runLua } from './lua.ts';

export interface ParkedPod {
  readonly jobId: string;
  readonly podIndex: number;
  readonly namespace: string;
  readonly name: string;
  readonly awaited: readonly AwaitedContainer[];
  /** When the wait ends (epoch ms); the queue job is delayed until then. */
  readonly untilMs: number;
  /** When the wait began (epoch ms). */
  readonly sinceMs: number;
}

export interface ParkedSlot {
  readonly namespace: string;
  readonly jobId: string;
  readonly podIndex: number;
}

export type ParkChange = { readonly kind: 'parked'; readonly pod: ParkedPod } | { readonly kind: 'unparked'; readonly slot: ParkedSlot };

export interface ParkedPods {
  park(pod: ParkedPod): Promise<void>;
  unpark(slot: ParkedSlot): Promise<void>;
  /** Every parked pod, one namespace at a time. */
  scan(each: (namespace: string, pods: ParkedPod[]) => void): Promise<void>;
}

const PARK = lua(`
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`);

const UNPARK = lua(`
local n = redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
if n > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return n
`);

const SCAN_COUNT = 1000;

export const slotField = (s: Pick<ParkedSlot, 'jobId' | 'podIndex'>): string => `${s.jobId}/${s.podIndex}`;

/** The hash value: only what a wake-up needs, in short keys (a hundred thousand of them may be parked). */
function encodeValue(p: ParkedPod): string {
  return JSON.stringify({ n: p.name, c: p.awaited.map((c) => [c.name, c.ready ? 1 : 0]), u: p.untilMs, s: p.sinceMs });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseField(field: string): { jobId: string; podIndex: number } | null {
  const slash = field.lastIndexOf('/');
  const podIndex = Number(field.slice(slash + 1));
  if (slash <= 0 || !Number.isSafeInteger(podIndex) || podIndex < 0) return null;
  return { jobId: field.slice(0, slash), podIndex };
}

/** Redis is a trust boundary: an entry in any other shape is ignored, never half read. */
function decodeEntry(namespace: string, field: string, value: string): ParkedPod | null {
  const slot = parseField(field);
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return null;
  }
  if (slot === null || !isRecord(v) || typeof v.n !== 'string' || typeof v.u !== 'number' || typeof v.s !== 'number' || !Array.isArray(v.c)) return null;
  const awaited: AwaitedContainer[] = [];
  for (const c of v.c) {
    if (!Array.isArray(c) || typeof c[0] !== 'string') return null;
    awaited.push({ name: c[0], ready: c[1] === 1 });
  }
  return { ...slot, namespace, name: v.n, awaited, untilMs: v.u, sinceMs: v.s };
}

export function parseParkChange(message: string): ParkChange | null {
  let m: unknown;
  try {
    m = JSON.parse(message);
  } catch {
    return null;
  }
  if (!isRecord(m) || typeof m.ns !== 'string' || typeof m.f !== 'string') return null;
  if (m.op === '+' && typeof m.v === 'string') {
    const pod = decodeEntry(m.ns, m.f, m.v);
    return pod === null ? null : { kind: 'parked', pod };
  }
  const slot = parseField(m.f);
  return m.op === '-' && slot !== null ? { kind: 'unparked', slot: { namespace: m.ns, ...slot } } : null;
}

export function createParkedPods(redis: RedisClient, prefix: string): ParkedPods {
  const keys = storeKeys(prefix);
  return {
    async park(p) {
      const field = slotField(p);
      const value = encodeValue(p);
      const message = JSON.stringify({ op: '+', ns: p.namespace, f: field, v: value });
      await runLua(redis, PARK, [keys.parkedNamespaces, keys.parked(p.namespace)], [p.namespace, field, value, keys.parkedChannel, message]);
    },
    async unpark(s) {
      const field = slotField(s);
      const message = JSON.stringify({ op: '-', ns: s.namespace, f: field });
      await runLua(redis, UNPARK, [keys.parkedNamespaces, keys.parked(s.namespace)], [s.namespace, field, keys.parkedChannel, message]);
    },
    async scan(each) {
      for (const namespace of await redis.smembers(keys.parkedNamespaces)) {
        const pods: ParkedPod[] = [];
        let cursor = '0';
        do {
          const [next, flat] = await redis.hscan(keys.parked(namespace), cursor, 'COUNT', SCAN_COUNT);
          cursor = next;
          for (let i = 0; i + 1 < flat.length; i += 2) {
            const pod = decodeEntry(namespace, flat[i] ?? '', flat[i + 1] ?? '');
            if (pod !== null) pods.push(pod);
          }
        } while (cursor !== '0');
        each(namespace, pods);
      }
    },
  };
}
