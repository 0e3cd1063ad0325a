// npm run manifests: writes deploy/manifests/hookd.yaml from the chart (a test fails when
// the file and the chart differ).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MANIFESTS_FILE, renderManifests } from './helm.ts';

const text = await renderManifests();
mkdirSync(dirname(MANIFESTS_FILE), { recursive: true });
writeFileSync(MANIFESTS_FILE, text);
process.stdout.write(`wrote ${MANIFESTS_FILE}\n`);
