// Helpers for integration tests: they talk to the engine directly (dockerode), independently
// of the code under test, to check real engine state; they run the real CLI as a child process.

import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const stackBin = join(repoRoot, 'bin', 'stack.js');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
/** The local busybox image built by scripts/test-image. */
export const testImage = process.env.STACK_TEST_IMAGE ?? 'stack-test/busybox:1';

export const docker = new Docker();

/** A project name no other test uses. */
export function uniqueProject(prefix: string): string {
  return `t${prefix.toLowerCase().replace(/[^a-z0-9]/g, '')}${randomBytes(3).toString('hex')}`;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Run the real `stack` CLI. Never throws on a non-zero exit. */
export function runStack(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // The bin itself, as a user's shell runs it (its shebang matters: see bin/stack.js).
    const child = spawn(stackBin, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Containers of a project (all states), straight from the engine. */
export async function projectContainers(project: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
}
export async function projectNetworks(project: string): Promise<Docker.NetworkInspectInfo[]> {
  return docker.listNetworks({ filters: { label: [`com.docker.compose.project=${project}`] } });
}
export async function projectVolumes(project: string): Promise<Docker.VolumeInspectInfo[]> {
  const r = await docker.listVolumes({ filters: { label: [`com.docker.compose.project=${project}`] } });
  return r.Volumes ?? [];
}

/** Remove everything carrying the project's label (containers, then networks, then volumes). */
export async function cleanupProject(project: string): Promise<void> {
  for (const c of await projectContainers(project)) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await projectNetworks(project)) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  for (const v of await projectVolumes(project)) {
    await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
  // The engine-side project lock (engine/engine-lock.ts) carries no project label: a run the
  // test killed (SIGKILL) leaves it behind, and the next run on this host takes it over.
  await docker.getVolume(`stack-lock.${project}`).remove().catch(() => undefined);
}

/** Retry `check` until it returns without throwing, or fail after `timeoutMs` with its last error. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Run a command in a running container (for checking files in volumes, reaching other services). */
export async function execIn(containerId: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  let output = '';
  stream.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise((r) => stream.on('end', r));
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, output };
}
