// Shared by the normalisers: a collector of problems (each with its path and location), and
// coercions for values that the schema lets through as strings because interpolation turns
// `${N}` into text (`replicas: "3"`, `init: "true"`).

import type { ModelFs } from '../model-fs.js';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { normalize as normalizePosix } from 'node:path/posix';
import type { StackFileProblem } from '../../errors.js';
import { StackFileError } from '../../errors.js';
import { parseDuration } from '../durations.js';
import { parseSize } from '../sizes.js';
import { type AttributeOrigin, dict, type Locator, type ModelWarning } from '../types.js';
import { formatPath, locateNearest } from '../validate.js';

export type Path = readonly (string | number)[];
export type Doc = Record<string, unknown>;

export class Problems {
  readonly list: StackFileProblem[] = [];
  readonly warnings: ModelWarning[] = [];
  constructor(private readonly locate: Locator) {}

  /** Where `path` was written, kept in the model for errors raised after loading. */
  origin(path: Path): AttributeOrigin {
    const location = locateNearest(path, this.locate);
    return { path: formatPath(path), ...(location ? { location } : {}) };
  }

  add(path: Path, message: string, hint?: string): void {
    const location = locateNearest(path, this.locate);
    this.list.push({ message, path: formatPath(path), ...(location ? { location } : {}), ...(hint ? { hint } : {}) });
  }

  warn(path: Path, message: string): void {
    const location = locateNearest(path, this.locate);
    this.warnings.push({ message, path: formatPath(path), ...(location ? { location } : {}) });
  }

  /** Throws a StackFileError carrying every problem so far, when there is any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw new StackFileError(this.list);
  }
}

/** What every normaliser needs besides the value itself. */
export interface Env {
  readonly problems: Problems;
  readonly projectName: string;
  readonly projectDirectory: string;
  readonly variables: Readonly<Record<string, string>>;
  /**
   * Values that came from outside the stack files (interpolated variables, env_file values,
   * values passed through from the shell, inline secret contents): a model holding any is
   * never cached.
   */
  readonly outside: Set<string>;
  /** Every value interpolation substituted (an environment entry holding one is sensitive). */
  readonly interpolated: readonly string[];
  /** Values that are secrets wherever they appear (see sensitive.ts). */
  readonly secrets: Set<string>;
  /** Dotted paths of the model's sensitive fields (see sensitive.ts). */
  readonly sensitiveFields: Set<string>;
  /** How files are looked at (model-fs.ts): recorded when the model may be cached. */
  readonly fs: ModelFs;
}

export function isMapping(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function has(obj: Doc, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

/** A boolean from `true` / `"true"` / `"yes"`...; undefined when absent; a problem otherwise. */
export function toBool(env: Env, value: unknown, path: Path): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  env.problems.add(path, `must be true or false (got '${String(value)}')`);
  return undefined;
}

/** An integer from a number or a numeric string. */
export function toInt(env: Env, value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  env.problems.add(path, `must be a whole number (got '${String(value)}')`);
  return undefined;
}

/** A number (fractions allowed) from a number or a numeric string. */
export function toNumber(env: Env, value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) return Number(value);
  env.problems.add(path, `must be a number (got '${String(value)}')`);
  return undefined;
}

export function toDuration(env: Env, value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value === 0 ? 0 : report(env, path, `must be a duration with a unit, e.g. '${value}s'`);
  const ns = parseDuration(String(value));
  if (ns instanceof Error) return report(env, path, ns.message);
  return ns;
}

export function toSize(env: Env, value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  const bytes = parseSize(typeof value === 'number' ? value : String(value));
  if (bytes instanceof Error) return report(env, path, bytes.message);
  return bytes;
}

/** File modes: a number as parsed (0440 is octal in the parser) or an octal string "0440". */
export function toMode(env: Env, value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^0?[0-7]{1,4}$/.test(value.trim())) return parseInt(value.trim(), 8);
  return report(env, path, `must be a file mode in octal, e.g. 0440 (got '${String(value)}')`);
}

function report(env: Env, path: Path, message: string): undefined {
  env.problems.add(path, message);
  return undefined;
}

export function toStr(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value);
}

export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => String(v));
  return [String(value)];
}

/**
 * `list_or_dict` → a null-prototype record of strings. `KEY=VAL` list items and mappings;
 * a bare `KEY` (list) or `KEY:` with no value (mapping) goes through `missing` (environment
 * looks the variable up; labels use an empty string).
 */
export function listOrDict(
  value: unknown,
  missing: (key: string) => string | undefined,
  separator = '=',
): Record<string, string> {
  const out = dict<string>();
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item);
      const at = text.indexOf(separator);
      if (at < 0) {
        const v = missing(text);
        if (v !== undefined) out[text] = v;
      } else {
        out[text.slice(0, at)] = text.slice(at + 1);
      }
    }
  } else if (isMapping(value)) {
    for (const key of Object.keys(value)) {
      const v = value[key];
      if (v === null || v === undefined) {
        const m = missing(key);
        if (m !== undefined) out[key] = m;
      } else {
        out[key] = String(v);
      }
    }
  }
  return out;
}

/** A record of strings from a mapping whose values may be numbers (driver_opts...). */
export function stringDict(value: unknown): Record<string, string> {
  const out = dict<string>();
  if (isMapping(value)) for (const key of Object.keys(value)) if (value[key] !== null && value[key] !== undefined) out[key] = String(value[key]);
  return out;
}

/** Extension fields (`x-*`) of a mapping. */
export function extensionsOf(value: Doc): Record<string, unknown> {
  const out = dict<unknown>();
  for (const key of Object.keys(value)) if (key.startsWith('x-')) out[key] = value[key];
  return out;
}

/** Absolute host path: `~` is the home directory, relative paths resolve against `base`. */
export function hostPath(env: Env, path: string, base = env.projectDirectory): string {
  if (path === '~' || path.startsWith('~/')) {
    const home = env.variables['HOME'] || homedir();
    return resolve(home, path.slice(2));
  }
  return isAbsolute(path) ? resolve(path) : resolve(base, path);
}

/**
 * A path inside the container as the engine stores it: cleaned (`/data/` → `/data`,
 * `/a//b/./c` → `/a/b/c`), as Go's filepath.Clean does on the daemon side. The planner compares
 * mount targets with the destinations the engine reports, so a spelling the engine cleans would
 * otherwise read as "not mounted" and recreate the container on every `up` (issue 12, item 6).
 * Relative paths are left to the callers that reject them.
 */
export function containerPath(path: string): string {
  if (!path.startsWith('/')) return path;
  const clean = normalizePosix(path);
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
}
