// Every value hookd takes from @kubernetes/client-node comes through src/kube/client-node.ts,
// which the build bundles down to what hookd uses: one more value import of the package
// anywhere else would load the whole library again (~25 MiB of heap in every process).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const DOOR = join('kube', 'client-node.ts');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('only src/kube/client-node.ts imports values from @kubernetes/client-node', () => {
  const offenders: string[] = [];
  for (const file of sources(SRC)) {
    if (relative(SRC, file) === DOOR) continue;
    const text = readFileSync(file, 'utf8');
    // Static imports and re-exports that are not type-only, and dynamic imports.
    const statements = text.match(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+['"]@kubernetes\/client-node(?:\/[^'"]*)?['"]/gms) ?? [];
    const dynamic = text.match(/import\(\s*['"]@kubernetes\/client-node/g) ?? [];
    if (statements.length + dynamic.length > 0) offenders.push(relative(SRC, file));
  }
  assert.deepEqual(offenders, []);
});
