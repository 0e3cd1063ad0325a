// `kubectl hookd`: the command line in, an exit code out (0 done or completed, 1 a hook
// failed or an error, 2 a usage error). Errors from hookd print as kubectl prints a
// server's: `Error from server (HOOKD_JOB_NOT_FOUND): job x not found`.

import { parseCommandLine } from './args.ts';
import { ApiError, createClient, TransportError } from './client.ts';
import { execute, type Io } from './commands.ts';
import { CredentialsError, resolveToken } from './credentials.ts';
import { HooksFileError } from './hooks-file.ts';
import { usage, usageHint } from './usage.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function serverUrl(value: string): URL | null {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    io.err(`error: ${parsed.message}\n${usageHint(parsed.topic)}`);
    return EXIT_USAGE;
  }
  const { command, global } = parsed;
  if (command.kind === 'help') {
    io.out(usage(command.topic));
    return EXIT_OK;
  }
  const server = global.server ?? env['HOOKD_URL'] ?? '';
  if (server === '') {
    io.err(`error: no hookd server: pass --server URL or set HOOKD_URL\n${usageHint(null)}`);
    return EXIT_USAGE;
  }
  if (serverUrl(server) === null) {
    io.err(`error: the server "${server}" is not an http:// or https:// URL\n`);
    return EXIT_USAGE;
  }
  let token: string | null;
  try {
    token = await resolveToken({ token: global.token, auth: global.auth, kubeconfig: global.kubeconfig, context: global.context, env });
  } catch (err) {
    if (err instanceof CredentialsError) {
      io.err(`error: ${err.message}\n`);
      return EXIT_FAILED;
    }
    throw err;
  }
  const client = createClient({ server, token, timeoutMs: global.requestTimeoutMs });
  try {
    return await execute(command, client, io);
  } catch (err) {
    if (err instanceof ApiError) {
      io.err(`Error from server (${err.code}): ${err.message}\n`);
      if (err.statusCode === 401 && token === null) {
        io.err('hookd wants a bearer token: pass --token (or set HOOKD_TOKEN), or set HOOKD_AUTH=kubernetes to send your kubeconfig\'s.\n');
      }
      return EXIT_FAILED;
    }
    if (err instanceof TransportError || err instanceof CredentialsError || err instanceof HooksFileError) {
      io.err(`error: ${err.message}\n`);
      return EXIT_FAILED;
    }
    throw err;
  }
}
