// The engine-side project lock: runs on two machines (or two users) sharing one engine never
// interleave on one project, whatever their local lock files (lock.ts) say.
//
// The lock object is a volume named `stack-lock.<project>`, never mounted, labelled with its
// holder (a random token, command, pid, host, since, expiry). Taking it is one volume create:
// the engine creates volumes under a per-name lock and, when the name exists, returns the
// EXISTING volume with its own labels (measured on Docker 20.10: a second create with other
// labels answers 201 with the first create's labels). So whoever finds their own token in
// the answer holds the lock; everyone else reads the holder from the same answer. (A network
// would not do: ten concurrent creates of one name make ten networks, TRAPS. A container
// would need an image.) The name has a `.`, which project volume names (`<project>_<key>`)
// never have, and the volume carries no project label: `down -v` and the planner ignore it.
//
// A stale lock (its holder on this host is dead or its pid was reused; or, from another host,
// its expiry has passed) is taken over without racing another breaker, as lock.ts does with
// files: the breaker first takes a break volume named after the stale token (the same create
// decides who breaks), re-reads the lock, and removes it only if it still holds that token.
// Volume labels cannot change, so a holder cannot renew: the expiry is a lease long enough
// for any apply (LEASE_MS), and a holder on this host is judged by its pid instead.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { STACK } from '../api/labels.js';
import type { ObservedVolume } from '../api/engine-types.js';
import { NotFoundError, OperationError } from '../errors.js';
import type { EngineGateway } from './gateway.js';
import { isStale, pidStartOf, type LockHolder } from './lock.js';
import { pause as sleep } from '../api/pause.js';

/** How long a lock from another host counts as held, its holder unheard of. */
export const LEASE_MS = 60 * 60_000;

export interface EngineLockOptions {
  readonly projectName: string;
  /** Deadline (epoch ms) of the wait for another holder. */
  readonly deadline: number;
  readonly waitMs: number;
  readonly command: string;
  readonly onWait?: (holder: LockHolder | undefined) => void;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** The clock and the lease (tests). */
  readonly now?: () => number;
  readonly leaseMs?: number;
}

export interface EngineLock {
  readonly volume: string;
  /** Removes the lock volume if it is still ours. Never throws. */
  release(): Promise<void>;
}

export function engineLockVolume(projectName: string): string {
  return `stack-lock.${projectName}`;
}

/** Takes the engine-side lock of a project, waiting for another holder until the deadline. */
export async function acquireEngineLock(gateway: EngineGateway, options: EngineLockOptions): Promise<EngineLock> {
  const now = options.now ?? Date.now;
  const name = engineLockVolume(options.projectName);
  const token = randomBytes(16).toString('hex');
  let waited = false;
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    const labels = holderLabels(options, token, now());
    const found = await gateway.createVolume({ Name: name, Labels: labels }, options.signal);
    if (found.labels[STACK.lockToken] === token) return heldEngineLock(gateway, name, token);

    const holder = holderOf(found, options.projectName);
    const stale = isStaleOnEngine(found, holder, now());
    if (stale && (await breakStale(gateway, name, found, token, options.signal))) continue;
    if (now() >= options.deadline) throw busy(options, holder, name);
    if (!waited) {
      waited = true;
      options.onWait?.(holder);
    }
    await sleep(Math.min(options.pollMs ?? 200, Math.max(1, options.deadline - now())), options.signal);
  }
}

function holderLabels(options: EngineLockOptions, token: string, at: number): Record<string, string> {
  const pidStart = pidStartOf(process.pid);
  return {
    [STACK.lock]: options.projectName,
    [STACK.lockToken]: token,
    [STACK.lockCommand]: options.command,
    [STACK.lockPid]: String(process.pid),
    ...(pidStart !== undefined ? { [STACK.lockPidStart]: pidStart } : {}),
    [STACK.lockHost]: hostname(),
    [STACK.lockSince]: new Date(at).toISOString(),
    [STACK.lockExpires]: new Date(at + (options.leaseMs ?? LEASE_MS)).toISOString(),
  };
}

/** The holder as the lock volume's labels describe it; undefined for a volume that is not a lock of ours. */
function holderOf(volume: ObservedVolume, projectName: string): LockHolder | undefined {
  const l = volume.labels;
  const pid = Number(l[STACK.lockPid]);
  if (l[STACK.lockToken] === undefined || !Number.isInteger(pid)) return undefined;
  const pidStart = l[STACK.lockPidStart];
  return {
    pid,
    host: l[STACK.lockHost] ?? '',
    startedAt: l[STACK.lockSince] ?? '',
    command: l[STACK.lockCommand] ?? 'stack',
    project: projectName,
    engine: '',
    ...(pidStart !== undefined ? { pidStart } : {}),
  };
}

/** A lock of ours whose holder is gone: dead on this host, or past its expiry. A volume that is not a lock of ours is never stale (never removed). */
function isStaleOnEngine(volume: ObservedVolume, holder: LockHolder | undefined, at: number): boolean {
  if (!holder) return false;
  if (isStale(holder)) return true;
  const expires = Date.parse(volume.labels[STACK.lockExpires] ?? '');
  return Number.isFinite(expires) && at >= expires;
}

/**
 * Removes the stale lock `seen` unless another breaker is at it. True when this run broke it
 * (or found it gone): the caller races for the lock again.
 */
async function breakStale(gateway: EngineGateway, name: string, seen: ObservedVolume, token: string, signal: AbortSignal | undefined): Promise<boolean> {
  const staleToken = seen.labels[STACK.lockToken]!;
  const breakName = `${name}.break-${staleToken.slice(0, 16)}`;
  const breaker = await gateway.createVolume({ Name: breakName, Labels: { [STACK.lock]: seen.labels[STACK.lock] ?? '', [STACK.lockToken]: token } }, signal);
  if (breaker.labels[STACK.lockToken] !== token) return false;
  try {
    const now = await inspectOrUndefined(gateway, name, signal);
    if (now?.labels[STACK.lockToken] === staleToken) await removeQuietly(gateway, name);
    return true;
  } finally {
    await removeQuietly(gateway, breakName);
  }
}

function busy(options: EngineLockOptions, holder: LockHolder | undefined, name: string): OperationError {
  const waitedFor = options.waitMs > 0 ? ` (waited ${Math.round(options.waitMs / 1000)} s)` : '';
  const who = holder ? `pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, since ${holder.startedAt})` : 'another run';
  return new OperationError(`project "${options.projectName}" is locked on the engine by ${who}${waitedFor}`, {
    hint: holder && holder.host !== hostname() ? `the holder runs on another host; if it is gone, remove the volume ${name} (docker volume rm ${name})` : 'wait for the other run to finish, then try again',
  });
}

function heldEngineLock(gateway: EngineGateway, name: string, token: string): EngineLock {
  let released = false;
  return {
    volume: name,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      // Only our own volume: a lock taken over (past its lease) belongs to someone else now.
      const now = await inspectOrUndefined(gateway, name).catch(() => undefined);
      if (now?.labels[STACK.lockToken] === token) await removeQuietly(gateway, name);
    },
  };
}

async function inspectOrUndefined(gateway: EngineGateway, name: string, signal?: AbortSignal): Promise<ObservedVolume | undefined> {
  try {
    return await gateway.inspectVolume(name, signal);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

async function removeQuietly(gateway: EngineGateway, name: string): Promise<void> {
  try {
    await gateway.removeVolume(name);
  } catch {
    // gone already, or the engine went away: a later run judges what is left as stale
  }
}

