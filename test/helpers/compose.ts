// docker-compose 1.29 (Debian's `docker-compose` package) for the interoperability tests: made
// present the way bench/ does it (apt-get, as root, when missing), and run as a child process.

import { execFileSync, spawn } from 'node:child_process';
import type { RunResult } from './engine.js';
import { repoRoot } from './engine.js';

function installed(): boolean {
  try {
    execFileSync('docker-compose', ['version', '--short'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs docker-compose with apt-get when it is missing; throws when it cannot (the test then fails, it is never skipped). */
export function ensureDockerCompose(): void {
  if (installed()) return;
  if (process.getuid?.() !== 0) throw new Error('docker-compose is missing and the tests do not run as root: apt-get install docker-compose');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker-compose'], { env, stdio: 'ignore' });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    install();
  }
  if (!installed()) throw new Error('docker-compose is still missing after apt-get install');
}

/** Runs docker-compose; never throws on a non-zero exit. */
export function runCompose(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-compose', args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
