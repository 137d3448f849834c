// Every look at the filesystem the loader makes goes through a ModelFs: "what is at this
// path" (a file, a directory, something else, nothing) and "the text of this file". The plain
// one just asks the filesystem. The recording one (model-cache.ts) also writes down what it
// saw, so that a later run can tell whether a cached model is still what a fresh load would
// compute: same answers to the same questions → same model.
//
// Only these two questions are asked because they are the only ones the loader needs: size
// (for the size cap) comes with the kind, and a file's content is recorded by its sha256.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type PathKind = 'file' | 'directory' | 'other' | 'missing';

export interface PathStat {
  readonly kind: PathKind;
  /** Bytes, for files; 0 otherwise. */
  readonly size: number;
}

export interface ModelFs {
  /** What is at `path`, following symbolic links, as statSync sees it; `missing` on any error. */
  stat(path: string): PathStat;
  /** The file's text (UTF-8). Throws as readFileSync does. */
  readText(path: string): string;
}

function statOf(path: string): PathStat {
  try {
    const st = statSync(path);
    return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other', size: st.isFile() ? st.size : 0 };
  } catch {
    return { kind: 'missing', size: 0 };
  }
}

export const plainFs: ModelFs = {
  stat: statOf,
  readText: (path) => readFileSync(path, 'utf8'),
};

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What one load saw: path → kind for every probe, path → sha256 for every file read. */
export interface RecordedInputs {
  readonly probes: Readonly<Record<string, PathKind>>;
  readonly reads: Readonly<Record<string, string>>;
}

/**
 * A ModelFs that records. Sizes are not recorded: a file that was read is pinned by its
 * content hash, and a file that was too big made the load fail (failed loads are never cached).
 * When one load sees a path two different ways (it changed while we were reading), the record
 * is `unstable` and must not be used.
 */
export class RecordingFs implements ModelFs {
  private readonly probes = new Map<string, PathKind>();
  private readonly reads = new Map<string, string>();
  unstable = false;

  stat(path: string): PathStat {
    const st = statOf(path);
    this.note(this.probes, path, st.kind);
    return st;
  }

  readText(path: string): string {
    const bytes = readFileSync(path);
    this.note(this.reads, path, sha256(bytes));
    return bytes.toString('utf8');
  }

  inputs(): RecordedInputs {
    return { probes: Object.fromEntries(this.probes), reads: Object.fromEntries(this.reads) };
  }

  private note<T>(map: Map<string, T>, path: string, value: T): void {
    const seen = map.get(path);
    if (seen === undefined) map.set(path, value);
    else if (seen !== value) this.unstable = true;
  }
}

/**
 * The first recorded input that no longer holds, or undefined when all do. Probes first
 * (a stat each), then reads (read and hash each file).
 */
export function changedInput(inputs: RecordedInputs): string | undefined {
  for (const path of Object.keys(inputs.probes)) {
    if (statOf(path).kind !== inputs.probes[path]) return path;
  }
  for (const path of Object.keys(inputs.reads)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return path;
    }
    if (sha256(bytes) !== inputs.reads[path]) return path;
  }
  return undefined;
}
