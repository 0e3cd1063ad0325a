// GET /v1/jobs/{id}/pods: one page of a job's pods, read field by field (HMGET) from the
// job's hashes, never the whole job: a page of 100 pods of a 10,000-pod job reads those 100
// pods' fields and their hooks, in two round trips. A status filter first reads the status
// field alone, a chunk at a time, until the page is full.

import type { RedisClient } from '../redis.ts';
import type { PodStatus } from '../domain/types.ts';
import type { PodResultView } from '../domain/views.ts';
import { planHookIndexes, podView } from './codec.ts';
import { decodePodCursor, encodePodCursor } from './cursor.ts';
import type { JobKeys } from './keys.ts';
import type { PodPage, PodPageQuery } from './types.ts';

/** Statuses read per round trip while filtering. */
const STATUS_CHUNK = 1000;
/** A filtered page stops after looking at this many pods, even if short: its cursor goes on from there. */
const MAX_EXAMINED = 20_000;

type Replies = [Error | null, unknown][];

function values(replies: Replies, i: number): (string | null)[] {
  const [err, v] = replies[i] ?? [null, []];
  if (err) throw err;
  return v as (string | null)[];
}

/** The pod indexes of the page, and the index the next page starts at (null: none). */
async function pick(redis: RedisClient, k: JobKeys, count: number, start: number, limit: number, status: PodStatus | null): Promise<{ indexes: number[]; next: number | null }> {
  if (status === null) {
    const end = Math.min(count, start + limit);
    const indexes: number[] = [];
    for (let i = start; i < end; i++) indexes.push(i);
    return { indexes, next: end < count ? end : null };
  }
  const indexes: number[] = [];
  let i = start;
  while (i < count) {
    const end = Math.min(count, i + STATUS_CHUNK);
    const fields: string[] = [];
    for (let j = i; j < end; j++) fields.push(`${j}:st`);
    const statuses = await redis.hmget(k.pods, ...fields);
    for (let j = i; j < end; j++) {
      // An unwritten status is pending, as the job view shows it.
      if ((statuses[j - i] ?? 'pending') !== status) continue;
      // One match beyond the page says whether a next page holds anything.
      if (indexes.length === limit) return { indexes, next: j };
      indexes.push(j);
    }
    i = end;
    if (i - start >= MAX_EXAMINED && i < count) return { indexes, next: i };
  }
  return { indexes, next: null };
}

/** null when the job does not exist. */
export async function readPodPage(redis: RedisClient, k: JobKeys, jobId: string, query: PodPageQuery): Promise<PodPage | null> {
  const [id, n] = await redis.hmget(k.job, 'id', 'n:pods');
  if (!id) return null;
  const count = Number(n ?? 0) || 0;
  const status = query.status ?? null;
  const start = query.cursor === undefined ? 0 : decodePodCursor(query.cursor, { jobId, status });
  const { indexes, next } = await pick(redis, k, count, Math.min(start, count), Math.max(1, query.limit), status);
  const nextCursor = next === null ? null : encodePodCursor({ jobId, index: next, status });
  if (indexes.length === 0) return { pods: [], nextCursor };

  const first = redis.pipeline();
  for (const i of indexes) first.hmget(k.pods, `${i}:ref`, `${i}:st`, `${i}:err`);
  first.hmget(k.plans, ...indexes.map(String));
  const r1 = ((await first.exec()) ?? []) as Replies;
  const plans = values(r1, indexes.length);
  const hookFields = indexes.map((i, n) => planHookIndexes(plans[n]).map((h) => `${i}:${h}`));
  const all = hookFields.flat();
  let hooks = new Map<string, string | null>();
  let results = new Map<string, string | null>();
  if (all.length > 0) {
    const r2 = ((await redis.pipeline().hmget(k.hooks, ...all).hmget(k.results, ...all).exec()) ?? []) as Replies;
    const hv = values(r2, 0);
    const rv = values(r2, 1);
    hooks = new Map(all.map((f, j) => [f, hv[j] ?? null]));
    results = new Map(all.map((f, j) => [f, rv[j] ?? null]));
  }
  const pods: PodResultView[] = [];
  indexes.forEach((i, n) => {
    const [ref, st, err] = values(r1, n);
    // Pods are recorded together: a missing ref is a pod of a job that expired meanwhile.
    if (!ref) return;
    pods.push(podView(ref, st, err, plans[n], (h) => hooks.get(`${i}:${h}`), (h) => results.get(`${i}:${h}`)));
  });
  return { pods, nextCursor };
}
