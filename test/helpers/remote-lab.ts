// The remote-engine lab of scripts/remote-lab (stunnel4, socat, a Go TLS front and a private
// sshd, all on 127.0.0.1 in front of the local engine socket), for tests: start it in a fresh
// temp dir, read its lab.env, make the environments that point `stack` at each front, stop it.
//
// The lab installs nothing. Its Debian packages (stunnel4 socat openssh-server openssh-client
// docker-registry openssl docker.io) are CI's to provide (.ci/run); without one, `startLab`
// fails naming it: a test never skips for a missing package.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './engine.js';

export interface Lab {
  readonly dir: string;
  /** lab.env as written by the script (ports, certificate dirs, ssh files). */
  readonly vars: ReadonlyMap<string, string>;
}

const labScript = join(repoRoot, 'scripts', 'remote-lab');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [labScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function startLab(): Promise<Lab> {
  const dir = join(mkdtempSync(join(tmpdir(), 'stack-lab-')), 'lab');
  const r = await run(['up', dir]);
  if (r.code !== 0) throw new Error(`scripts/remote-lab up failed (${r.code}): ${r.stderr}`);
  const vars = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'lab.env'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return { dir, vars };
}

export async function stopLab(lab: Lab | undefined): Promise<void> {
  if (lab) await run(['down', lab.dir]);
}

export function labVar(lab: Lab, name: string): string {
  const value = lab.vars.get(name);
  if (value === undefined) throw new Error(`lab.env has no ${name}`);
  return value;
}

/** Nothing of the caller's engine selection leaks into a remote test's environment. */
const CLEARED = { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_TLS_VERIFY: undefined, DOCKER_TLS: undefined, DOCKER_CERT_PATH: undefined };

/** `stack` at a TLS front of the lab on PORT (a lab.env name), with the certificate dir CERTS (a lab.env name). */
export function tlsEnv(lab: Lab, port: string, certs = 'CERTS'): Record<string, string | undefined> {
  return { ...CLEARED, DOCKER_HOST: `tcp://127.0.0.1:${labVar(lab, port)}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: labVar(lab, certs) };
}

/**
 * `stack` (and `docker -H ssh://`) at the lab's sshd: the lab's ssh wrapper first on PATH (the
 * system ssh with the lab's client config: its key, its known_hosts). `sshConfig` replaces
 * the lab's client config (another key, another known_hosts).
 */
export function sshEnv(lab: Lab): Record<string, string | undefined> {
  return {
    ...CLEARED,
    DOCKER_HOST: sshUrl(lab),
    PATH: `${labVar(lab, 'SSH_BIN')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
}

export function sshUrl(lab: Lab): string {
  return `ssh://${labVar(lab, 'SSH_USER')}@127.0.0.1:${labVar(lab, 'SSH_PORT')}`;
}

/** What sshd logged so far: its length marks a point from which to count. */
export function sshLog(lab: Lab): string {
  return readFileSync(labVar(lab, 'SSH_LOG'), 'utf8');
}

/** Logins (accepted public keys) and session channels in a piece of sshd's DEBUG1 log. */
export function sshActivity(logPiece: string): { logins: number; sessions: number } {
  return {
    logins: (logPiece.match(/^Accepted publickey for /gm) ?? []).length,
    sessions: (logPiece.match(/session_new: session \d+/g) ?? []).length,
  };
}

/**
 * `stack` at the lab's sshd through a client config of its own, named NAME: another identity
 * (a lab.env-relative file under SSH_DIR) or another known_hosts. The lab's client config is
 * copied with those two lines replaced, behind a wrapper `ssh` in a directory of its own.
 */
export function sshEnvWith(lab: Lab, name: string, files: { identity?: string; knownHosts?: string }): Record<string, string | undefined> {
  const sshDir = labVar(lab, 'SSH_DIR');
  const bin = join(lab.dir, `bin-${name}`);
  mkdirSync(bin, { recursive: true });
  let config = readFileSync(join(sshDir, 'ssh_config'), 'utf8');
  if (files.identity) config = config.replace(/IdentityFile .*/, `IdentityFile ${join(sshDir, files.identity)}`);
  if (files.knownHosts) config = config.replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${join(sshDir, files.knownHosts)}`);
  writeFileSync(join(bin, 'config'), config);
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${join(bin, 'config')} "$@"\n`, { mode: 0o755 });
  return { ...sshEnv(lab), PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
}
