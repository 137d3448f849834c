// The one lock policy of every command that changes a project (up, down, run, start, stop,
// restart, kill, rm, pause, unpause): the same lock (per engine identity and project: a file
// on this machine, engine/lock.ts, then a lock object on the engine, engine/engine-lock.ts),
// the same wait, and the same word to the user while waiting.
//
// The wait: up to 10 minutes by default. A run that holds the lock may be waiting for health
// checks or stopping containers with long grace periods; failing the second command after a
// few seconds would only make the user retry by hand. Waiting is never silent: the first poll
// that finds the lock taken emits a `lock-wait` event naming the holder (command, pid, since
// when), and an abort (Ctrl-C) ends the wait at once with exit 130.

import type { EngineConnection } from './connect.js';
import { interruptible, type RunHooks } from './events.js';
import { engineIdentity } from './engine-identity.js';

/** How long a command waits for another run holding the project lock, unless told otherwise. */
export const DEFAULT_LOCK_WAIT_MS = 10 * 60_000;

export interface LockOptions {
  /** How long to wait for another run holding the project lock. Default 10 minutes. */
  readonly lockWaitMs?: number;
}

/**
 * Runs `body` holding the project lock; releases it however `body` ends. Two locks, taken in
 * this order and under one deadline: the file lock of this machine (engine/lock.ts), keyed on
 * the engine's identity (kept per endpoint: engine-identity.ts), then the engine-side lock (engine/engine-lock.ts) that serialises
 * runs from other machines sharing the engine.
 */
export async function withProjectLock<T>(
  connection: EngineConnection,
  projectName: string,
  command: string,
  options: LockOptions,
  hooks: RunHooks,
  body: () => Promise<T>,
): Promise<T> {
  const [{ acquireProjectLock }, { acquireEngineLock }] = await Promise.all([import('../engine/lock.js'), import('../engine/engine-lock.js')]);
  const waitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  const deadline = Date.now() + waitMs;
  let told = false;
  const onWait = (holder: unknown): void => {
    if (told) return;
    told = true;
    hooks.onEvent?.({ type: 'lock-wait', at: Date.now(), holder: describeHolder(holder) });
  };
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  const engine = await engineIdentity(connection);
  const local = await interruptible(hooks, () =>
    acquireProjectLock({ projectName, engine, waitMs, command, env: connection.env, onWait, ...signal }),
  );
  try {
    const onEngine = await interruptible(hooks, () =>
      acquireEngineLock(connection.gateway, { projectName, deadline, waitMs, command, onWait, ...signal }),
    );
    try {
      return await body();
    } finally {
      await onEngine.release();
    }
  } finally {
    local.release();
  }
}

/** `stack up, pid 4242, since 2026-11-23T18:00:00.000Z`: who holds the lock, for the user. */
export function describeHolder(holder: unknown): string {
  if (holder && typeof holder === 'object') {
    const h = holder as { pid?: number; command?: string; startedAt?: string };
    return [h.command, h.pid !== undefined ? `pid ${h.pid}` : undefined, h.startedAt ? `since ${h.startedAt}` : undefined]
      .filter(Boolean)
      .join(', ');
  }
  return String(holder ?? 'another run');
}
