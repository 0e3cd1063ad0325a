// CPU time of the processes in a round, so a figure per hook stands next to the wall-clock
// ratio: on a shared machine a neighbour's burst moves seconds, far less the CPU each side spent.

import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ: 100 on every common build). */
const TICKS_PER_SEC = 100;

/** User + system CPU of a process so far, in ms (null: gone, or not Linux). */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / TICKS_PER_SEC : null;
  } catch {
    return null;
  }
}

/** The Redis server's own CPU so far (INFO cpu, main and background threads), in ms. */
export async function redisCpuMs(url: string): Promise<number | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('cpu');
    const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    const ms = (field('used_cpu_sys') + field('used_cpu_user')) * 1000;
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** CPU spent between `start` and `end` readings of several processes (null if any was unreadable). */
export function cpuBetween(start: readonly (number | null)[], end: readonly (number | null)[]): number | null {
  let sum = 0;
  for (let i = 0; i < start.length; i++) {
    const a = start[i];
    const b = end[i];
    if (a === null || a === undefined || b === null || b === undefined) return null;
    sum += b - a;
  }
  return sum;
}
