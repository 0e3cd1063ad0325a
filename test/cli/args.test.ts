// kubectl hookd's command line: every form the README and the help show, and the mistakes
// that must be usage errors (exit 2) rather than a request to hookd.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, type Command, type GlobalOptions } from '../../src/cli/args.ts';

function command(argv: string[]): Command {
  const r = parseCommandLine(argv);
  assert.ok(r.ok, `${argv.join(' ')}: ${r.ok ? '' : r.message}`);
  return r.command;
}

function global(argv: string[]): GlobalOptions {
  const r = parseCommandLine(argv);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.global;
}

function usageError(argv: string[]): { message: string; topic: string | null } {
  const r = parseCommandLine(argv);
  assert.ok(!r.ok, `${argv.join(' ')} should be a usage error, got ${JSON.stringify(r.ok ? r.command : null)}`);
  return r;
}

const RUN_DEFAULTS = { hooksFile: null, restoreName: null, failFast: false, follow: false, dryRun: false, idempotencyKey: null, output: null };

describe('run', () => {
  const cases: { name: string; argv: string[]; want: Command }[] = [
    {
      name: '--restore NS/NAME --follow',
      argv: ['run', '--restore', 'velero/demo-restore', '--follow'],
      want: { kind: 'run', target: { kind: 'restore', namespace: 'velero', name: 'demo-restore' }, ...RUN_DEFAULTS, follow: true },
    },
    {
      name: '--restore NAME is in Velero\'s namespace; --dry-run; --restore=...',
      argv: ['run', '--restore=demo-restore', '--dry-run'],
      want: { kind: 'run', target: { kind: 'restore', namespace: 'velero', name: 'demo-restore' }, ...RUN_DEFAULTS, dryRun: true },
    },
    {
      name: '-n NS -l SELECTOR',
      argv: ['run', '-n', 'demo', '-l', 'app=cache'],
      want: { kind: 'run', target: { kind: 'selector', namespaces: ['demo'], labelSelector: 'app=cache' }, ...RUN_DEFAULTS },
    },
    {
      name: 'flags before the command, short forms glued, -f',
      argv: ['-ndemo', 'run', '-lapp=cache', '-f', '-o', 'name'],
      want: { kind: 'run', target: { kind: 'selector', namespaces: ['demo'], labelSelector: 'app=cache' }, ...RUN_DEFAULTS, follow: true, output: 'name' },
    },
    {
      name: '-A -l: every namespace the caller may list',
      argv: ['run', '-A', '-l', 'tier=db', '--hooks', 'h.yaml', '--restore-name', 'nightly', '--fail-fast', '--idempotency-key', 'k1'],
      want: {
        kind: 'run',
        target: { kind: 'selector', namespaces: [], labelSelector: 'tier=db' },
        ...RUN_DEFAULTS,
        hooksFile: 'h.yaml',
        restoreName: 'nightly',
        failFast: true,
        idempotencyKey: 'k1',
      },
    },
    {
      name: '-n NS alone: every pod of the namespace',
      argv: ['run', '-n', 'demo', '--hooks', '-'],
      want: { kind: 'run', target: { kind: 'selector', namespaces: ['demo'], labelSelector: null }, ...RUN_DEFAULTS, hooksFile: '-' },
    },
    {
      name: 'pod names',
      argv: ['run', '-n', 'demo', 'cache-0', 'cache-1', '-o', 'json'],
      want: { kind: 'run', target: { kind: 'pods', namespace: 'demo', names: ['cache-0', 'cache-1'] }, ...RUN_DEFAULTS, output: 'json' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(command(c.argv), c.want));

  const mistakes: { argv: string[]; message: RegExp }[] = [
    { argv: ['run'], message: /say which pods/ },
    { argv: ['run', '--restore', 'a/b/c'], message: /NAMESPACE\/NAME/ },
    { argv: ['run', '--restore', '/x'], message: /NAMESPACE\/NAME/ },
    { argv: ['run', '--restore', 'velero/r', '-n', 'demo'], message: /cannot be combined/ },
    { argv: ['run', '--restore', 'velero/r', '--hooks', 'h.yaml'], message: /cannot be combined/ },
    { argv: ['run', '-l', 'app=x'], message: /-l needs -n NAMESPACE, or -A/ },
    { argv: ['run', '-A', '-n', 'demo', '-l', 'a=b'], message: /exclude each other/ },
    { argv: ['run', 'pod-0'], message: /pod names need -n/ },
    { argv: ['run', '-n', 'd', '-l', 'a=b', 'pod-0'], message: /not both/ },
    { argv: ['run', '--restore', 'velero/r', '--follow', '--dry-run'], message: /--follow and --dry-run/ },
    { argv: ['run', '--restore', 'velero/r', '-o', 'wide'], message: /unknown output format "wide"/ },
    { argv: ['run', '--restore', 'velero/r', '--watch'], message: /run: unknown flag -w, --watch/ },
    { argv: ['run', '--restore'], message: /argument missing/ },
    { argv: ['run', '--restore', 'velero/r', '--bogus'], message: /^unknown flag: --bogus$/ },
  ];
  for (const m of mistakes) {
    it(`usage error: ${m.argv.join(' ')}`, () => {
      const e = usageError(m.argv);
      assert.match(e.message, m.message);
      assert.equal(e.topic, 'run');
    });
  }
});

describe('get, list, cancel', () => {
  it('get JOB with -o json|yaml|wide|name, --watch, --show-output', () => {
    assert.deepEqual(command(['get', 'j1']), { kind: 'get', id: 'j1', watch: false, showOutput: false, output: null });
    for (const o of ['json', 'yaml', 'wide', 'name'] as const) {
      assert.deepEqual(command(['get', 'j1', '-o', o]), { kind: 'get', id: 'j1', watch: false, showOutput: false, output: o });
    }
    assert.deepEqual(command(['get', '-w', 'j1', '--show-output', '--output=wide']), { kind: 'get', id: 'j1', watch: true, showOutput: true, output: 'wide' });
  });

  it('list with filters', () => {
    assert.deepEqual(command(['list']), { kind: 'list', restore: null, status: null, limit: null, output: null });
    assert.deepEqual(command(['list', '--restore', 'demo-restore', '--status', 'partially_failed', '--limit', '5', '-o', 'name']), {
      kind: 'list',
      restore: 'demo-restore',
      status: 'partially_failed',
      limit: 5,
      output: 'name',
    });
  });

  it('cancel JOB', () => assert.deepEqual(command(['cancel', 'j1']), { kind: 'cancel', id: 'j1' }));

  const mistakes: { argv: string[]; message: RegExp; topic: string | null }[] = [
    { argv: ['get'], message: /get: needs a JOB id/, topic: 'get' },
    { argv: ['get', 'a', 'b'], message: /takes one JOB id, got 2/, topic: 'get' },
    { argv: ['get', 'j1', '-o', 'table'], message: /unknown output format "table" \(one of json, yaml, wide, name\)/, topic: 'get' },
    { argv: ['get', 'j1', '-n', 'demo'], message: /get: unknown flag -n, --namespace/, topic: 'get' },
    { argv: ['cancel'], message: /cancel: needs a JOB id/, topic: 'cancel' },
    { argv: ['cancel', 'j1', '--follow'], message: /cancel: unknown flag -f, --follow/, topic: 'cancel' },
    { argv: ['list', 'x'], message: /takes no arguments/, topic: 'list' },
    { argv: ['list', '--limit', '0'], message: /positive whole number/, topic: 'list' },
    { argv: ['list', '--limit', '1e3'], message: /positive whole number/, topic: 'list' },
    { argv: ['list', '--status', 'done'], message: /--status is one of queued, running, completed/, topic: 'list' },
    { argv: [], message: /a command is needed/, topic: null },
    { argv: ['describe', 'j1'], message: /unknown command "describe"/, topic: null },
    { argv: ['list', '--request-timeout', '5 minutes'], message: /--request-timeout takes a duration/, topic: 'list' },
    { argv: ['list', '--auth', 'oidc'], message: /--auth is kubernetes, tokens or none/, topic: 'list' },
  ];
  for (const m of mistakes) {
    it(`usage error: ${m.argv.join(' ') || '(nothing)'}`, () => {
      const e = usageError(m.argv);
      assert.match(e.message, m.message);
      assert.equal(e.topic, m.topic);
    });
  }
});

describe('help and global options', () => {
  it('help, --help and -h, with or without a command', () => {
    assert.deepEqual(command(['--help']), { kind: 'help', topic: null });
    assert.deepEqual(command(['help']), { kind: 'help', topic: null });
    assert.deepEqual(command(['help', 'run']), { kind: 'help', topic: 'run' });
    assert.deepEqual(command(['get', '-h']), { kind: 'help', topic: 'get' });
    // --help wins over what is missing: the user asked how to use it.
    assert.deepEqual(command(['run', '--help']), { kind: 'help', topic: 'run' });
  });

  it('--server, --token, --auth, --kubeconfig, --context and --request-timeout, anywhere on the line', () => {
    assert.deepEqual(global(['--server', 'http://h:8080', 'list', '--token=t', '--auth', 'kubernetes', '--kubeconfig', '/k', '--context', 'prod', '--request-timeout', '1m30s']), {
      server: 'http://h:8080',
      token: 't',
      auth: 'kubernetes',
      kubeconfig: '/k',
      context: 'prod',
      requestTimeoutMs: 90_000,
    });
    assert.deepEqual(global(['list', '-s', 'http://x']), { server: 'http://x', token: null, auth: null, kubeconfig: null, context: null, requestTimeoutMs: 30_000 });
    assert.equal(global(['list', '--request-timeout', '0']).requestTimeoutMs, 0);
  });
});
