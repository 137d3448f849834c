// The tools under comparison, behind one shape: `stack` (this repository's CLI, a fresh
// Node process per command, as a user runs it) and docker-compose 1.29 (Debian's package).
// Both are given the same generated file and their own project name.

import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { timedRun } from './spawn.mjs';

/**
 * @typedef {{ ms: number, code: number | null, stdout: string, stderr: string }} RunResult
 * @typedef {{ name: string, up: (file: string, project: string, env?: NodeJS.ProcessEnv) => Promise<RunResult>,
 *   down: (file: string, project: string, env?: NodeJS.ProcessEnv) => Promise<RunResult>, config: (file: string, project: string) => Promise<RunResult>,
 *   version: (env?: NodeJS.ProcessEnv) => Promise<RunResult> }} Tool
 */

/** @returns {Tool} */
export function stackTool(repoRoot) {
  const bin = join(repoRoot, 'bin', 'stack.js');
  const run = (args, env) => timedRun(process.execPath, [bin, ...args], { cwd: repoRoot, env });
  return {
    name: 'stack',
    // Global options go before the command name (the program uses enablePositionalOptions).
    up: (file, project, env) => run(['-f', file, '-p', project, 'up', '-d'], env),
    down: (file, project, env) => run(['-f', file, '-p', project, 'down', '-v'], env),
    // `config -q`: load, interpolate, merge, validate and normalise, print nothing (like
    // docker-compose's `config -q`, so both sides do the same work).
    config: (file, project, env) => run(['-f', file, '-p', project, 'config', '-q'], env),
    version: (env) => run(['--version'], env),
    bin,
  };
}

/** @returns {Tool} */
export function composeTool(binary = 'docker-compose') {
  const run = (args, env) => timedRun(binary, args, { env });
  return {
    name: 'docker-compose',
    up: (file, project, env) => run(['-f', file, '-p', project, 'up', '-d'], env),
    down: (file, project, env) => run(['-f', file, '-p', project, 'down', '-v'], env),
    // `config -q` validates without printing, the closest match to a load + validate.
    config: (file, project, env) => run(['-f', file, '-p', project, 'config', '-q'], env),
    version: (env) => run(['version', '--short'], env),
  };
}

/** Which commands the built stack CLI offers (the other helpers land them one by one). */
export function stackCommands(repoRoot) {
  const bin = join(repoRoot, 'bin', 'stack.js');
  if (!existsSync(join(repoRoot, 'dist', 'src', 'main.js'))) return { built: false, commands: new Set() };
  try {
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const section = help.split(/\nCommands:\n/)[1] ?? '';
    const commands = new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]));
    return { built: true, commands };
  } catch {
    return { built: true, commands: new Set() };
  }
}

/** docker-compose's version, or undefined when it is not installed. */
export function composeVersion(binary = 'docker-compose') {
  try {
    return execFileSync(binary, ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Installs Debian's docker-compose (1.29) when it is missing, as the issue asks. Needs root
 * and a reachable Debian mirror; returns the version or undefined with the reason.
 */
export function ensureCompose(log) {
  const have = composeVersion();
  if (have) return { version: have };
  if (process.getuid?.() !== 0) return { reason: 'docker-compose is not installed and the bench is not root: run `sudo apt-get install docker-compose`' };
  log('installing Debian\'s docker-compose package (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker-compose'], { env, stdio: 'ignore' });
  try {
    install();
  } catch {
    try {
      execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
      install();
    } catch (e) {
      return { reason: `apt-get could not install docker-compose: ${e.message}` };
    }
  }
  const version = composeVersion();
  return version ? { version } : { reason: 'docker-compose still missing after apt-get install' };
}
