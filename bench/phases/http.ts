// HTTP figures and Redis memory, on the hookd pair of the largest throughput run, kept
// running for this: Redis is measured first (the finished jobs alone under the prefix), then
// GET of that job, then POSTs of 1,000 pods with the worker stopped, so the POSTed jobs stay
// queued instead of making the worker compete with the API for the CPU.

import type { HookdPair } from '../context.ts';
import { benchHooks } from '../hookd/client.ts';
import { measureHttp, round, type HttpFigures } from '../http-load.ts';
import type { Progress } from '../progress.ts';
import { prefixBytes } from '../redis-keys.ts';
import { BENCH_CONTAINER } from '../sim/protocol.ts';
import { HOOK_COMMAND } from './throughput.ts';

export const POST_PODS = 1000;

export interface HttpOutcome {
  readonly redis: { readonly bytesPer1000Hooks: number; readonly keys: number };
  readonly get: HttpFigures & { readonly hooks: number; readonly bodyBytes: number };
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

  await pair.stopWorker();
  const body = JSON.stringify({
    restore: 'bench-post',
    pods: Array.from({ length: POST_PODS }, (_, i) => ({ namespace: o.namespace, name: `p-${i}` })),
    hooks: benchHooks(o.namespace, HOOK_COMMAND, BENCH_CONTAINER, '1m'),
  });
  progress.note(`  HTTP: POST /v1/jobs (${POST_PODS} pods, ${body.length} bytes), ${o.connections} connection(s), ${o.durationSec} s`);
  const post = await measureHttp({ url: `${pair.url}/v1/jobs`, method: 'POST', body, connections: o.connections, durationSec: o.durationSec });
  progress.note(`  HTTP: GET p99 ${get.p99Ms} ms, ${get.rps} req/s; POST p99 ${post.p99Ms} ms, ${post.rps} req/s`);
  return {
    redis: { bytesPer1000Hooks: round((mem.bytes / o.hooksRun) * 1000, 0), keys: mem.keys },
    get: { ...get, hooks: o.hooks, bodyBytes },
    post: { ...post, pods: POST_PODS },
  };
}
