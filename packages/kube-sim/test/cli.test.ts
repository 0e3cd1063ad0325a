// `npm run sim -- --port 0 --kubeconfig FILE`: prints the URL and the kubeconfig path,
// writes the kubeconfig 0600, serves kubectl, and stops cleanly on SIGTERM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kubectlEnv } from '../../../test/helpers/kubectl.ts';

// The repository's root, where `npm run sim` is defined.
const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hookd-sim-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('npm run sim', () => {
  it('starts on a free port, writes the kubeconfig, serves kubectl and stops on SIGTERM', async () => {
    const kubeconfig = join(dir, 'sim.kubeconfig');
    // Its own process group, as a terminal or a CI step runs it: SIGTERM reaches npm, the
    // shell, tsx and the sim together.
    const child = spawn('npm', ['run', '-s', 'sim', '--', '--port', '0', '--kubeconfig', kubeconfig], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.includes('kubeconfig:')) resolve();
      });
      void exited.then((code) => reject(new Error(`sim exited with ${code}: ${err}`)));
    });
    try {
      const url = /listening on (https:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      assert.ok(url, out);
      assert.match(out, new RegExp(`kubeconfig: ${kubeconfig}`));
      assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);
      const text = readFileSync(kubeconfig, 'utf8');
      assert.ok(text.includes(`server: "${url[1]}"`));
      assert.ok(!out.includes('token') && !err.includes(text.match(/token: "(.*)"/)?.[1] ?? '-'), 'the token is never printed');
      const k = kubectlEnv(kubeconfig);
      const ns = await k.run(['get', 'namespaces', '-o', 'name']);
      k.dispose();
      assert.equal(ns.code, 0, ns.stderr);
      assert.match(ns.stdout, /namespace\/default/);
      const streamsClosed = Promise.all([new Promise((r) => child.stdout.on('close', r)), new Promise((r) => child.stderr.on('close', r))]);
      process.kill(-child.pid!, 'SIGTERM');
      // npm itself dies of the signal at once; the sim under it stops cleanly, and the
      // pipes close when its last process (tsx, then the sim) has exited.
      await exited;
      await streamsClosed;
      assert.match(out, /SIGTERM: stopping/);
      assert.match(err, /"msg":"simulated cluster stopped"/);
      assert.equal(await portOpen(Number(url[2])), false);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('exits 0 on SIGTERM sent to its own process (tsx relays it)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts'), '--port', '0', '--kubeconfig', join(dir, 'second.kubeconfig')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.includes('kubeconfig:')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /SIGTERM: stopping/);
  });

  it('refuses a bad argument with the usage and exit code 2', async () => {
    const child = spawn('npm', ['run', '-s', 'sim', '--', '--port', 'abc'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(err, /--port must be a non-negative integer/);
    assert.match(err, /usage: npm run sim/);
  });
});
