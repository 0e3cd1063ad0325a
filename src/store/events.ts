// Reading a job's event stream back for Server-Sent Events. A stream entry is small
// (`t` hook|done, `h` = `<pod>:<hook>`, `v` = `<phase>|<startedAtMs>`): the hook's view is
// assembled here from its plan and, once ended, its recorded result, so outputs are stored
// once (in the results hash), not once per event.

import type { RedisClient } from '../redis.ts';
import { isHookEnded } from '../domain/ended.ts';
import type { PodPlan } from '../domain/types.ts';
import { hookView, parseHookValue, parsePodRef } from './codec.ts';
import type { StoreKeys } from './keys.ts';
import type { EventKey, JobEvent } from './types.ts';

/** A stream entry id as Redis makes them (and as Last-Event-ID must carry). */
const EVENT_ID = /^\d{1,20}-\d{1,20}$/;
const U64_MAX = 2n ** 64n - 1n;

/**
 * A stream id Redis accepts as the exclusive start of a range: two unsigned 64-bit parts,
 * not both at their maximum (nothing follows that id). The pattern alone let through
 * 20-digit parts above 2^64-1, which Redis refused (a 500).
 */
export function isEventId(s: string): boolean {
  if (!EVENT_ID.test(s)) return false;
  const [ms = '', seq = ''] = s.split('-');
  const a = BigInt(ms);
  const b = BigInt(seq);
  return a <= U64_MAX && b <= U64_MAX && !(a === U64_MAX && b === U64_MAX);
}

type RawEntry = [id: string, fields: string[]];

function fieldsOf(list: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) m.set(list[i] ?? '', list[i + 1] ?? '');
  return m;
}

function readRaw(redis: RedisClient, keys: StoreKeys, jobId: string, afterId: string | null, max: number): Promise<RawEntry[]> {
  if (afterId !== null && !isEventId(afterId)) throw new Error(`invalid event id "${afterId}"`);
  return redis.xrange(keys.job(jobId).events, afterId === null ? '-' : `(${afterId}`, '+', 'COUNT', Math.max(1, max)) as Promise<RawEntry[]>;
}

export async function readEventKeys(redis: RedisClient, keys: StoreKeys, jobId: string, afterId: string | null, max: number): Promise<EventKey[]> {
  const raw = await readRaw(redis, keys, jobId, afterId, max);
  return raw.map(([id, list]) => {
    const f = fieldsOf(list);
    return { id, hook: f.get('t') === 'hook' ? (f.get('h') ?? '') : null };
  });
}

export async function readEvents(redis: RedisClient, keys: StoreKeys, jobId: string, afterId: string | null, max: number): Promise<JobEvent[]> {
  const k = keys.job(jobId);
  const raw = await readRaw(redis, keys, jobId, afterId, max);
  if (raw.length === 0) return [];
  const entries = raw.map(([id, list]) => ({ id, f: fieldsOf(list) }));

  // One round trip for every pod ref, plan and result these events need.
  const podIdx = new Set<string>();
  const ended = new Set<string>();
  for (const { f } of entries) {
    if (f.get('t') !== 'hook') continue;
    const h = f.get('h') ?? '';
    podIdx.add(h.slice(0, h.indexOf(':')));
    if (isHookEnded(parseHookValue(f.get('v') ?? '').phase)) ended.add(h);
  }
  const pods = [...podIdx];
  const res = [...ended];
  const pipeline = redis.pipeline();
  if (pods.length > 0) {
    pipeline.hmget(k.pods, ...pods.map((p) => `${p}:ref`));
    pipeline.hmget(k.plans, ...pods);
  }
  if (res.length > 0) pipeline.hmget(k.results, ...res);
  const replies = (await pipeline.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  const value = (i: number): (string | null)[] => (replies[i]?.[1] as (string | null)[] | undefined) ?? [];
  const refs = new Map(pods.map((p, i) => [p, value(0)[i] ?? null]));
  const plans = new Map(pods.map((p, i) => [p, value(1)[i] ?? null]));
  const results = new Map(res.map((h, i) => [h, value(pods.length > 0 ? 2 : 0)[i] ?? null]));
  const parsedPlans = new Map<string, PodPlan | null>();
  const planOf = (p: string): PodPlan | null => {
    if (!parsedPlans.has(p)) {
      const json = plans.get(p);
      parsedPlans.set(p, json ? (JSON.parse(json) as PodPlan) : null);
    }
    return parsedPlans.get(p) ?? null;
  };

  const out: JobEvent[] = [];
  for (const { id, f } of entries) {
    if (f.get('t') === 'done') {
      out.push({ id, event: 'done', data: { status: f.get('status') ?? '', summary: JSON.parse(f.get('summary') ?? '{}') as unknown } });
      continue;
    }
    const h = f.get('h') ?? '';
    const p = h.slice(0, h.indexOf(':'));
    const index = Number(h.slice(h.indexOf(':') + 1));
    const planned = planOf(p)?.hooks.find((x) => x.index === index);
    const ref = refs.get(p);
    // The job expired between XRANGE and the reads: nothing left to describe.
    if (!planned || !ref) continue;
    const v = f.get('v') ?? '';
    const view = hookView(planned, v, isHookEnded(parseHookValue(v).phase) ? results.get(h) : null);
    const { namespace, name } = parsePodRef(ref);
    out.push({ id, event: 'hook', data: { ...view, namespace, pod: name } });
  }
  return out;
}
