// Starts hookd's roles (api, worker, or both) from validated configuration, and stops them
// in reverse order on SIGTERM/SIGINT. Nothing else lives here: every piece is built by
// its own module and handed what it needs.

import closeWithGrace from 'close-with-grace';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { startRuntime, type Runtime } from './runtime.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hookd: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log: Logger = createLogger(config.logLevel);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  let runtime: Runtime | null = null;
  const closer = closeWithGrace({ delay: config.shutdownTimeoutMs + 5000, logger: { error: (m: unknown) => log.error({ err: String(m) }, 'shutdown') } }, async ({ signal, err }) => {
    if (err) log.error({ err: err.message, stack: err.stack }, 'fatal error; shutting down');
    else log.info({ signal }, 'shutting down');
    await runtime?.stop();
  });
  try {
    runtime = await startRuntime(config, log, metrics);
  } catch (err) {
    log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'hookd could not start');
    closer.uninstall();
    await runtime?.stop();
    // A setting that hookd refuses is the operator's to change: exit 2 like any bad setting.
    if (err instanceof ConfigError) {
      process.stderr.write(`hookd: ${err.message}\n`);
      process.exit(2);
    }
    process.exit(1);
  }
}

await main();
