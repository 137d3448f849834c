// Where stack keeps what it may reuse between runs: $XDG_CACHE_HOME/stack (default
// ~/.cache/stack), one subdirectory per kind (v8: compiled code, see boot.cts).
//
// CommonJS (.cts) because boot.cts, which must start without Node's ES module loader
// (~15 ms), uses it; ES modules import it all the same.
//
// STACK_CACHE=0 turns every cache off; STACK_CACHE=<dir> moves them all.

import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The directory for one kind of cache, or undefined when caching is off or has no home. */
export function cacheDir(kind: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.STACK_CACHE;
  if (setting === '0' || setting === 'false' || setting === 'off') return undefined;
  if (setting) return join(setting, kind);
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  const base = env.XDG_CACHE_HOME || (home ? join(home, '.cache') : undefined);
  return base ? join(base, 'stack', kind) : undefined;
}

/**
 * Only a directory of ours that nobody else can write to may hold what we load back: a
 * compiled-code cache is code we run, a model cache decides what `up` does.
 */
export function isPrivateDir(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Creates the directory (0700) if needed; true when it is private and usable. */
export function ensurePrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  return isPrivateDir(dir);
}
