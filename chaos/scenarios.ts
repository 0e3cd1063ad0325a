// The faults of the chaos suite, each run against a fresh world (chaos/scenario.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tally } from './ledger.ts';
import { count, jobEnd, startWorld, submitJob, type World } from './scenario.ts';
import { fuzz, type FuzzResult } from './fuzz.ts';
import { Redis } from 'ioredis';

export interface ScenarioResult {
  readonly name: string;
  readonly what: string;
  readonly tally: Tally | null;
  readonly jobStatus: string | null;
  readonly tookMs: number;
  /** kill -9: seconds from the kill until the other worker touched the killed worker's pods. */
  readonly takeoverMs?: number;
  /** kill -9 with pods parked: ms from the kill (and every container starting) until the first exec. */
  readonly wakeTakeoverMs?: number;
  readonly fuzz?: FuzzResult;
  readonly error?: string;
}

export interface RunOptions {
  readonly pods: number;
  /** Pods parked when a worker is killed (kill9-parked). */
  readonly parkedPods: number;
  readonly seed: number;
  readonly keep: boolean;
  readonly fuzzRequests: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 60_000, refresh?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (ok()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(refresh ? 250 : 20);
  }
}

const started = (w: World): number => [...w.ledger.entries.values()].reduce((n, e) => n + e.starts, 0);

interface LogLine {
  msg?: string;
  pod?: string;
  time?: string;
}
const logLines = (file: string): LogLine[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

async function withWorld(
  name: string,
  what: string,
  o: RunOptions,
  hookMs: number,
  run: (w: World, jobId: string) => Promise<Partial<ScenarioResult> & { allowInterrupted?: boolean }>,
  extra: { workerEnv?: Record<string, string>; pods?: number; manual?: boolean } = {},
): Promise<ScenarioResult> {
  const t0 = Date.now();
  const pods = extra.pods ?? o.pods;
  const world = await startWorld(name, { pods, hookMs, execConcurrency: 10, seed: o.seed, manual: extra.manual === true, ...(extra.workerEnv ? { workerEnv: extra.workerEnv } : {}) }, o.keep);
  try {
    const id = await submitJob(world, pods);
    const r = await run(world, id);
    const { view } = await jobEnd(world, id, 240_000);
    return { name, what, tally: count(world, view, r.allowInterrupted ?? false), jobStatus: view.status, tookMs: Date.now() - t0, ...r };
  } catch (err) {
    return { name, what, tally: null, jobStatus: null, tookMs: Date.now() - t0, error: err instanceof Error ? err.message : String(err) };
  } finally {
    await world.close();
  }
}

export const SCENARIOS: Record<string, (o: RunOptions) => Promise<ScenarioResult>> = {
  kill9: (o) =>
    withWorld('kill9', 'kill -9 of one of two workers mid-job; the other takes its pods over', o, 1000, async (w) => {
      if (w.workers.length !== 2) throw new Error('two workers expected');
      // Pods planned and not finished, per worker, from its log.
      const heldBy = (i: number): Set<string | undefined> => {
        const lines = logLines(join(w.dir, `worker-${i + 1}.log`));
        const finished = new Set(lines.filter((l) => l.msg === 'pod finished').map((l) => l.pod));
        return new Set(lines.filter((l) => l.msg === 'pod planned' && !finished.has(l.pod)).map((l) => l.pod));
      };
      // The victim is a worker that holds pods when it dies: one worker can take every pod of
      // a small job before the other fetches any, and killing that other would test nothing.
      let victimIndex = -1;
      let held = new Set<string | undefined>();
      await until('a quarter of the hooks to start on a worker that holds pods', () => {
        if (started(w) < o.pods / 2) return false;
        for (const i of [0, 1]) {
          held = heldBy(i);
          victimIndex = i;
          if (held.size > 0) return true;
        }
        return false;
      });
      const victim = w.workers[victimIndex];
      const otherIndex = 1 - victimIndex;
      if (!victim) throw new Error('no victim');
      process.kill(victim.pid, 'SIGKILL');
      const killedAt = Date.now();
      let takeoverMs = -1;
      await until('the other worker to touch the killed worker\'s pods', () => {
        const touched = logLines(join(w.dir, `worker-${otherIndex + 1}.log`)).find((l) => l.pod !== undefined && held.has(l.pod) && l.time !== undefined && Date.parse(l.time) > killedAt);
        if (touched?.time) takeoverMs = Date.parse(touched.time) - killedAt;
        return touched !== undefined || held.size === 0;
      }, 60_000);
      return { takeoverMs, allowInterrupted: true };
    }),

  'kill9-parked': (o) =>
    withWorld(
      'kill9-parked',
      `kill -9 of one of two workers while ${o.parkedPods} pods are parked; then every container starts`,
      o,
      10,
      async (w) => {
        const victim = w.workers[0];
        if (!victim) throw new Error('two workers expected');
        const redis = new Redis(w.redis.url, { maxRetriesPerRequest: 2 });
        try {
          // Parked, and their queue jobs delayed: a pod still on its way there when the worker
          // dies is a pod in flight, which the stalled-job takeover (8 to 12 s) covers instead.
          const queue = `${w.prefix}:hookd-pods`;
          let parked = 0;
          let delayed = 0;
          let active = -1;
          await until(`all ${o.parkedPods} pods to be parked`, () => parked >= o.parkedPods && delayed >= o.parkedPods && active === 0, 600_000, async () => {
            [parked, delayed, active] = await Promise.all([redis.hlen(`${w.prefix}:parked:${w.namespace}`), redis.zcard(`${queue}:delayed`), redis.llen(`${queue}:active`)]);
          });
        } finally {
          redis.disconnect();
        }
        process.kill(victim.pid, 'SIGKILL');
        const killedAt = Date.now();
        // No pause after the kill: Redis may still hand a wake-up's marker to the dead worker's
        // blocked pop, and the survivor's marker nudge must make up for it within about a second.
        await victim.crashed.catch(() => undefined);
        // One pod first: how soon the survivor wakes it is the takeover. Then the rest, in
        // chunks (the sim runs in this process: a long loop would hold its answers back).
        w.sim.setContainerState(w.namespace, 'p-0', 'c', 'running', { ready: true });
        await until('the other worker to wake a pod and run its hook', () => started(w) > 0, 60_000);
        const wakeTakeoverMs = Date.now() - killedAt;
        for (let i = 1; i < o.parkedPods; i++) {
          w.sim.setContainerState(w.namespace, `p-${i}`, 'c', 'running', { ready: true });
          if (i % 200 === 0) await sleep(5);
        }
        return { wakeTakeoverMs };
      },
      { pods: o.parkedPods, manual: true },
    ),

  'redis-sigterm': (o) =>
    withWorld('redis-sigterm', 'Redis stopped with SIGTERM mid-job for 8 s, then started on the same data', o, 1000, async (w) => {
      await until('hooks to start', () => started(w) >= o.pods / 2);
      await w.redis.stop('SIGTERM');
      await sleep(8000);
      await w.redis.start();
      return {};
    }),

  'redis-sigkill': (o) =>
    withWorld('redis-sigkill', 'Redis killed with SIGKILL mid-job for 8 s, then started on the same data', o, 1000, async (w) => {
      await until('hooks to start', () => started(w) >= o.pods / 2);
      await w.redis.stop('SIGKILL');
      await sleep(8000);
      await w.redis.start();
      return {};
    }),

  'redis-flapping': (o) =>
    withWorld('redis-flapping', 'Redis away three times for 3 s, 6 s apart', o, 500, async (w) => {
      await until('hooks to start', () => started(w) >= 2);
      for (let i = 0; i < 3; i++) {
        await w.redis.stop('SIGKILL');
        await sleep(3000);
        await w.redis.start();
        await sleep(6000);
      }
      return {};
    }),

  'api-faults': (o) =>
    withWorld('api-faults', '10% of every API request answered 500, 503 or 429 (exec upgrades included), and watches cut every 40 events', o, 300, async (w) => {
      w.sim.faults.add({ kind: 'error', status: 500, rate: 0.034 });
      w.sim.faults.add({ kind: 'error', status: 503, rate: 0.033 });
      w.sim.faults.add({ kind: 'error', status: 429, rate: 0.033 });
      w.sim.faults.add({ kind: 'watch-cut', afterEvents: 40 });
      return {};
    }),

  'sigterm-3s': (o) =>
    withWorld(
      'sigterm-3s',
      'SIGTERM to one worker with a 3 s grace mid-job (a replacement starts 2 s later)',
      o,
      1000,
      async (w) => {
        const victim = w.workers[0];
        if (!victim) throw new Error('a worker expected');
        await until('hooks to start', () => started(w) >= o.pods / 2);
        const stopping = victim.stop(20_000);
        await sleep(2000);
        await w.addWorker();
        await stopping;
        return {};
      },
      { workerEnv: { HOOKD_SHUTDOWN_TIMEOUT: '3s' } },
    ),

  fuzz: async (o) => {
    const t0 = Date.now();
    const world = await startWorld('fuzz', { pods: 1, hookMs: 10, execConcurrency: 10, seed: o.seed }, o.keep);
    try {
      const result = await fuzz(world.api.url ?? '', o.fuzzRequests, o.seed);
      return { name: 'fuzz', what: `${o.fuzzRequests} seeded hostile requests`, tally: null, jobStatus: null, tookMs: Date.now() - t0, fuzz: result };
    } finally {
      await world.close();
    }
  },
};
