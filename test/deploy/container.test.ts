// The Dockerfile and docker-compose.yml, checked by reading them (this machine has no
// container engine): what the image holds and runs as, and what each compose service may
// reach. The production install the image makes is exercised for real in
// test/e2e/production-install.test.ts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  healthcheck?: unknown;
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** The instructions of one stage, by the stage's name. */
function stage(name: string): string[] {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const found = stages.find((s) => new RegExp(`^\\S+ AS ${name}\\b`).test(s));
  assert.ok(found, `no stage ${name}`);
  return found.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

describe('the Dockerfile', () => {
  it('builds in one stage and runs Node 24 with production dependencies only, without the sim', () => {
    assert.match(dockerfile, /^FROM node:24-bookworm-slim AS build$/m);
    assert.match(dockerfile, /^FROM node:24-bookworm-slim AS runtime$/m);
    const runtime = stage('runtime').join('\n');
    assert.match(runtime, /npm ci --omit=dev --workspaces=false/);
    assert.match(runtime, /COPY --from=build \/app\/dist \.\/dist/);
    assert.doesNotMatch(dockerfile, /COPY\s+packages/, 'the sim package is never copied');
    assert.doesNotMatch(dockerignore, /^!packages/m, 'nor let into the build context');
  });

  it('runs as a numeric non-root user, with kubernetes auth and in-cluster credentials by default, and a health check', () => {
    const runtime = stage('runtime').join('\n');
    const user = /^USER (\d+)(?::(\d+))?$/m.exec(runtime);
    assert.ok(user, 'USER is numeric');
    assert.notEqual(Number(user[1]), 0);
    assert.match(runtime, /HOOKD_AUTH=kubernetes/);
    assert.match(runtime, /HOOKD_KUBE=in-cluster/);
    assert.match(runtime, /HOOKD_REDIS_EMBEDDED=never/);
    assert.match(runtime, /^HEALTHCHECK .*\/healthz/m);
  });

  it('runs hookd with the V8 optimization that stopped workers turned off', () => {
    assert.match(stage('runtime').join('\n'), /^CMD \["node", "--no-turboshaft-string-concat-escape-analysis", "dist\/main\.js"\]$/m);
  });

  it('gives the build stage every file of the repository that `npm run build` runs, before it runs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const used = [...(pkg.scripts.build ?? '').matchAll(/\btools\/[\w./-]+/g)].map((m) => m[0]);
    assert.ok(used.length > 0, 'the build script runs the client-library bundler from tools/');
    const build = stage('build');
    const runAt = build.findIndex((l) => /^RUN npm run build$/.test(l.trim()));
    assert.ok(runAt > 0, 'the build stage runs npm run build');
    for (const file of used) {
      const copiedAt = build.findIndex((l) => new RegExp(`^COPY (\\S+ )*${file.replace(/[.]/g, '\\.')} `).test(l.trim()));
      assert.ok(copiedAt >= 0 && copiedAt < runAt, `${file} is copied before npm run build`);
      assert.match(dockerignore, new RegExp(`^!${file.replace(/[.]/g, '\\.')}$`, 'm'), `${file} is let into the build context`);
    }
  });

  it('keeps secrets and local state out of the build context', () => {
    const lines = dockerignore.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(lines[0], '*', 'everything is excluded first');
    for (const allowed of lines.slice(1)) assert.ok(allowed.startsWith('!'), allowed);
    assert.ok(!lines.some((l) => /kubeconfig|hookd-data|node_modules|\.git|\.env/.test(l)));
  });
});

describe('docker-compose.yml', () => {
  const { redis, api, worker } = compose.services;

  it('runs Redis with a password and append-only persistence on a volume', () => {
    assert.ok(redis);
    const command = (redis.command ?? []).join(' ');
    assert.match(command, /requirepass/);
    assert.match(command, /--appendonly yes/);
    assert.doesNotMatch(command, /--requirepass/, 'the password is not on the command line');
    assert.ok((redis.volumes ?? []).some((v) => v.endsWith(':/data')));
    assert.equal(redis.ports, undefined, 'Redis is not published');
  });

  it('gives the API no exec credentials and two workers their own', () => {
    assert.ok(api && worker);
    assert.equal(api.environment?.['HOOKD_ROLE'], 'api');
    assert.equal(worker.environment?.['HOOKD_ROLE'], 'worker');
    assert.deepEqual(api.volumes, ['./kubeconfig-api:/kube/config:ro']);
    assert.deepEqual(worker.volumes, ['./kubeconfig-worker:/kube/config:ro']);
    assert.equal(worker.deploy?.replicas, 2);
    // Heap bounds as the chart sets them, on node's command line (as the chart runs them).
    assert.deepEqual(worker.command, ['node', '--max-old-space-size=128', '--max-semi-space-size=4', '--expose-gc', '--no-turboshaft-string-concat-escape-analysis', 'dist/main.js']);
    assert.equal(worker.environment?.['NODE_OPTIONS'], undefined);
    for (const s of [api, worker]) {
      assert.match(s.environment?.['REDIS_PASSWORD'] ?? '', /^\$\{REDIS_PASSWORD:\?/);
      assert.match(s.environment?.['HOOKD_SPEC_KEY'] ?? '', /^\$\{HOOKD_SPEC_KEY:\?/);
      assert.equal(s.environment?.['HOOKD_AUTH'], undefined, "the image's default, kubernetes, applies");
      assert.equal(s.read_only, true);
      assert.deepEqual(s.cap_drop, ['ALL']);
    }
    assert.deepEqual(api.ports, ['127.0.0.1:8080:8080'], 'published on loopback only');
    assert.equal(worker.ports, undefined);
  });
});
