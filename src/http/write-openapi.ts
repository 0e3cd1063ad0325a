// `npm run openapi`: writes openapi/openapi.json, the published document, from the route
// schemas (the same document the server serves at /openapi.json). Commit the result;
// test/http/openapi.test.ts fails when the two differ.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.ts';
import { inertDeps } from './inert-deps.ts';

export const OPENAPI_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../openapi/openapi.json');

/** Stable text: the document as the server builds it, pretty-printed, with a final newline. */
export async function openApiText(): Promise<string> {
  const app = await buildApp(inertDeps());
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await mkdir(dirname(OPENAPI_FILE), { recursive: true });
  await writeFile(OPENAPI_FILE, await openApiText());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
