// The domain is pure: plain data in, plain data out, time passed in (style.md).
// Like fastify's errors test, this reads the sources and fails on a forbidden import or clock.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '../../src/domain');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const FORBIDDEN: { what: string; re: RegExp }[] = [
  { what: 'node:* import', re: /from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:/ },
  { what: 'Node built-in import without node: prefix', re: /from\s+['"](fs|path|os|child_process|net|http|https|crypto|timers|events)(\/[^'"]*)?['"]/ },
  { what: 'bullmq', re: /['"]bullmq['"]/ },
  { what: 'ioredis', re: /['"]ioredis['"]/ },
  { what: '@kubernetes/client-node', re: /['"]@kubernetes\/client-node['"]/ },
  { what: 'fastify', re: /['"](@fastify\/[^'"]+|fastify)['"]/ },
  { what: 'Date.now', re: /\bDate\.now\b/ },
  { what: 'new Date()', re: /\bnew\s+Date\s*\(/ },
  { what: 'Math.random', re: /\bMath\.random\b/ },
  { what: 'performance.now', re: /\bperformance\.now\b/ },
  { what: 'process', re: /\bprocess\.(env|hrtime|argv)\b/ },
];

test('domain purity: the checker itself catches a forbidden line', () => {
  assert.ok(FORBIDDEN.some((f) => f.re.test("import { readFileSync } from 'node:fs';")));
  assert.ok(FORBIDDEN.some((f) => f.re.test('const t = Date.now();')));
});

test('domain purity: src/domain imports no I/O library and reads no clock or randomness', () => {
  const files = sources(root);
  assert.ok(files.length >= 10, `expected the domain sources, found ${files.length}`);
  const problems: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may name what is forbidden
        for (const f of FORBIDDEN) if (f.re.test(line)) problems.push(`${file}:${i + 1}: ${f.what}: ${line.trim()}`);
      });
  }
  assert.deepEqual(problems, []);
});
