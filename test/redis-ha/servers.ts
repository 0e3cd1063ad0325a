// Real Redis deployments for the high-availability tests, on free loopback ports in a
// temporary folder: a master with one replica watched by Sentinel, and a Redis Cluster of
// three masters. Every process started here is stopped (SIGTERM, then SIGKILL) and the
// folder removed by stop(), which the tests register before they do anything else.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  srv.close();
  await once(srv, 'close');
  return typeof address === 'object' && address ? address.port : 0;
}

/** Distinct free ports (a port handed out twice would make a server fail to bind). */
async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it holds, or fails naming `what`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A short-lived admin connection that never retries: each call gets a fresh answer or an error. */
export async function withAdmin<T>(port: number, password: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, ...(password !== '' ? { password } : {}), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
}

/** Starts processes in one temporary folder and stops them all. */
class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'hookd-redis-ha-'));
  private readonly procs: Proc[] = [];

  /** A redis-server (or sentinel) with its config file written to its own folder; stderr is kept in `<name>.log`. */
  start(name: string, conf: string[], sentinel = false): ChildProcess {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const confPath = join(dir, sentinel ? 'sentinel.conf' : 'redis.conf');
    writeFileSync(confPath, [`dir ${dir}`, `logfile ${join(dir, 'server.log')}`, ...conf, ''].join('\n'));
    const [cmd, args] = sentinel ? sentinelCommand(confPath) : ['redis-server', [confPath]];
    const child = spawn(cmd, args, { stdio: 'ignore' });
    // A missing program is found by the wait for the server to answer, with its name.
    child.on('error', () => undefined);
    this.procs.push({ name, child });
    return child;
  }

  /** Stops one process (SIGKILL when asked, or when SIGTERM is not enough within 5 s). */
  async kill(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => this.kill(p.child)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Debian's redis-sentinel when installed, else redis-server in sentinel mode (the same program). */
function sentinelCommand(confPath: string): [string, string[]] {
  const found = spawnSync('sh', ['-c', 'command -v redis-sentinel'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() !== '' ? ['redis-sentinel', [confPath]] : ['redis-server', [confPath, '--sentinel']];
}

const common = (port: number): string[] => ['bind 127.0.0.1', `port ${port}`, 'save ""', 'appendonly no', 'maxmemory-policy noeviction'];

export interface SentinelSetup {
  readonly name: string;
  readonly password: string;
  readonly sentinelPassword: string;
  readonly sentinelPorts: readonly number[];
  /** Ports of the first master and of its replica. */
  readonly masterPort: number;
  readonly replicaPort: number;
  /** The port the sentinels now name as master. */
  currentMasterPort(): Promise<number>;
  /** SENTINEL FAILOVER, then waits until the sentinels name the replica as master. */
  failover(): Promise<number>;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * A master and one replica (both with the data password), and `sentinels` sentinels with
 * a password of their own, quorum 1. The master refuses writes unless its replica is
 * connected (min-replicas-to-write 1): once Sentinel promotes the replica, the old master
 * takes no write that the new one would not have, until clients have moved.
 */
export async function startSentinelSetup(opts: { sentinels?: number } = {}): Promise<SentinelSetup> {
  const procs = new Processes();
  try {
    const count = opts.sentinels ?? 2;
    const [masterPort = 0, replicaPort = 0, ...sentinelPorts] = await freePorts(2 + count);
    const name = 'hookd-ha';
    const password = 'data-pass-0123456789';
    const sentinelPassword = 'sentinel-pass-0123456789';
    const auth = [`requirepass ${password}`, `masterauth ${password}`];
    procs.start('master', [...common(masterPort), ...auth, 'min-replicas-to-write 1', 'min-replicas-max-lag 10']);
    procs.start('replica', [...common(replicaPort), ...auth, `replicaof 127.0.0.1 ${masterPort}`]);
    await until('the replica to sync with the master', () =>
      withAdmin(replicaPort, password, async (r) => /master_link_status:up/.test(await r.info('replication'))),
    );
    for (const [i, port] of sentinelPorts.entries()) {
      procs.start(
        `sentinel-${i}`,
        [
          'bind 127.0.0.1',
          `port ${port}`,
          `requirepass ${sentinelPassword}`,
          `sentinel sentinel-pass ${sentinelPassword}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
          `sentinel auth-pass ${name} ${password}`,
          `sentinel down-after-milliseconds ${name} 2000`,
          `sentinel failover-timeout ${name} 10000`,
        ],
        true,
      );
    }
    const sentinel = <T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> => withAdmin(port, sentinelPassword, fn);
    for (const port of sentinelPorts) {
      // A sentinel can fail over only to a replica it knows, and learns of it from the master's INFO.
      await until(`sentinel ${port} to know the replica`, () =>
        sentinel(port, async (r) => {
          const replicas = (await r.call('SENTINEL', 'REPLICAS', name)) as string[][];
          return replicas.some((fields) => fields.join(' ').includes(`port ${replicaPort}`) && /flags slave( |$)/.test(fields.join(' ')) && fields.join(' ').includes('master-link-status ok'));
        }),
      );
    }
    const currentMasterPort = async (): Promise<number> => {
      const [, port] = (await sentinel(sentinelPorts[0] ?? 0, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as [string, string];
      return Number(port);
    };
    return {
      name,
      password,
      sentinelPassword,
      sentinelPorts,
      masterPort,
      replicaPort,
      currentMasterPort,
      dir: procs.dir,
      async failover() {
        const before = await currentMasterPort();
        await sentinel(sentinelPorts[0] ?? 0, (r) => r.call('SENTINEL', 'FAILOVER', name));
        let after = before;
        await until('the sentinels to name a new master', async () => {
          after = await currentMasterPort();
          if (after === before) return false;
          // Every sentinel, not just the one asked: clients may ask any of them.
          for (const port of sentinelPorts) {
            const [, p] = (await sentinel(port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as [string, string];
            if (Number(p) !== after) return false;
          }
          return true;
        });
        return after;
      },
      stop: () => procs.stopAll(),
    };
  } catch (err) {
    await procs.stopAll();
    throw err;
  }
}

export interface ClusterSetup {
  readonly ports: readonly number[];
  readonly password: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Three masters, no replicas, every slot assigned: with redis-cli --cluster create when
 * redis-cli is installed, else by hand (CLUSTER MEET, then ADDSLOTSRANGE per node).
 */
export async function startRedisCluster(): Promise<ClusterSetup> {
  const procs = new Processes();
  try {
    const password = 'cluster-pass-0123456789';
    const all = await freePorts(6);
    const ports = all.slice(0, 3);
    for (const [i, port] of ports.entries()) {
      procs.start(`node-${i}`, [
        ...common(port),
        `requirepass ${password}`,
        `masterauth ${password}`,
        'cluster-enabled yes',
        // The bus port is given, not port + 10000, which may be taken or above 65535.
        `cluster-port ${all[3 + i]}`,
        `cluster-config-file ${join(procs.dir, `node-${i}`, 'nodes.conf')}`,
        'cluster-node-timeout 5000',
      ]);
    }
    for (const port of ports) await until(`cluster node ${port} to answer`, () => withAdmin(port, password, async (r) => (await r.ping()) === 'PONG'));
    const cli = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' });
    if (cli.status === 0 && cli.stdout.trim() !== '') {
      const r = spawnSync('redis-cli', ['--no-auth-warning', '-a', password, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}\n${r.stderr}`);
    } else {
      const per = Math.ceil(16384 / ports.length);
      for (const [i, port] of ports.entries()) {
        await withAdmin(port, password, async (r) => {
          await r.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(16383, (i + 1) * per - 1)));
          // MEET takes the bus port: the node's own port is not where nodes talk to each other.
          for (const [j, other] of ports.entries()) if (other !== port) await r.call('CLUSTER', 'MEET', '127.0.0.1', String(other), String(all[3 + j]));
        });
      }
    }
    for (const port of ports) {
      await until(`cluster node ${port} to report the cluster ok`, () =>
        withAdmin(port, password, async (r) => {
          const info = String(await r.call('CLUSTER', 'INFO'));
          return /cluster_state:ok/.test(info) && /cluster_known_nodes:3/.test(info) && /cluster_slots_assigned:16384/.test(info);
        }),
      );
    }
    return { ports, password, dir: procs.dir, stop: () => procs.stopAll() };
  } catch (err) {
    await procs.stopAll();
    throw err;
  }
}
