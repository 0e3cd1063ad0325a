// The help texts of `kubectl hookd`, in kubectl's layout (what, examples, options, usage).

import type { CommandName } from './args.ts';

const GLOBAL = `Global options:
  -s, --server URL            hookd's address (default: $HOOKD_URL)
      --token TOKEN           bearer token (default: $HOOKD_TOKEN)
      --auth MODE             kubernetes: send the current kubeconfig context's token (default: $HOOKD_AUTH)
      --kubeconfig PATH       kubeconfig to read the token from (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME          kubeconfig context to read the token from (default: the current one)
      --request-timeout DUR   limit for each request, e.g. 30s (0: none; default 30s)
  -h, --help                  this help
`;

const TOPICS: Record<CommandName, string> = {
  run: `Run post-restore hooks: those of a Velero Restore, or of pods chosen by a selector or by name.

Examples:
  # The hooks of the Velero Restore velero/demo-restore, following them to the end
  kubectl hookd run --restore velero/demo-restore --follow

  # What it would run, without running anything
  kubectl hookd run --restore velero/demo-restore --dry-run

  # The annotation hooks of the pods labelled app=cache in namespace demo, and a hook of your own
  kubectl hookd run -n demo -l app=cache --hooks hooks.yaml --restore-name by-label

Options:
      --restore NS/NAME       a Velero Restore: its spec.hooks, its pods (velero.io/restore-name=NAME)
  -n, --namespace NS          the pods' namespace
  -l, --selector SELECTOR     a label selector, as kubectl -l takes it (with -n or -A)
  -A, --all-namespaces        a selector over every namespace you may list pods in
      --hooks FILE            Velero spec.hooks (YAML or JSON; a whole Restore works too); - for stdin
      --restore-name NAME     the job's restore label (list --restore finds it)
      --fail-fast             the first failed hook stops the job
  -f, --follow                show each hook as it ends, then the job; exit 1 unless it completed
      --dry-run               show what would run; nothing is queued or executed
      --idempotency-key KEY   repeating the same request returns the first job
  -o, --output FORMAT         json, yaml or name (the job id)

Usage:
  kubectl hookd run (--restore NS/NAME | -n NS [-l SELECTOR | POD...] | -A -l SELECTOR) [options]
`,
  get: `Show a job: per pod, per hook, its phase, exit code, duration and error.

Examples:
  kubectl hookd get JOB
  kubectl hookd get JOB -o wide         # a table, one row per hook
  kubectl hookd get JOB --watch         # follow it to its end; exit 1 unless it completed

Options:
  -o, --output FORMAT         json, yaml (the job view), wide (a table) or name
  -w, --watch                 follow the job until it ends
      --show-output           also print each hook's stdout and stderr

Usage:
  kubectl hookd get JOB [options]
`,
  list: `List jobs, newest first.

Options:
      --restore NAME          only jobs with this restore label
      --status STATUS         only jobs with this status (queued, running, completed, partially_failed, failed, cancelled)
      --limit N               at most N jobs (default: all)
  -o, --output FORMAT         json, yaml, wide or name (ids only)

Usage:
  kubectl hookd list [options]
`,
  cancel: `Cancel a job: hooks not yet started are skipped; a running exec finishes or times out.

Usage:
  kubectl hookd cancel JOB [options]
`,
};

const OVERVIEW = `kubectl hookd runs Velero post-restore exec hooks through hookd and shows their results.

Commands:
  run      run the hooks of a Velero Restore, or of pods by selector or name
  get      show a job, per pod, per hook
  list     list jobs
  cancel   cancel a job

Exit codes: 0 the job completed (or the command succeeded), 1 a hook failed or an error,
2 a usage error.

Usage:
  kubectl hookd COMMAND [options]

Use "kubectl hookd COMMAND --help" for more about a command.
`;

export function usage(topic: CommandName | null): string {
  return `${topic === null ? OVERVIEW : TOPICS[topic]}\n${GLOBAL}`;
}

/** What follows a usage error: the command's usage lines and where the help is. */
export function usageHint(topic: CommandName | null): string {
  const text = topic === null ? OVERVIEW : TOPICS[topic];
  const at = text.lastIndexOf('Usage:\n');
  const lines = (text.slice(at).split('\n\n')[0] ?? '').trimEnd();
  return `${lines}\n\nSee "kubectl hookd ${topic === null ? '' : `${topic} `}--help".\n`;
}
