// Confinement of the sim's exec processes. Unconfined, a command is a host process with the
// rights of whoever started the sim. With bubblewrap (`bwrap`), each runs in namespaces of
// its own: the system's programs read-only (/usr, and the few /etc files programs need to
// start), its container folder the only writable place, an empty /tmp, no network, no
// capabilities, and no view of the host's other processes, home folders or files (the
// sim's kubeconfig and its token among them).
//
// Asked for and not usable (bwrap missing, or user namespaces refused), the sim does not
// start: a confinement asked for is never quietly dropped.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type ExecConfinement = 'none' | 'bwrap';

/** How exec processes run: as host processes, or under the bwrap binary the start probed. */
export type ExecRunner = { readonly kind: 'none' } | { readonly kind: 'bwrap'; readonly bwrap: string };

export const CONFINE_ENV = 'HOOKD_SIM_CONFINE';

/** Thrown at start when a confinement cannot be had: the sim refuses to start. */
export class ConfinementError extends Error {
  override readonly name = 'ConfinementError';
  readonly code = 'SIM_CONFINEMENT_UNAVAILABLE';
}

/** HOOKD_SIM_CONFINE: unset, '' or 'none' for none; 'bwrap'; anything else is refused. */
export function confinementFromEnv(env: NodeJS.ProcessEnv): ExecConfinement {
  const v = env[CONFINE_ENV];
  if (v === undefined || v === '' || v === 'none') return 'none';
  if (v === 'bwrap') return 'bwrap';
  throw new ConfinementError(`${CONFINE_ENV}: "${v}" is not one of none, bwrap`);
}

/** The PATH a confined command sees: only folders inside the read-only /usr. */
export const CONFINED_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Files under /etc that programs read to start (loader cache, users, name service). */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/localtime', '/etc/alternatives'];
/** Top-level links of a merged-/usr system (/bin -> usr/bin), or folders on others. */
const USR_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** bwrap's arguments for one command, started in `workdir`. */
export function bwrapArgs(command: readonly string[], workdir: string): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of USR_LINKS) {
    if (!existsSync(top)) continue;
    const st = lstatSync(top);
    if (st.isSymbolicLink()) args.push('--symlink', `usr${top}`, top);
    else args.push('--ro-bind', top, top);
  }
  for (const f of ETC_FILES) args.push('--ro-bind-try', f, f);
  args.push(
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    '--bind', workdir, workdir,
    '--chdir', workdir,
    '--unshare-all',
    '--cap-drop', 'ALL',
    // Its own session: the command cannot push input into the terminal the sim runs in.
    '--new-session',
    // If bwrap is killed (the sim kills the exec's process group), the command dies with it.
    '--die-with-parent',
    '--setenv', 'PATH', CONFINED_PATH,
    '--',
    ...command,
  );
  return args;
}

/**
 * Whether `file` names a program a confined command can start: inside the confinement only
 * /usr's programs and the container folder's own files exist. Checked before bwrap starts,
 * so a missing program gets the container runtime's "not found" refusal, as unconfined.
 */
export function confinedProgramExists(file: string, workdir: string): boolean {
  const visible = (p: string): boolean => p.startsWith('/usr/') || p.startsWith(workdir + '/') || USR_LINKS.some((l) => p.startsWith(l + '/'));
  if (file.includes('/')) {
    // resolve() folds `..` away, so '/usr/../tmp/x' is judged as the '/tmp/x' it is.
    const p = isAbsolute(file) ? resolve(file) : resolve(workdir, file);
    return visible(p) && executable(p);
  }
  return onPath(file, CONFINED_PATH) !== null;
}

/**
 * Fails unless bwrap is installed and can make the namespaces: a confined `true` must exit 0.
 * Returns bwrap's absolute path, found on the sim's PATH: every exec runs that same binary.
 */
export function probeConfinement(): string {
  const bwrap = onPath('bwrap', process.env['PATH'] ?? '');
  if (bwrap === null) throw new ConfinementError(`${CONFINE_ENV}=bwrap: bwrap is not installed (Debian: apt-get install bubblewrap)`);
  const workdir = mkdtempSync(join(tmpdir(), 'hookd-sim-probe-'));
  try {
    probeIn(bwrap, workdir);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
  return bwrap;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `program` in a PATH's absolute folders, or null. */
function onPath(program: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    if (executable(join(dir, program))) return join(dir, program);
  }
  return null;
}

function probeIn(bwrap: string, workdir: string): void {
  const r = spawnSync(bwrap, bwrapArgs(['true'], workdir), { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new ConfinementError(`${CONFINE_ENV}=bwrap: ${bwrap} could not start: ${r.error.message}`);
  if (r.status !== 0) {
    throw new ConfinementError(`${CONFINE_ENV}=bwrap: bwrap cannot confine a command here (exit ${r.status ?? r.signal}): ${r.stderr.trim() || 'no message'}`);
  }
}
