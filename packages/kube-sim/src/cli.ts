// npm run sim -- --port 8443 --kubeconfig ./hookd-sim.kubeconfig
// Starts the simulated cluster on 127.0.0.1, writes its kubeconfig (0600), prints where
// both are, and stops cleanly on SIGTERM or SIGINT. The token is never printed: it is in
// the kubeconfig file.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimCluster } from './cluster.ts';
import { CONFINE_ENV, confinementFromEnv } from './exec/confine.ts';

const USAGE = `usage: npm run sim -- [--port PORT] [--kubeconfig FILE] [--schedule-ms N] [--start-ms N] [--ready-ms N]
                      [--watch-history N] [--bookmark-ms N] [--confine none|bwrap]
  --port         TCP port on 127.0.0.1 (default 0: a free port)
  --kubeconfig   where to write the kubeconfig (default ./hookd-sim.kubeconfig)
  --token        bearer token (default: random; or HOOKD_SIM_TOKEN)
  --schedule-ms, --start-ms, --ready-ms   kubelet delays for pods that do not opt out
  --watch-history   watch events kept per resource for resuming (older: 410 Expired)
  --bookmark-ms     interval of BOOKMARK events on watches that allow them
  --confine      how exec commands run (or HOOKD_SIM_CONFINE): none (default), host processes
                 with your rights; bwrap, each confined by bubblewrap to its container folder`;

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      kubeconfig: { type: 'string' },
      token: { type: 'string' },
      'schedule-ms': { type: 'string' },
      'start-ms': { type: 'string' },
      'ready-ms': { type: 'string' },
      'watch-history': { type: 'string' },
      'bookmark-ms': { type: 'string' },
      confine: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const port = num(values.port, 'port') ?? 0;
  if (port > 65535) throw new Error('--port must be at most 65535');
  const kubeconfigPath = resolve(values.kubeconfig ?? 'hookd-sim.kubeconfig');
  const lifecycle: { scheduleMs?: number; startMs?: number; readyMs?: number } = {};
  const scheduleMs = num(values['schedule-ms'], 'schedule-ms');
  const startMs = num(values['start-ms'], 'start-ms');
  const readyMs = num(values['ready-ms'], 'ready-ms');
  if (scheduleMs !== undefined) lifecycle.scheduleMs = scheduleMs;
  if (startMs !== undefined) lifecycle.startMs = startMs;
  if (readyMs !== undefined) lifecycle.readyMs = readyMs;
  const token = values.token ?? process.env['HOOKD_SIM_TOKEN'];
  const watchHistory = num(values['watch-history'], 'watch-history');
  const bookmarkIntervalMs = num(values['bookmark-ms'], 'bookmark-ms');
  const execConfinement = confinementFromEnv(values.confine !== undefined ? { [CONFINE_ENV]: values.confine } : process.env);
  const sim = await startSimCluster({
    port,
    kubeconfigPath,
    lifecycle,
    ...(token ? { token } : {}),
    ...(watchHistory !== undefined ? { watchHistory } : {}),
    ...(bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs } : {}),
    execConfinement,
    logger: {
      info: (o, msg) => process.stderr.write(`${JSON.stringify({ level: 'info', msg, ...o })}\n`),
      warn: (o, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...o })}\n`),
    },
  });
  const execs = execConfinement === 'bwrap' ? 'confined by bwrap to their container folders' : 'host processes with your rights (--confine bwrap confines them)';
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Announced once the handlers are in: whoever reads the address may signal at once, and a
  // signal before them would kill the process without stopping the sim.
  process.stdout.write(`hookd simulated cluster listening on ${sim.url}\nkubeconfig: ${kubeconfigPath}\n  export KUBECONFIG=${kubeconfigPath}\nexec commands: ${execs}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
});
