// When stack last pulled an image, for the refresh policies (daily, weekly, every_<duration>).
// Compose reads the image's LastTagTime instead; some engines leave it empty (the Go zero time,
// 0001-01-01), and a `docker tag` moves it without any pull. So stack keeps its own record,
// in the cache directory (cache-dir.cts: $XDG_CACHE_HOME/stack/pulls; STACK_CACHE=0 turns it
// off, and then every refresh policy pulls, as with an unknown time).
//
// Layout: <dir>/<sha256(engine)[:32]>/<sha256(reference)[:32]>.json holding
// {"engine", "reference", "pulledAt"}: one small file per engine and image, so two runs that
// record different images never rewrite each other's data, and a record is replaced whole
// (a temporary file renamed over it) so a reader never sees half of one. The engine is an
// identity chosen by the caller (the daemon's ID from /info, else its endpoint); references
// are normalised (busybox = docker.io/library/busybox:latest).
//
// Like the model cache, the record is only read from a private directory (it decides whether
// `up` pulls), and every failure is a miss: a record can spare a pull, never fail a run.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, ensurePrivateDir, isPrivateDir } from '../cache-dir.cjs';
import { normalizeReference } from './reference.js';

export interface PullTimes {
  /** When stack last recorded a pull of `reference` on `engine` (ms since the epoch). */
  lastPulled(engine: string, reference: string): Promise<number | undefined>;
  /** Records a pull; false when it could not be written (caching off, a read-only home...). */
  recordPull(engine: string, reference: string, pulledAt: number): Promise<boolean>;
}

export interface PullTimesOptions {
  /** Where the records live; default cacheDir('pulls', env). */
  readonly dir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function openPullTimes(options: PullTimesOptions = {}): PullTimes {
  const dir = options.dir ?? cacheDir('pulls', options.env ?? process.env);
  if (dir === undefined) return { lastPulled: async () => undefined, recordPull: async () => false };
  return {
    lastPulled: (engine, reference) => readRecord(dir, engine, canonical(reference)),
    recordPull: (engine, reference, pulledAt) => writeRecord(dir, engine, canonical(reference), pulledAt),
  };
}

/**
 * The best known time of the last pull: stack's record, or the image's LastTagTime when that
 * is later (a pull by `docker pull` moves it too). The Go zero time and unparsable text mean
 * unknown.
 */
export function latestKnownPull(recorded: number | undefined, lastTagTime: string | undefined): number | undefined {
  const tagged = lastTagTime ? Date.parse(lastTagTime) : NaN;
  const fromEngine = Number.isFinite(tagged) && tagged > 0 ? tagged : undefined;
  if (recorded === undefined) return fromEngine;
  return fromEngine === undefined ? recorded : Math.max(recorded, fromEngine);
}

interface PullRecord {
  readonly engine: string;
  readonly reference: string;
  readonly pulledAt: number;
}

function canonical(reference: string): string {
  const normal = normalizeReference(reference);
  return normal instanceof Error ? reference : normal;
}

function hashName(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function recordPath(dir: string, engine: string, reference: string): { engineDir: string; file: string } {
  const engineDir = join(dir, hashName(engine));
  return { engineDir, file: join(engineDir, `${hashName(reference)}.json`) };
}

async function readRecord(dir: string, engine: string, reference: string): Promise<number | undefined> {
  const { engineDir, file } = recordPath(dir, engine, reference);
  if (!isPrivateDir(dir) || !isPrivateDir(engineDir)) return undefined;
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<PullRecord>;
    // The names are hashes: the record itself must say it is the one asked for.
    if (record.engine !== engine || record.reference !== reference) return undefined;
    return typeof record.pulledAt === 'number' && Number.isFinite(record.pulledAt) ? record.pulledAt : undefined;
  } catch {
    return undefined;
  }
}

async function writeRecord(dir: string, engine: string, reference: string, pulledAt: number): Promise<boolean> {
  const { engineDir, file } = recordPath(dir, engine, reference);
  if (!ensurePrivateDir(dir)) return false;
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(engineDir, { recursive: true, mode: 0o700 });
    if (!isPrivateDir(engineDir)) return false;
    const record: PullRecord = { engine, reference, pulledAt };
    await writeFile(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    await rename(temp, file);
    return true;
  } catch {
    await unlink(temp).catch(() => undefined);
    return false;
  }
}
