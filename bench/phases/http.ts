// HTTP figures and Redis memory, on the hookd pair of the largest throughput run, kept
// running for this: Redis is measured first (the finished jobs alone under the prefix), then
// GET of that job (whole, ?view=summary, and a page of its pods), then POSTs of 1,000 pods with the worker stopped, so the POSTed jobs stay
// queued instead of making the worker compete with the API for the CPU.

import type { HookdPair } from '../context.ts';
import { benchHooks } from '../hookd/client.ts';
import { measureHttp, round, type HttpFigures } from '../http-load.ts';
import type { Progress } from '../progress.ts';
import { prefixBytes } from '../redis-keys.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { HOOK_COMMAND } from './throughput.ts';

export const POST_PODS = 1000;
/** The page GET /v1/jobs/{id}/pods is measured with (the API's default). */
export const PAGE_PODS = 100;

export interface HttpOutcome {
  readonly redis: { readonly bytesPer1000Hooks: number; readonly keys: number };
  readonly get: HttpFigures & { readonly hooks: number; readonly bodyBytes: number };
  readonly getSummary: HttpFigures & { readonly bodyBytes: number };
  readonly getPage: HttpFigures & { readonly pods: number; readonly bodyBytes: number };
  readonly post: HttpFigures & { readonly pods: number };
}

export async function runHttp(
  o: { pair: HookdPair; jobId: string; hooks: number; hooksRun: number; namespace: string; redisUrl: string; connections: number; durationSec: number },
  progress: Progress,
): Promise<HttpOutcome> {
  const { pair } = o;
  const mem = await prefixBytes(o.redisUrl, pair.prefix);
  const getUrl = `${pair.url}/v1/jobs/${o.jobId}`;
  const bodyBytes = Buffer.byteLength(await (await fetch(getUrl)).text());
  progress.note(`  Redis: ${mem.bytes} bytes in ${mem.keys} keys for ${o.hooksRun} hooks; GET /v1/jobs/{id} body ${bodyBytes} bytes`);

  progress.note(`  HTTP: GET /v1/jobs/{id} (${o.hooks} hooks), ${o.connections} connection(s), ${o.durationSec} s`);
  const get = await measureHttp({ url: getUrl, method: 'GET', connections: o.connections, durationSec: o.durationSec });
  // The same job read the two ways a client of a large job can: its summary, and a page of its pods.
  const summaryUrl = `${getUrl}?view=summary`;
  const pageUrl = `${getUrl}/pods?limit=${PAGE_PODS}&cursor=${await middleCursor(getUrl)}`;
  const summaryBytes = Buffer.byteLength(await (await fetch(summaryUrl)).text());
  const pageBytes = Buffer.byteLength(await (await fetch(pageUrl)).text());
  progress.note(`  HTTP: GET /v1/jobs/{id}?view=summary (${summaryBytes} bytes) and GET /v1/jobs/{id}/pods?limit=${PAGE_PODS} (${pageBytes} bytes), ${o.durationSec} s each`);
  const getSummary = await measureHttp({ url: summaryUrl, method: 'GET', connections: o.connections, durationSec: o.durationSec });
  const getPage = await measureHttp({ url: pageUrl, method: 'GET', connections: o.connections, durationSec: o.durationSec });

  await pair.stopWorker();
  const body = JSON.stringify({
    restore: 'bench-post',
    pods: Array.from({ length: POST_PODS }, (_, i) => ({ namespace: o.namespace, name: `p-${i}` })),
    hooks: benchHooks(o.namespace, HOOK_COMMAND, BENCH_CONTAINER, '1m'),
  });
  progress.note(`  HTTP: POST /v1/jobs (${POST_PODS} pods, ${body.length} bytes), ${o.connections} connection(s), ${o.durationSec} s`);
  const post = await measureHttp({ url: `${pair.url}/v1/jobs`, method: 'POST', body, connections: o.connections, durationSec: o.durationSec });
  progress.note(`  HTTP: GET p99 ${get.p99Ms} ms (summary ${getSummary.p99Ms} ms, page ${getPage.p99Ms} ms), ${get.rps} req/s; POST p99 ${post.p99Ms} ms, ${post.rps} req/s`);
  return {
    redis: { bytesPer1000Hooks: round((mem.bytes / o.hooksRun) * 1000, 0), keys: mem.keys },
    get: { ...get, hooks: o.hooks, bodyBytes },
    getSummary: { ...getSummary, bodyBytes: summaryBytes },
    getPage: { ...getPage, pods: PAGE_PODS, bodyBytes: pageBytes },
    post: { ...post, pods: POST_PODS },
  };
}

/** The cursor of a page in the middle of the job (its first page when the job is small): a page that is not at the start. */
async function middleCursor(jobUrl: string): Promise<string> {
  const summary = (await (await fetch(`${jobUrl}?view=summary`)).json()) as { summary: { pods: number } };
  const skip = Math.min(1000, Math.max(1, Math.floor(summary.summary.pods / 2)));
  const first = (await (await fetch(`${jobUrl}/pods?limit=${skip}`)).json()) as { nextCursor: string | null };
  if (first.nextCursor === null) throw new Error(`GET ${jobUrl}/pods?limit=${skip} gave no next page for a job of ${summary.summary.pods} pods`);
  return encodeURIComponent(first.nextCursor);
}
