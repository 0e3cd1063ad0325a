// Runs the project's own helm (unpacked from the kubectl layer on first use) with a
// private HOME and XDG folders, so nothing outside a temporary folder is read or written,
// and renders the chart's plain manifests, which deploy/manifests/hookd.yaml holds.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { helmPath } from './kubectl-binary.ts';

const run = promisify(execFile);

export const CHART_DIR = join(import.meta.dirname, '..', 'deploy', 'helm', 'hookd');
export const MANIFESTS_FILE = join(import.meta.dirname, '..', 'deploy', 'manifests', 'hookd.yaml');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** helm ARGS; a non-zero exit is returned, not thrown. */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const home = mkdtempSync(join(tmpdir(), 'hookd-helm-'));
  try {
    const env = { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') };
    const r = await run(helmPath(), [...args], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The Secrets the chart generates with random values: plain manifests leave them to the installer. */
const GENERATED_SECRETS = ['hookd-spec-key', 'hookd-redis'];

const HEADER = `# hookd, rendered from deploy/helm/hookd with its default values (npm run manifests).
# Install:
#   kubectl create namespace hookd
#   kubectl -n hookd create secret generic hookd-spec-key --from-literal=spec-key="$(openssl rand -hex 32)"
#   kubectl -n hookd create secret generic hookd-redis --from-literal=redis-password="$(openssl rand -hex 24)"
#   kubectl apply -f deploy/manifests/hookd.yaml
# The two Secrets are left out here: the chart generates them, and plain manifests must not
# carry a password or key that every installation would share.
`;

/** The chart with default values, release "hookd" in namespace "hookd", without the generated Secrets. */
export async function renderManifests(): Promise<string> {
  const r = await helm(['template', 'hookd', CHART_DIR, '--namespace', 'hookd']);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const docs = r.stdout.split(/^---\n/m).filter((d) => d.trim() !== '');
  const kept = docs.filter((d) => !(/^kind: Secret$/m.test(d) && GENERATED_SECRETS.some((n) => new RegExp(`^  name: ${n}$`, 'm').test(d))));
  return HEADER + kept.map((d) => `---\n${d.trimEnd()}\n`).join('');
}
