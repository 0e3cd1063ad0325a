// What the Helm chart gives a worker by default, read from the chart itself so the bench
// measures the worker as it is installed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function workerNodeOptions(): string {
  const values = readFileSync(join(import.meta.dirname, '..', 'deploy', 'helm', 'hookd', 'values.yaml'), 'utf8');
  const worker = values.slice(values.indexOf('\nworker:'));
  const m = /\n  nodeOptions: "([^"]*)"/.exec(worker);
  if (!m) throw new Error('deploy/helm/hookd/values.yaml: worker.nodeOptions not found');
  return m[1] ?? '';
}

export const CHART_WORKER_NODE_OPTIONS = workerNodeOptions();
