// tools/bundle-client-node.ts, as `npm run build` runs it on tsc's output: the bundle exports
// what src/kube/client-node.ts names, imports nothing from the library's package, and a
// second run on it is refused rather than bundling the bundle.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { bundleClientNode, CLIENT_NODE_MODULE } from '../../tools/bundle-client-node.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hookd-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the bundle exports exactly what the door names, imports nothing from the package, and is not bundled twice', async () => {
  const dist = join(dir, 'dist');
  mkdirSync(join(dist, 'kube'), { recursive: true });
  // The door holds only a re-export: tsc's output for it is the same text.
  copyFileSync(join(ROOT, 'src', 'kube', 'client-node.ts'), join(dist, CLIENT_NODE_MODULE));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const bytes = await bundleClientNode(dist);
  const text = readFileSync(join(dist, CLIENT_NODE_MODULE), 'utf8');
  assert.equal(bytes, Buffer.byteLength(text));
  assert.doesNotMatch(text, /(?:from\s*|import\(\s*|require\(\s*)["']@kubernetes\/client-node/);

  const bundled = (await import(pathToFileURL(join(dist, CLIENT_NODE_MODULE)).href)) as Record<string, unknown>;
  const door = (await import('../../src/kube/client-node.ts')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(bundled).sort(), Object.keys(door).sort());
  for (const name of Object.keys(door)) assert.equal(typeof bundled[name], typeof door[name], name);

  await assert.rejects(bundleClientNode(dist), /is already bundled/);
});
