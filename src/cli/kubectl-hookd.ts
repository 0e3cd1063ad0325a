#!/usr/bin/env node
// The executable kubectl finds on the PATH as a plugin (`kubectl hookd ...` runs
// `kubectl-hookd ...`): the process's streams and environment handed to main().

import { readFile } from 'node:fs/promises';
import { main } from './main.ts';

const controller = new AbortController();
// Ctrl-C while following: stop the stream, clear the progress line, exit as a shell would.
process.once('SIGINT', () => {
  controller.abort();
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  process.exit(130);
});

const readInput = async (path: string): Promise<string> => {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

try {
  process.exitCode = await main(process.argv.slice(2), process.env, {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    errIsTTY: process.stderr.isTTY === true,
    now: () => Date.now(),
    readFile: readInput,
    signal: controller.signal,
  });
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
