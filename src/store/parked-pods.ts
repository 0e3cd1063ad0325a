// Pods that wait for their containers, parked in Redis instead of held by a worker: per
// namespace a hash `<jobId>/<podIndex>` -> what the pod waits for, and a set of the namespaces
// that have any. The pod's queue job meanwhile sits in BullMQ's delayed set until the wait's
// deadline, so it holds no lock and no worker memory. Every worker process keeps an index of
// these entries (read here at start and on a timer, kept current between reads by the
// changes published on `parkedChannel`) and wakes a pod when its namespace's watch shows it
// up. Park and unpark are one script each, so the namespace set never loses a namespace that
// still has parked pods.
//
// Each park carries a token, and an unpark deletes the entry only while it still carries the
// token of the park its run owns (compare-and-delete). A woken run whose event loop stalled
// past its queue lock may unpark after another worker took its job over and parked the pod
// again: sinceMs and untilMs are carried across such re-parks, so only the token tells the two
// parks apart, and without it the late unpark deleted the new park (the pod then slept to its
// deadline). The unpark message names the token too, so no process drops a newer park from
// its index either.
//
// Rolling upgrade: an entry written by a version without tokens reads as token 0, and a run
// whose job data has no token (parked by such a version) unparks with token 0: it deletes a
// token-less entry and no other, since an entry with a token is a newer park by a newer
// version. An older version's unpark deletes whatever is there and its message carries no
// token (read as token null: drop whatever park the slot has), as before; an older version's
// re-park keeps the job data's previous token while writing none, so the newer run's unpark
// leaves that entry, and the read of the whole index removes it after its deadline.

import { randomInt } from 'node:crypto';
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
  /**
   * Which park of the slot this is (see the top of this file): a random whole number in
   * [1, 2^30), small enough to live inside an index entry; 0: written by a version without
   * tokens. Two parks of one slot draw the same token once in about a billion: their unparks
   * then behave as they did before tokens.
   */
  readonly token: number;
}

export interface ParkedSlot {
  readonly namespace: string;
  readonly jobId: string;
  readonly podIndex: number;
}

/** One park of a slot: what an unpark names, so it removes that park and no later one. */
export interface OwnedPark extends ParkedSlot {
  readonly token: number;
}

/** An unpark's token is null when an older version sent it: it removed whatever park the slot had. */
export type ParkChange =
  | { readonly kind: 'parked'; readonly pod: ParkedPod }
  | { readonly kind: 'unparked'; readonly slot: ParkedSlot; readonly token: number | null };

/** Tokens are below 2^30, so V8 holds them as small integers inside an entry (no object each). */
const TOKEN_LIMIT = 2 ** 30;

export const newParkToken = (): number => randomInt(1, TOKEN_LIMIT);

const isToken = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TOKEN_LIMIT;

export interface ParkedPods {
  park(pod: ParkedPod): Promise<void>;
  /** Deletes the slot's entry if it is still this park (or cannot be read): true when it did. */
  unpark(park: OwnedPark): Promise<boolean>;
  /** Every parked pod, one namespace at a time. */
  scan(each: (namespace: string, pods: ParkedPod[]) => void): Promise<void>;
}

const PARK = lua(`
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`);

// Deletes the entry only while it carries ARGV[5] as its token (none: 0). An entry that does
// not decode as hookd's (decodeEntry ignores it, so no process indexes or prunes it) is
// deleted by any unpark of its slot rather than left forever.
const UNPARK = lua(`
local v = redis.call('HGET', KEYS[2], ARGV[2])
if not v then return 0 end
local ok, e = pcall(cjson.decode, v)
if ok and type(e) == 'table' and (e.t == nil or type(e.t) == 'number') then
  if (e.t or 0) ~= tonumber(ARGV[5]) then return 0 end
end
redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`);

const SCAN_COUNT = 1000;

export const slotField = (s: Pick<ParkedSlot, 'jobId' | 'podIndex'>): string => `${s.jobId}/${s.podIndex}`;

/** The hash value: only what a wake-up needs, in short keys (a hundred thousand of them may be parked). */
function encodeValue(p: ParkedPod): string {
  return JSON.stringify({ n: p.name, c: p.awaited.map((c) => [c.name, c.ready ? 1 : 0]), u: p.untilMs, s: p.sinceMs, t: p.token });
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
  // No token: written by a version without tokens (see the top of this file).
  const token = v.t ?? 0;
  if (!isToken(token)) return null;
  const awaited: AwaitedContainer[] = [];
  for (const c of v.c) {
    if (!Array.isArray(c) || typeof c[0] !== 'string') return null;
    awaited.push({ name: c[0], ready: c[1] === 1 });
  }
  return { ...slot, namespace, name: v.n, awaited, untilMs: v.u, sinceMs: v.s, token };
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
  if (m.op !== '-' || slot === null) return null;
  // No token: an older version's unpark, which deleted whatever park the slot had.
  if (m.t === undefined) return { kind: 'unparked', slot: { namespace: m.ns, ...slot }, token: null };
  return isToken(m.t) ? { kind: 'unparked', slot: { namespace: m.ns, ...slot }, token: m.t } : null;
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
      // Published only when the entry carried s.token (or could not be read): the token it names is the deleted park's.
      const message = JSON.stringify({ op: '-', ns: s.namespace, f: field, t: s.token });
      return (await runLua(redis, UNPARK, [keys.parkedNamespaces, keys.parked(s.namespace)], [s.namespace, field, keys.parkedChannel, message, s.token])) === 1;
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
