// The start-up probe: native file events do not arrive on every filesystem (WSL's /mnt/c, NFS,
// SMB, some container bind mounts), and nothing says so: the watch just stays silent. So write
// a temp file inside a watched directory and expect its event within a bound; silence means
// the caller should poll instead. The probe file is never reported as a change.
import { randomBytes } from 'node:crypto';
import { stat, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errnoCode } from './watch-errors.js';

export const PROBE_PREFIX = '.stack-watch-probe-';
/** Native events arrive in 2–7 ms here; a busy machine gets a wide margin. */
export const PROBE_TIMEOUT_MS = 2000;

export function isProbePath(path: string): boolean {
  return basename(path).startsWith(PROBE_PREFIX);
}

export type ProbeOutcome =
  | { readonly result: 'native' }
  /** The probe file was written and no event came within the bound. */
  | { readonly result: 'silent'; readonly directory: string }
  /** No probe could be made (no watched directory, or none writable): native is assumed. */
  | { readonly result: 'skipped'; readonly reason: string };

/** `expectEvent(path, timeoutMs)` resolves true when the watcher reported `path` in time. */
export type ExpectEvent = (path: string, timeoutMs: number) => Promise<boolean>;

export async function probeNativeEvents(roots: readonly string[], expectEvent: ExpectEvent, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeOutcome> {
  const directory = await firstDirectory(roots);
  if (directory === undefined) return { result: 'skipped', reason: 'no watched directory exists yet' };
  const probePath = join(directory, PROBE_PREFIX + `${process.pid}-${randomBytes(4).toString('hex')}`);
  const seen = expectEvent(probePath, timeoutMs);
  try {
    await writeFile(probePath, '');
  } catch (error) {
    void seen.catch(() => undefined);
    return { result: 'skipped', reason: `could not write a probe file in ${directory} (${errnoCode(error) ?? String(error)})` };
  }
  try {
    return (await seen) ? { result: 'native' } : { result: 'silent', directory };
  } finally {
    await rm(probePath, { force: true });
  }
}

async function firstDirectory(roots: readonly string[]): Promise<string | undefined> {
  for (const root of roots) {
    const stats = await stat(root).catch(() => undefined);
    if (stats?.isDirectory()) return root;
  }
  return undefined;
}
