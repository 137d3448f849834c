// A project lock on this machine: two `up`/`down` runs on one project (on one engine) never
// interleave. It is a file, keyed on the engine's identity (its /info ID, so two spellings of
// one socket are one lock; kept per endpoint for a day: stack/engine-identity.ts) and the project:
//
//   ${XDG_RUNTIME_DIR}/stack-locks/<sha256(engine id, project)>.lock   (or /tmp/stack-locks-<uid>/)
//
// Runs on other machines (or with another XDG_RUNTIME_DIR) sharing the engine are serialised by
// the engine-side guard taken after this one (engine-lock.ts); this file lock keeps the runs of
// one machine off the engine while they wait, and notices a dead holder by its pid at once.
//
// holding {pid, host, startedAt, command} of the holder.
//   - Taking it: write the content to a temp file, then link(2) it to the lock path. link is
//     atomic and fails when the path exists, and the lock appears complete (never half written).
//   - A lock whose holder is gone (same host, pid dead, or the pid now belongs to a process
//     that started later: pid reuse) is stale. Breaking it must not race with another breaker
//     nor remove a fresh lock that replaced it (TOCTOU): a breaker first creates, exclusively,
//     a "break token" named after the stale file's inode, re-checks that the lock path still is
//     that inode and still stale, and only then unlinks it. Nobody else can remove that inode
//     meanwhile (its holder is dead, other breakers lack the token), so the check stays true.
//   - The second run waits (polling, bounded) and then fails naming the holder.
//   - A lock from another host (a shared /tmp across containers) is never broken.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, constants } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationError } from '../errors.js';
import { pause as sleep } from '../api/pause.js';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly startedAt: string;
  /** What the holder is doing, e.g. `stack up`. */
  readonly command: string;
  readonly project: string;
  /** The engine's identity the lock is for. */
  readonly engine: string;
  /** The holder's process start time (/proc/<pid>/stat field 22), to detect pid reuse. */
  readonly pidStart?: string;
}

export interface AcquireLockOptions {
  readonly projectName: string;
  /** The engine's identity (its /info ID; its endpoint URL when it has none): the same project on two engines is two locks, one engine under two socket spellings is one. */
  readonly engine: string;
  /** How long to wait for another run to finish; 0 = fail at once. */
  readonly waitMs: number;
  /** Shown to whoever waits for us. Default: `stack`. */
  readonly command?: string;
  /** Called once, when we start waiting for a holder. */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  readonly pollMs?: number;
  /** The lock directory (tests). */
  readonly dir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}

export interface ProjectLock {
  readonly path: string;
  /** Idempotent; never throws. */
  release(): void;
}

export function lockDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) return join(runtime, 'stack-locks');
  // Per user under /tmp: a shared world-writable directory would let others plant files.
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `stack-locks-${uid}`);
}

export function lockPath(dir: string, engine: string, projectName: string): string {
  const key = createHash('sha256').update(`${engine}\0${projectName}`).digest('hex');
  return join(dir, `${key}.lock`);
}

export async function acquireProjectLock(options: AcquireLockOptions): Promise<ProjectLock> {
  const dir = options.dir ?? lockDirectory(options.env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = lockPath(dir, options.engine, options.projectName);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? 'stack',
    project: options.projectName,
    engine: options.engine,
    ...optionalPidStart(process.pid),
  };
  const deadline = Date.now() + options.waitMs;
  const pollMs = options.pollMs ?? 100;
  let waited = false;

  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    const ino = tryCreate(path, me);
    if (ino !== undefined) return heldLock(path, ino);

    const seen = readLock(path);
    if (!seen) continue; // released between our attempt and the read: try again at once
    const stale = isStale(seen.holder);
    if (stale && breakStale(path, seen.ino)) continue; // race for it again; link decides
    if (Date.now() >= deadline) {
      throw new OperationError(describeBusy(options.projectName, seen.holder, options.waitMs, stale), {
        hint: stale
          ? `another run is breaking this stale lock; if that run was killed too, remove ${path} and ${breakTokenPath(path, seen.ino)}`
          : seen.holder && seen.holder.host !== hostname()
            ? `the holder runs on another host; if it is gone, remove ${path}`
            : 'wait for the other run to finish, then try again',
      });
    }
    if (!waited) {
      waited = true;
      options.onWait?.(seen?.holder);
    }
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())), options.signal);
  }
}

function describeBusy(projectName: string, holder: LockHolder | undefined, waitMs: number, stale: boolean): string {
  const waitedFor = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : '';
  if (!holder) return `project "${projectName}" is locked by another run${waitedFor}`;
  const who = `pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, since ${holder.startedAt})`;
  return stale
    ? `project "${projectName}" has a stale lock of ${who} that could not be broken${waitedFor}`
    : `project "${projectName}" is locked by ${who}${waitedFor}`;
}

/** Creates the lock atomically; returns its inode, or undefined when it exists already. */
function tryCreate(path: string, me: LockHolder): number | undefined {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return statSync(path).ino;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  } finally {
    unlinkQuietly(tmp);
  }
}

function readLock(path: string): { holder: LockHolder | undefined; ino: number } | undefined {
  try {
    const ino = statSync(path).ino;
    const text = readFileSync(path, 'utf8');
    let holder: LockHolder | undefined;
    try {
      holder = JSON.parse(text) as LockHolder;
    } catch {
      holder = undefined; // not ours to judge: treated as held, reported without details
    }
    return { holder, ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Dead holder on this host, or its pid now belongs to another process (pid reuse). */
export function isStale(holder: LockHolder | undefined): boolean {
  if (!holder || typeof holder.pid !== 'number' || holder.host !== hostname()) return false;
  if (!processAlive(holder.pid)) return true;
  if (holder.pidStart !== undefined) {
    const now = procStartTime(holder.pid);
    if (now !== undefined && now !== holder.pidStart) return true;
  }
  return false;
}

function breakTokenPath(path: string, staleIno: number): string {
  return `${path}.break-${staleIno}`;
}

/**
 * Removes the stale lock with inode `staleIno` unless another breaker holds its token.
 * Returns false when it could not (someone else is breaking it): the caller waits.
 */
function breakStale(path: string, staleIno: number): boolean {
  const token = breakTokenPath(path, staleIno);
  let fd: number;
  try {
    fd = openSync(token, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    closeSync(fd);
    const now = readLock(path);
    if (now && now.ino === staleIno && isStale(now.holder)) unlinkQuietly(path);
    return true;
  } finally {
    unlinkQuietly(token);
  }
}

function heldLock(path: string, ino: number): ProjectLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      // Only our own file: never remove a lock someone else holds.
      if (statSync(path).ino === ino) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // A safety net for paths that end the process without calling release.
  process.on('exit', release);
  return { path, release };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The start time of a process (/proc/<pid>/stat field 22), to tell a reused pid from its first owner. */
export function pidStartOf(pid: number): string | undefined {
  return procStartTime(pid);
}

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall: starttime
  } catch {
    return undefined;
  }
}

function optionalPidStart(pid: number): { pidStart?: string } {
  const start = procStartTime(pid);
  return start === undefined ? {} : { pidStart: start };
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

