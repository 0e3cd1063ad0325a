// In the spirit of fastify's errors.test.js: every HOOKD_* code is declared once in
// src/errors.ts, is documented in openapi/openapi.json, is raised somewhere, and the
// document names no code that does not exist.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as errors from '../../src/errors.ts';
import { OPENAPI_FILE } from '../../src/http/write-openapi.ts';

const SRC = new URL('../../src/', import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (p.endsWith('.ts') && p !== join(SRC, 'errors.ts')) out.push(await readFile(p, 'utf8'));
  }
  return out;
}

describe('error codes', () => {
  test('unique, HOOKD_<AREA>_<WHAT>, with a 4xx/5xx status', () => {
    const codes = errors.ERROR_CODES.map((c) => c.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const c of errors.ERROR_CODES) {
      assert.match(c.code, /^HOOKD_[A-Z]+(_[A-Z]+)*$/);
      assert.ok(c.statusCode >= 400 && c.statusCode < 600, c.code);
    }
  });

  test('every error constructor is in ERROR_CODES', () => {
    const exported = Object.entries(errors)
      .filter(([name]) => name !== 'ERROR_CODES')
      .map(([, E]) => (Reflect.construct(E as new () => { code: string }, []) as { code: string }).code);
    assert.deepEqual([...exported].sort(), errors.ERROR_CODES.map((c) => c.code).sort());
  });

  test('openapi/openapi.json documents exactly these codes, with their statuses', async () => {
    const doc = JSON.parse(await readFile(OPENAPI_FILE, 'utf8')) as {
      info: { description: string };
      components: { schemas: { ErrorBody: { properties: { code: { enum: string[] } } } } };
    };
    const documented = doc.components.schemas.ErrorBody.properties.code.enum;
    assert.deepEqual([...documented].sort(), errors.ERROR_CODES.map((c) => c.code).sort());
    for (const { code, statusCode } of errors.ERROR_CODES) assert.ok(doc.info.description.includes(`\`${code}\` (${statusCode})`), `${code} (${statusCode}) listed`);
  });

  test('every code is raised somewhere in src/', async () => {
    const text = (await sources(SRC)).join('\n');
    for (const [name] of Object.entries(errors).filter(([n]) => n !== 'ERROR_CODES')) {
      assert.ok(new RegExp(`\\bE\\.${name}\\b|new ${name}\\b`).test(text), `${name} is raised somewhere`);
    }
  });
});
