// The command line of `kubectl hookd` (kubectl passes everything after `hookd` to the
// plugin, so flags such as --kubeconfig and -n are the plugin's own to parse). Pure: argv
// in, a command or a usage error out. Flags may come before or after the command's words,
// as with kubectl; each command accepts only its own flags and the global ones.

import { parseArgs } from 'node:util';
import { parseGoDuration } from '../domain/duration.ts';
import type { JobStatus } from '../domain/types.ts';
import { ENDED_STATUSES } from './progress.ts';

export interface GlobalOptions {
  readonly server: string | null;
  readonly token: string | null;
  readonly auth: string | null;
  readonly kubeconfig: string | null;
  readonly context: string | null;
  /** 0: no limit. */
  readonly requestTimeoutMs: number;
}

export type RunTarget =
  | { readonly kind: 'restore'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'selector'; readonly namespaces: readonly string[]; readonly labelSelector: string | null }
  | { readonly kind: 'pods'; readonly namespace: string; readonly names: readonly string[] };

export type Command =
  | { readonly kind: 'help'; readonly topic: CommandName | null }
  | {
      readonly kind: 'run';
      readonly target: RunTarget;
      /** A file of Velero spec.hooks (YAML or JSON), `-` for standard input. */
      readonly hooksFile: string | null;
      readonly restoreName: string | null;
      readonly failFast: boolean;
      readonly follow: boolean;
      readonly dryRun: boolean;
      readonly idempotencyKey: string | null;
      readonly output: 'json' | 'yaml' | 'name' | null;
    }
  | { readonly kind: 'get'; readonly id: string; readonly watch: boolean; readonly showOutput: boolean; readonly output: 'json' | 'yaml' | 'wide' | 'name' | null }
  | { readonly kind: 'list'; readonly restore: string | null; readonly status: JobStatus | null; readonly limit: number | null; readonly output: 'json' | 'yaml' | 'wide' | 'name' | null }
  | { readonly kind: 'cancel'; readonly id: string };

export type CommandName = 'run' | 'get' | 'list' | 'cancel';

export type Parsed =
  | { readonly ok: true; readonly command: Command; readonly global: GlobalOptions }
  | { readonly ok: false; readonly message: string; readonly topic: CommandName | null };

const OPTIONS = {
  // global
  server: { type: 'string', short: 's' },
  token: { type: 'string' },
  auth: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'request-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  // commands
  restore: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  selector: { type: 'string', short: 'l' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  hooks: { type: 'string' },
  'restore-name': { type: 'string' },
  'fail-fast': { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  'dry-run': { type: 'boolean' },
  'idempotency-key': { type: 'string' },
  output: { type: 'string', short: 'o' },
  watch: { type: 'boolean', short: 'w' },
  'show-output': { type: 'boolean' },
  status: { type: 'string' },
  limit: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;

const GLOBAL: readonly OptionName[] = ['server', 'token', 'auth', 'kubeconfig', 'context', 'request-timeout', 'help'];

const ALLOWED: Record<CommandName, readonly OptionName[]> = {
  run: ['restore', 'namespace', 'selector', 'all-namespaces', 'hooks', 'restore-name', 'fail-fast', 'follow', 'dry-run', 'idempotency-key', 'output'],
  get: ['output', 'watch', 'show-output'],
  list: ['restore', 'status', 'limit', 'output'],
  cancel: [],
};

const COMMANDS: readonly CommandName[] = ['run', 'get', 'list', 'cancel'];
const isCommand = (s: string | undefined): s is CommandName => COMMANDS.includes(s as CommandName);

/** Velero's default namespace, for `--restore NAME` without one (as the velero CLI assumes). */
export const VELERO_NAMESPACE = 'velero';

const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', ...ENDED_STATUSES];

class UsageError extends Error {}

function outputFormat<T extends string>(value: string | undefined, allowed: readonly T[], command: CommandName): T | null {
  if (value === undefined) return null;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${command}: unknown output format "${value}" (one of ${allowed.join(', ')})`);
}

function parseRestoreRef(ref: string): { namespace: string; name: string } {
  const parts = ref.split('/');
  if (parts.length === 1 && parts[0] !== '') return { namespace: VELERO_NAMESPACE, name: ref };
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { namespace: parts[0] ?? '', name: parts[1] ?? '' };
  throw new UsageError(`run: --restore takes NAMESPACE/NAME (or NAME, in namespace ${VELERO_NAMESPACE}), not "${ref}"`);
}

type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function runCommand(v: Values, words: readonly string[]): Command {
  const selectorFlags = v.namespace !== undefined || v.selector !== undefined || v['all-namespaces'] === true || words.length > 0;
  if (v.follow && v['dry-run']) throw new UsageError('run: --follow and --dry-run exclude each other (a dry run runs nothing)');
  let target: RunTarget;
  if (v.restore !== undefined) {
    if (selectorFlags || v.hooks !== undefined || v['restore-name'] !== undefined) {
      throw new UsageError('run: --restore takes its pods and hooks from the Velero Restore; it cannot be combined with -n, -l, -A, pod names, --hooks or --restore-name');
    }
    target = { kind: 'restore', ...parseRestoreRef(v.restore) };
  } else if (words.length > 0) {
    if (v.namespace === undefined) throw new UsageError('run: pod names need -n NAMESPACE');
    if (v.selector !== undefined || v['all-namespaces']) throw new UsageError('run: give pod names or a selector (-l), not both');
    target = { kind: 'pods', namespace: v.namespace, names: words };
  } else if (v.namespace !== undefined || v.selector !== undefined || v['all-namespaces']) {
    if (v['all-namespaces'] && v.namespace !== undefined) throw new UsageError('run: -n and -A exclude each other');
    // A hook runs commands in containers: which namespaces is always said, never a default.
    if (!v['all-namespaces'] && v.namespace === undefined) throw new UsageError('run: -l needs -n NAMESPACE, or -A for every namespace you may list pods in');
    target = { kind: 'selector', namespaces: v.namespace === undefined ? [] : [v.namespace], labelSelector: v.selector ?? null };
  } else {
    throw new UsageError('run: say which pods: --restore NAMESPACE/NAME, or -n NAMESPACE [-l SELECTOR], or -n NAMESPACE POD...');
  }
  return {
    kind: 'run',
    target,
    hooksFile: v.hooks ?? null,
    restoreName: v['restore-name'] ?? null,
    failFast: v['fail-fast'] ?? false,
    follow: v.follow ?? false,
    dryRun: v['dry-run'] ?? false,
    idempotencyKey: v['idempotency-key'] ?? null,
    output: outputFormat(v.output, ['json', 'yaml', 'name'] as const, 'run'),
  };
}

function oneWord(command: CommandName, words: readonly string[]): string {
  if (words.length === 0) throw new UsageError(`${command}: needs a JOB id`);
  if (words.length > 1) throw new UsageError(`${command}: takes one JOB id, got ${words.length}: ${words.join(' ')}`);
  return words[0] ?? '';
}

function limitOf(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new UsageError(`list: --limit takes a positive whole number, not "${value}"`);
  return Number(value);
}

function statusOf(value: string | undefined): JobStatus | null {
  if (value === undefined) return null;
  if (!(JOB_STATUSES as readonly string[]).includes(value)) throw new UsageError(`list: --status is one of ${JOB_STATUSES.join(', ')}, not "${value}"`);
  return value as JobStatus;
}

function globalOptions(v: Values): GlobalOptions {
  let requestTimeoutMs = 30_000;
  if (v['request-timeout'] !== undefined) {
    const ms = parseGoDuration(v['request-timeout']);
    if (ms === null || ms < 0) throw new UsageError(`--request-timeout takes a duration such as 30s or 1m (0: no limit), not "${v['request-timeout']}"`);
    requestTimeoutMs = ms;
  }
  if (v.auth !== undefined && !['kubernetes', 'tokens', 'none'].includes(v.auth)) {
    throw new UsageError(`--auth is kubernetes, tokens or none, not "${v.auth}"`);
  }
  return {
    server: v.server ?? null,
    token: v.token ?? null,
    auth: v.auth ?? null,
    kubeconfig: v.kubeconfig ?? null,
    context: v.context ?? null,
    requestTimeoutMs,
  };
}

function flagName(name: string): string {
  const short = (OPTIONS as Record<string, { short?: string }>)[name]?.short;
  return short === undefined ? `--${name}` : `-${short}, --${name}`;
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  let topic: CommandName | null = null;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const first = argv.find((a) => !a.startsWith('-'));
      topic = isCommand(first) ? first : null;
      if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
        const flag = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '?';
        throw new UsageError(`unknown flag: ${flag}`);
      }
      throw new UsageError((e.message ?? String(err)).split('\n')[0] ?? '');
    }
    const v = parsed.values as Values;
    const [first, ...words] = parsed.positionals;
    if (first === 'help') {
      const t = words[0];
      return { ok: true, command: { kind: 'help', topic: isCommand(t) ? t : null }, global: globalOptions(v) };
    }
    if (first === undefined) {
      if (v.help) return { ok: true, command: { kind: 'help', topic: null }, global: globalOptions(v) };
      throw new UsageError('a command is needed');
    }
    if (!isCommand(first)) throw new UsageError(`unknown command "${first}"`);
    topic = first;
    if (v.help) return { ok: true, command: { kind: 'help', topic: first }, global: globalOptions(v) };
    const used = new Set(parsed.tokens.filter((t) => t.kind === 'option').map((t) => t.name));
    for (const name of used) {
      if (!GLOBAL.includes(name as OptionName) && !ALLOWED[first].includes(name as OptionName)) {
        throw new UsageError(`${first}: unknown flag ${flagName(name)}`);
      }
    }
    const global = globalOptions(v);
    switch (first) {
      case 'run':
        return { ok: true, command: runCommand(v, words), global };
      case 'get':
        return {
          ok: true,
          command: { kind: 'get', id: oneWord('get', words), watch: v.watch ?? false, showOutput: v['show-output'] ?? false, output: outputFormat(v.output, ['json', 'yaml', 'wide', 'name'] as const, 'get') },
          global,
        };
      case 'list':
        if (words.length > 0) throw new UsageError(`list: takes no arguments, got ${words.join(' ')}`);
        return {
          ok: true,
          command: { kind: 'list', restore: v.restore ?? null, status: statusOf(v.status), limit: limitOf(v.limit), output: outputFormat(v.output, ['json', 'yaml', 'wide', 'name'] as const, 'list') },
          global,
        };
      case 'cancel':
        return { ok: true, command: { kind: 'cancel', id: oneWord('cancel', words) }, global };
    }
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, message: err.message, topic };
    throw err;
  }
}
