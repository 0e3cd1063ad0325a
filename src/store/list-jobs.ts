// GET /v1/jobs: newest first from the index (a sorted set scored by createdAtMs), filtered by
// restore and status. A page reads job summaries in batches (one pipelined round trip per
// batch) and never touches pods or hooks: summary counts are kept in the job hash.
// Ids whose job has expired are dropped from the index as they are met.

import type { RedisClient } from '../redis.ts';
import type { JobSummaryView } from '../domain/views.ts';
import { SUMMARY_FIELDS, summaryFromFields } from './codec.ts';
import { decodeCursor, encodeCursor, type Cursor } from './cursor.ts';
import type { StoreKeys } from './keys.ts';
import type { ListJobsQuery } from './types.ts';

/** A page stops after examining this many jobs, even if short: its cursor goes on from there. */
const MAX_EXAMINED = 10_000;

function entries(raw: readonly string[]): Cursor[] {
  const out: Cursor[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ id: raw[i] ?? '', score: Number(raw[i + 1]) });
  return out;
}

export async function listJobs(
  redis: RedisClient,
  keys: StoreKeys,
  query: ListJobsQuery,
): Promise<{ jobs: JobSummaryView[]; nextCursor: string | null }> {
  const limit = Math.max(1, query.limit);
  const start = query.cursor !== undefined ? decodeCursor(query.cursor) : null;
  const max = start ? String(start.score) : '+inf';
  const batch = Math.min(Math.max(limit + 1, 50), 500);
  const found: { at: Cursor; job: JobSummaryView }[] = [];
  let offset = 0;
  let examined = 0;
  let last: Cursor | null = null;

  for (;;) {
    const raw = await redis.zrange(keys.index, max, '-inf', 'BYSCORE', 'REV', 'LIMIT', offset, batch, 'WITHSCORES');
    const page = entries(raw);
    offset += page.length;
    // Members with the cursor's score come in reverse id order: those down to the cursor were on earlier pages.
    const todo = start ? page.filter((e) => e.score < start.score || (e.score === start.score && e.id < start.id)) : page;
    const pipeline = redis.pipeline();
    for (const e of todo) pipeline.hmget(keys.job(e.id).job, ...SUMMARY_FIELDS);
    const replies = todo.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    const gone: string[] = [];
    for (const [i, e] of todo.entries()) {
      const [err, fields] = replies[i] ?? [null, null];
      if (err) throw err;
      const job = summaryFromFields((fields as (string | null)[] | null) ?? []);
      if (!job) {
        gone.push(e.id);
        continue;
      }
      examined++;
      last = e;
      if (query.restore !== undefined && job.restore !== query.restore) continue;
      if (query.status !== undefined && job.status !== query.status) continue;
      if (query.owner !== undefined && (job.owner === null ? null : `${job.owner.kind}:${job.owner.name}`) !== query.owner) continue;
      found.push({ at: e, job });
      if (found.length > limit) {
        const kept = found.slice(0, limit);
        return { jobs: kept.map((f) => f.job), nextCursor: encodeCursor(kept[limit - 1]?.at ?? e) };
      }
    }
    if (gone.length > 0) {
      await redis.zrem(keys.index, ...gone);
      offset -= gone.length;
    }
    if (page.length < batch) return { jobs: found.map((f) => f.job), nextCursor: null };
    if (examined >= MAX_EXAMINED && last) return { jobs: found.map((f) => f.job), nextCursor: encodeCursor(last) };
  }
}

/** Drops the oldest index entries whose job has expired (called now and then, so the index cannot grow without bound). */
export async function sweepIndex(redis: RedisClient, keys: StoreKeys, olderThanMs: number): Promise<number> {
  const ids = await redis.zrange(keys.index, '-inf', `(${olderThanMs}`, 'BYSCORE', 'LIMIT', 0, 50);
  if (ids.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.exists(keys.job(id).job);
  const replies = (await pipeline.exec()) ?? [];
  const gone = ids.filter((_, i) => replies[i]?.[1] === 0);
  if (gone.length > 0) await redis.zrem(keys.index, ...gone);
  return gone.length;
}
