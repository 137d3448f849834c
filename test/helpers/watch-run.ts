// Helpers for the real-engine watch tests: a running `stack watch` whose output and JSON events
// the test reads, a private copy of a fixture to edit, and reading a file back from a container
// through the archive API (independent of the code under test, and working in images that
// have no shell).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { docker, fixturesDir, projectContainers, stackBin, testImage } from './engine.js';

export interface WatchRun {
  readonly child: ChildProcessWithoutNullStreams;
  out(): string;
  err(): string;
  /** JSON events (with `--progress json`). */
  events(): Record<string, unknown>[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the real CLI (`stack <args>`) in `cwd`, as a user's shell would. */
export function startStack(args: readonly string[], cwd: string, env: Record<string, string> = {}): WatchRun {
  const child = spawn(stackBin, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    out: () => out,
    err: () => err,
    events: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exit,
  };
}

/** Ends a run that is still going (after a failed test), by its own pid. */
export function killRun(run: WatchRun | undefined): void {
  if (run && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
}

/** A private copy of test/fixtures/<name> to edit; removed by the returned function. */
export async function fixtureCopy(name: string): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `stack-watch-${name}-`));
  await cp(join(fixturesDir, name), dir, { recursive: true });
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** The project's container of a service (number 1), straight from the engine. */
export async function serviceContainer(project: string, service: string): Promise<{ id: string; state: string }> {
  const c = (await projectContainers(project)).find((x) => x.Labels['com.docker.compose.service'] === service && x.Labels['com.docker.compose.oneoff'] !== 'True');
  if (!c) throw new Error(`no container of ${service} in ${project}`);
  return { id: c.Id, state: c.State };
}

/** The archive of a path in a container (any state) as a tar reader, or undefined when there is no such path. */
async function archiveIn(containerId: string, path: string): Promise<ReturnType<typeof extract> | undefined> {
  let tar: NodeJS.ReadableStream;
  try {
    tar = await docker.getContainer(containerId).getArchive({ path });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
  const reader = extract();
  tar.pipe(reader);
  return reader;
}

/** A file's text in a container (any state), or undefined when there is no such file. */
export async function fileIn(containerId: string, path: string): Promise<string | undefined> {
  const reader = await archiveIn(containerId, path);
  if (!reader) return undefined;
  let text: string | undefined;
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    if (text === undefined && entry.header.type === 'file') text = Buffer.concat(chunks).toString('utf8');
  }
  return text;
}

/** uid:gid of a path in a container. */
export async function ownerIn(containerId: string, path: string): Promise<string | undefined> {
  const reader = await archiveIn(containerId, path);
  if (!reader) return undefined;
  let owner: string | undefined;
  for await (const entry of reader) {
    owner ??= `${entry.header.uid}:${entry.header.gid}`;
    entry.resume();
  }
  return owner;
}
