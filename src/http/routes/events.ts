// GET /v1/jobs/{id}/events: Server-Sent Events from the job's event stream in the store
// (not BullMQ's best-effort events). Without Last-Event-ID a client first gets every hook's
// current state (one `hook` event each, carrying the id of the event that set that state,
// in the order of those ids), then each change as it is recorded; with Last-Event-ID it
// gets what it missed. The stream ends after `done`. A client that reconnects after `done`
// gets 204, which tells EventSource to stop reconnecting.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import * as E from '../../errors.ts';
import { isEventId } from '../../store/events.ts';
import type { JobStore } from '../../store/types.ts';
import type { RouteDeps } from '../deps.ts';
import type { HttpMetrics } from '../plugins/metrics.ts';
import { errorResponses, SECURITY, V1_ERRORS } from '../schemas/common.ts';
import { EventsHeaders, JobIdParams } from '../schemas/jobs.ts';
import { frame, SseStream } from '../sse.ts';
import { checkJobAccess } from '../access.ts';

/**
 * Events read and sent at a time. An ended hook's event carries its output (up to
 * HOOKD_MAX_OUTPUT_BYTES of each stream), so a batch is what one stream holds at most.
 */
const BATCH = 100;
/** Ids read at a time when the snapshot looks for each hook's latest event (no output in them). */
const KEY_BATCH = 5000;
const RETRY_MS = 2000;
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_WRITE_STALL_MS = 30_000;

/**
 * Sends every hook's latest event, in the order of their ids, then `done` if the job has
 * ended. Each frame keeps its own event's id: a client that leaves after any frame and comes
 * back with that id as Last-Event-ID is sent every later event, which holds the latest state
 * of each hook it had not yet seen. The log is read twice, ids alone first (which event is
 * each hook's latest), then a batch at a time, sending just those: neither the whole log nor
 * its outputs are held at once, however large the job.
 */
async function sendSnapshot(store: JobStore, jobId: string, stream: SseStream): Promise<{ readonly lastId: string | null; readonly ended: boolean }> {
  const latest = new Map<string, string>();
  let lastId: string | null = null;
  let doneId: string | null = null;
  for (;;) {
    const keys = await store.readEventKeys(jobId, lastId, KEY_BATCH);
    for (const e of keys) {
      lastId = e.id;
      if (e.hook === null) doneId = e.id;
      else latest.set(e.hook, e.id);
    }
    if (keys.length < KEY_BATCH) break;
  }
  const wanted = new Set(latest.values());
  if (doneId !== null) wanted.add(doneId);
  latest.clear();
  let after: string | null = null;
  while (wanted.size > 0 && !stream.isClosed) {
    const events = await store.readEvents(jobId, after, BATCH);
    if (events.length === 0) break; // the job expired meanwhile
    const frames: string[] = [];
    for (const e of events) {
      after = e.id;
      if (wanted.delete(e.id)) frames.push(frame(e));
    }
    if (frames.length > 0) await stream.write(frames.join(''));
  }
  return { lastId, ended: doneId !== null };
}

async function follow(deps: RouteDeps, jobId: string, lastEventId: string | null, stream: SseStream, log: FastifyBaseLogger): Promise<void> {
  const heartbeatMs = deps.sseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let pending = false;
  let wake: (() => void) | null = null;
  const off = deps.notifier.onJobEvent(jobId, () => {
    pending = true;
    wake?.();
  });
  try {
    let after = lastEventId;
    if (after === null) {
      const snap = await sendSnapshot(deps.store, jobId, stream);
      if (snap.ended) return;
      after = snap.lastId;
    }
    while (!stream.isClosed) {
      pending = false;
      const events = await deps.store.readEvents(jobId, after, BATCH);
      for (const e of events) {
        await stream.write(frame(e));
        after = e.id;
        if (e.event === 'done') return;
      }
      if (events.length === BATCH || pending) continue;
      let timer: NodeJS.Timeout | undefined;
      const woke = await Promise.race([
        new Promise<'event'>((resolve) => (wake = () => resolve('event'))),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), heartbeatMs))),
        stream.done.then(() => 'closed' as const),
      ]);
      clearTimeout(timer);
      wake = null;
      if (woke === 'timeout') {
        // Also the safety net for a notification lost while Redis pub/sub reconnected.
        await stream.comment('keep-alive');
        if (!(await deps.store.getJobSummary(jobId))) return; // expired while followed
      }
    }
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'event stream ended by an error');
  } finally {
    off();
    stream.end();
    if (stream.stalled) log.warn({ jobId, stallMs: stream.stallMs }, 'event stream ended: the client took nothing it was sent for stallMs');
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: RouteDeps; metrics: HttpMetrics; streams: Set<SseStream> }> = async (app, { deps, metrics, streams }) => {
  /** Open streams per client address. */
  const perClient = new Map<string, number>();
  app.get(
    '/jobs/:id/events',
    {
      // A HEAD would open a stream nobody reads.
      exposeHeadRoute: false,
      schema: {
        summary: "Follow a job's hooks as Server-Sent Events",
        description:
          'Events: `hook` (data: the hook as in GET /v1/jobs/{id}, plus `namespace` and `pod`) on each state change, then `done` ' +
          '(data: `{ status, summary }`), after which the stream ends. Every event has an id; reconnect with Last-Event-ID to get ' +
          'what was missed. Without Last-Event-ID the stream starts with every hook\'s current state. Comments (`: keep-alive`) are heartbeats.',
        tags: ['jobs'],
        security: SECURITY,
        params: JobIdParams,
        headers: EventsHeaders,
        response: {
          200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          204: { description: 'The job has ended and the client has seen every event (EventSource stops reconnecting)', type: 'null' },
          ...errorResponses(...V1_ERRORS, 'HOOKD_REQUEST_INVALID', 'HOOKD_EVENTS_LAST_ID_INVALID', 'HOOKD_FORBIDDEN', 'HOOKD_JOB_NOT_FOUND', 'HOOKD_LIMIT_SSE_PER_CLIENT', 'HOOKD_LIMIT_SSE_CLIENTS'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const lastEventId = request.headers['last-event-id'] ?? null;
      if (lastEventId !== null && !isEventId(lastEventId)) throw new E.LastEventIdInvalid(lastEventId);
      const job = await deps.store.getJobSummary(id);
      await checkJobAccess(request, deps.access, deps.audit, id, job?.owner, 'get');
      if (!job) throw new E.JobNotFound(id);
      if (lastEventId !== null && job.finishedAt !== null && (await deps.store.readEvents(id, lastEventId, 1)).length === 0) {
        return reply.code(204).send(null);
      }
      if (streams.size >= deps.limits.maxSseClients) throw new E.LimitSseClients(String(deps.limits.maxSseClients));
      // One client may not take every slot: streams are counted per address too.
      const client = request.ip;
      if ((perClient.get(client) ?? 0) >= deps.limits.maxSsePerClient) throw new E.LimitSseClientStreams(String(deps.limits.maxSsePerClient));

      reply.hijack();
      // An event stream is long-lived by design: no idle timeout on its socket (heartbeats keep proxies awake).
      request.raw.socket.setTimeout(0);
      const stream = new SseStream(reply.raw, deps.sseWriteStallMs ?? DEFAULT_WRITE_STALL_MS);
      streams.add(stream);
      perClient.set(client, (perClient.get(client) ?? 0) + 1);
      metrics.sseClients.inc();
      try {
        stream.open(RETRY_MS);
        await follow(deps, id, lastEventId, stream, request.log);
      } finally {
        const left = (perClient.get(client) ?? 1) - 1;
        if (left > 0) perClient.set(client, left);
        else perClient.delete(client);
        streams.delete(stream);
        metrics.sseClients.dec();
      }
    },
  );
};
