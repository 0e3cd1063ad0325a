// What the worker may say about a hook in its log. A command can carry a secret
// (`sh -c "PGPASSWORD=... psql"`, often as one annotation string), and logs travel further
// than job views: a log line names the executable and the command's size, never its text.

import { HookPhase } from '../domain/types.ts';

/** The executable (first word of the first argument, without its folder) and the command's size. */
export function commandShape(command: readonly string[]): { readonly executable: string; readonly args: number; readonly commandBytes: number } {
  const first = (command[0] ?? '').trim().split(/\s+/)[0] ?? '';
  const executable = first.slice(first.lastIndexOf('/') + 1).slice(0, 64);
  return { executable, args: command.length, commandBytes: command.reduce((n, a) => n + Buffer.byteLength(a), 0) };
}

/**
 * A message with every quoted value replaced by its size. Configuration warnings quote
 * annotation values (`key: "value" ...`, and a misspelt key can hold a command), and
 * container runtimes quote the executable they could not start, which for a single-string
 * command is the whole command line.
 */
export function quotesHidden(warning: string): string {
  return warning.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => `<${Buffer.byteLength(quoted) - 2} bytes>`);
}

/** A hook that failed (non-zero exit, timeout, no container, API error) is worth a warning; other endings are news. */
export function levelOf(phase: HookPhase): 'warn' | 'info' {
  return phase === HookPhase.Failed ? 'warn' : 'info';
}
