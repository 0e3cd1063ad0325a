// Replaces dist/kube/client-node.js (tsc's re-export of @kubernetes/client-node) by one bundle
// of the library that keeps only the exports hookd names there and the code they reach.
// Run by `npm run build` after tsc, by the Docker image's build and by the benchmark's build.
// `node tools/bundle-client-node.ts DIST_DIR` (default dist).
//
// What stays outside the bundle: `ws`, which hookd imports itself (one copy in the process).
// Bundled CommonJS code calls require() for node's modules: the banner gives the ES module
// a require of its own.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const CLIENT_NODE_MODULE = join('kube', 'client-node.js');

const BANNER = "import { createRequire as __hookdCreateRequire } from 'node:module';\nconst require = __hookdCreateRequire(import.meta.url);";

/** Bundles DIST_DIR/kube/client-node.js in place; returns the bundle's size in bytes. */
export async function bundleClientNode(distDir: string): Promise<number> {
  const file = join(distDir, CLIENT_NODE_MODULE);
  if (!existsSync(file)) throw new Error(`${file} is missing: run tsc first`);
  // tsc's output re-exports from the package; a bundle imports nothing from it (its path comments still name it).
  if (!/from\s*["']@kubernetes\/client-node["']/.test(readFileSync(file, 'utf8'))) throw new Error(`${file} is already bundled (it imports nothing from @kubernetes/client-node)`);
  const result = await build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: ['ws'],
    banner: { js: BANNER },
    legalComments: 'none',
    logLevel: 'silent',
  });
  // Warnings name code the bundle cannot resolve: a bundle that would fail at run time.
  if (result.warnings.length > 0) throw new Error(`bundling ${file}: ${result.warnings.map((w) => w.text).join('; ')}`);
  return statSync(file).size;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const dist = resolve(process.argv[2] ?? 'dist');
  const bytes = await bundleClientNode(dist);
  process.stdout.write(`bundled ${join(dist, CLIENT_NODE_MODULE)}: ${(bytes / 1048576).toFixed(1)} MB\n`);
}
