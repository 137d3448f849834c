// The key of the local project lock (engine/lock.ts): the engine's identity, its /info ID, so
// that two spellings of one socket are one lock (issue 12 item 12). /info is a slow call
// (28 ms of a 560 ms no-op `up` over ssh, issue 14; dockerd gathers its whole state for it),
// and the no-op path asks nothing else of it. So the ID is kept per endpoint in the cache
// directory (cache-dir.cts: `engines/<sha256(endpoint URL)>`) and re-asked once a day.
//
// Why a stale ID is harmless: it is only a key, never a fact acted upon. Mutual exclusion on an
// engine is the engine-side lock's job (engine/engine-lock.ts, a volume created atomically ON
// the engine), which serialises two runs whatever local lock files they took: the integration
// test engine-lock.test.ts runs two clients with different socket spellings AND different
// lock directories, and the second waits. So a stale ID can only
//   - give two spellings of one engine two local lock files: the engine lock still serialises
//     them (it is that test's very case), the waiter just polls the engine instead of a file;
//   - give two engines one local lock file: runs on the two then wait for each other
//     needlessly, for a day at most.
// Keying by the endpoint alone would do as much for safety, but not what issue 12 asked of
// this machine's lock: one lock for every spelling of one engine, told apart by a file.
// An injected gateway (tests, in-memory engines) names no endpoint to key a cache by: asked.

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, ensurePrivateDir, isPrivateDir } from '../cache-dir.cjs';
import type { EngineConnection } from './connect.js';

/** How long a kept engine ID is used before the engine is asked again. */
export const ENGINE_ID_MAX_AGE_MS = 24 * 3600_000;

/** What an engine ID looks like (20.10: 12 groups of 4 base32 characters; later: a UUID). */
const ENGINE_ID = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$/;

/** The engine's /info ID, kept per endpoint; the endpoint's URL for an engine that has none. */
export async function engineIdentity(connection: EngineConnection, now: () => number = Date.now): Promise<string> {
  const file = cacheFileOf(connection);
  const kept = file ? readKept(file, now()) : undefined;
  if (kept) return kept;
  const info = await connection.gateway.info();
  if (!info.id) return connection.endpoint;
  if (file && ENGINE_ID.test(info.id)) keep(file, info.id);
  return info.id;
}

/** Where the ID of this connection's engine is kept, or undefined (no cache, or no endpoint to key it by). */
function cacheFileOf(connection: EngineConnection): string | undefined {
  if (!/^[a-z]+:\/\//.test(connection.endpoint)) return undefined;
  const dir = cacheDir('engines', connection.env as NodeJS.ProcessEnv);
  if (!dir) return undefined;
  return join(dir, createHash('sha256').update(connection.endpoint).digest('hex'));
}

function readKept(file: string, now: number): string | undefined {
  try {
    // Only from a directory nobody else can write to: a planted ID would choose our lock file.
    if (!isPrivateDir(join(file, '..'))) return undefined;
    if (now - statSync(file).mtimeMs > ENGINE_ID_MAX_AGE_MS) return undefined;
    const id = readFileSync(file, 'utf8').trim();
    return ENGINE_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function keep(file: string, id: string): void {
  try {
    if (!ensurePrivateDir(join(file, '..'))) return;
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${id}\n`, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // A cache is an optimisation: a read-only home costs one /info call per run, nothing else.
  }
}
