// npm run kubectl -- get pods -A
// The project's own kubectl (v1.34, unpacked on first use: kubectl-binary.ts), pointed at the
// simulated cluster that `npm start` or `npm run sim` runs: the kubeconfig they write,
// ./hookd-sim.kubeconfig in the project's root (or HOOKD_SIM_KUBECONFIG, read as `npm start`
// reads it). A KUBECONFIG the user set, or a --kubeconfig among the arguments, is respected
// as kubectl itself would.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { kubectlPath } from './kubectl-binary.ts';

export type KubeconfigChoice =
  /** The caller chose (--kubeconfig, or KUBECONFIG): kubectl reads it as usual. */
  | { readonly kind: 'given' }
  | { readonly kind: 'sim'; readonly path: string }
  | { readonly kind: 'missing'; readonly path: string };

export function chooseKubeconfig(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): KubeconfigChoice {
  if (args.some((a) => a === '--kubeconfig' || a.startsWith('--kubeconfig='))) return { kind: 'given' };
  if (env['KUBECONFIG']) return { kind: 'given' };
  const path = resolve(cwd, env['HOOKD_SIM_KUBECONFIG'] || 'hookd-sim.kubeconfig');
  return existsSync(path) ? { kind: 'sim', path } : { kind: 'missing', path };
}

function main(): void {
  const args = process.argv.slice(2);
  const choice = chooseKubeconfig(args, process.env, process.cwd());
  if (choice.kind === 'missing') {
    // Never fall back to ~/.kube/config: a command meant for the simulated cluster must not
    // reach a real one.
    process.stderr.write(
      `npm run kubectl: ${choice.path} does not exist. Start the simulated cluster first (npm start, or npm run sim), ` +
        'which writes it; or set KUBECONFIG (or pass --kubeconfig) to use another cluster.\n',
    );
    process.exit(1);
  }
  const env = choice.kind === 'sim' ? { ...process.env, KUBECONFIG: choice.path } : process.env;
  // npm runs scripts in the project's root; kubectl runs where npm was typed, so that
  // `-f pod.yaml` (and a relative KUBECONFIG) mean what the user meant.
  const child = spawn(kubectlPath(), args, { stdio: 'inherit', env, cwd: process.env['INIT_CWD'] || process.cwd() });
  // A terminal's Ctrl-C reaches kubectl too (same process group); passed on for the other cases.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`npm run kubectl: ${err.message}\n`);
    process.exit(1);
  });
  // Like a shell: a kubectl killed by a signal exits 128 + its number.
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

if (import.meta.main) main();
