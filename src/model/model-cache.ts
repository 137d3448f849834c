// A cache of loaded models between runs (issue 5): a no-op `stack up` should not parse YAML,
// interpolate, validate and normalise again when none of the inputs changed. loadModel uses it
// only when LoadOptions.cache says where (the CLI turns it on; the library default is off).
//
// One entry per key, `<dir>/<key>.json` = { key, inputs, shape, model }:
//   - key: sha256 of everything the load was asked (LoadOptions fields that change the
//     result, the code id, and the WHOLE environment: any change to it is a miss; the
//     environment's values are only hashed, never stored);
//   - inputs: what the load saw on disk (model-fs.ts): the kind of every path it probed, the
//     sha256 of every file it read. A lookup checks them all again; any difference is a miss;
//   - model: the StackModel as JSON, with `shape` saying which of its objects have a null
//     prototype (user-keyed maps, see types.ts), so that the revived model is the same value
//     a fresh load gives: same prototypes, frozen throughout, warnings included.
//
// What is never cached: a model with sensitive values (anything from interpolated variables,
// env files, inline secrets) or with values the normaliser took from the environment
// (`environment: [FOO]`); a load from stdin; a load that failed (errors are computed fresh,
// with their positions). The cache holds nothing the stack files on disk do not hold.
//
// Entries are written atomically (a temporary file, then rename) with mode 0600, in a
// directory ensurePrivateDir accepts; they are read only from a private directory, and only
// when the entry itself is ours and not writable by others: an entry decides what `up` does.
// Every failure to read an entry is a miss, every failure to write one is only reported in
// --debug: the cache can make a run faster, never make it fail.

import { closeSync, fstatSync, futimesSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensurePrivateDir, isPrivateDir } from '../cache-dir.cjs';
import { canonicalJson } from './hash.js';
import { changedInput, sha256, type RecordedInputs } from './model-fs.js';
import type { LoadOptions } from './load-options.js';

export type { ModelCacheOptions } from './load-options.js';
import type { StackModel } from './types.js';

/** Bump when the entry layout or the meaning of a key changes. */
export const MODEL_CACHE_FORMAT = 2;

/** Entries not used for this long are removed (when another entry is written). */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** At most this many entries are kept; the least recently used go first. */
const MAX_ENTRIES = 100;
/** A temporary file this old was left by a writer that died. */
const STALE_TEMP_MS = 3600 * 1000;

/** The key of a load: what it was asked, never what it found on disk. */
export function cacheKey(options: LoadOptions, codeId: string): string {
  const env: [string, string][] = [];
  for (const name of Object.keys(options.env)) {
    const value = options.env[name];
    if (value !== undefined) env.push([name, value]);
  }
  env.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let home = '';
  try {
    // `~` in a path falls back to os.homedir() when HOME is not among the variables.
    home = homedir();
  } catch {
    home = '';
  }
  return sha256(
    canonicalJson({
      format: MODEL_CACHE_FORMAT,
      codeId,
      files: options.files ?? [],
      projectName: options.projectName ?? null,
      projectDirectory: options.projectDirectory ?? null,
      profiles: options.profiles ?? [],
      envFiles: options.envFiles ?? [],
      services: options.services ?? [],
      // Relative paths are resolved against cwd; cwd itself against the process's.
      cwd: resolve(options.cwd),
      limits: options.limits ?? null,
      home,
      env,
    }),
  );
}

export type Lookup = { readonly model: StackModel } | { readonly miss: string };

/** The cached model for `key` if its entry is readable, ours, and every recorded input still holds. */
export function lookupModel(dir: string, key: string): Lookup {
  const file = join(dir, `${key}.json`);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { miss: 'no entry' };
  }
  let text: string;
  try {
    if (!isPrivateDir(dir)) return { miss: 'the cache directory is not private' };
    const st = fstatSync(fd);
    if (!st.isFile() || (process.getuid !== undefined && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) {
      return { miss: 'the entry is not private' };
    }
    text = readFileSync(fd, 'utf8');
    // Marks the entry as used, for pruning by age.
    try {
      const now = new Date();
      futimesSync(fd, now, now);
    } catch {
      // Read-only cache: it still works, it only ages.
    }
  } catch {
    return { miss: 'unreadable entry' };
  } finally {
    closeSync(fd);
  }
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return { miss: 'unreadable entry' };
  }
  if (!isEntry(entry) || entry.key !== key) return { miss: 'unreadable entry' };
  const changed = changedInput(entry.inputs);
  if (changed !== undefined) return { miss: `changed: ${changed}` };
  const model = reviveModel(entry.model, entry.shape);
  return model ? { model } : { miss: 'unreadable entry' };
}

interface Entry {
  readonly key: string;
  readonly inputs: RecordedInputs;
  readonly shape: string;
  readonly model: unknown;
}

function isEntry(value: unknown): value is Entry {
  if (!isObject(value)) return false;
  const { key, inputs, shape, model } = value;
  if (typeof key !== 'string' || typeof shape !== 'string' || !isObject(model) || !isObject(inputs)) return false;
  const { probes, reads } = inputs;
  if (!isObject(probes) || !isObject(reads)) return false;
  for (const k of Object.keys(probes)) if (!['file', 'directory', 'other', 'missing'].includes(probes[k] as string)) return false;
  for (const k of Object.keys(reads)) if (typeof reads[k] !== 'string') return false;
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Why this model must not be written, or undefined when it may. */
export function whyNotCacheable(model: StackModel): string | undefined {
  if (model.holdsOutsideValues) return 'the model holds sensitive values';
  if (model.configFiles.includes('-')) return 'read from stdin';
  return undefined;
}

export type Store = { readonly stored: true } | { readonly skipped: string };

/** Writes the entry for `key` (atomically, 0600) and prunes the directory. */
export function storeModel(dir: string, key: string, inputs: RecordedInputs, model: StackModel): Store {
  const why = whyNotCacheable(model);
  if (why) return { skipped: why };
  const encoded = encodeModel(model);
  if (!encoded) return { skipped: 'the model is not plain data' };
  if (!ensurePrivateDir(dir)) return { skipped: 'the cache directory is not private' };
  const text = JSON.stringify({ key, inputs, shape: encoded.shape, model }, keepUndefined);
  const file = join(dir, `${key}.json`);
  const temp = join(dir, `${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created.
    }
    return { skipped: `could not write the entry (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  prune(dir, file);
  return { stored: true };
}

/** Removes entries unused for MAX_AGE_MS and the least recently used beyond MAX_ENTRIES. */
function prune(dir: string, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const entries: { path: string; used: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (path === keep) continue;
    const isEntryFile = /^[0-9a-f]{64}\.json$/.test(name);
    const isTemp = /^[0-9a-f]{64}\.\d+\.[0-9a-f]{8}\.tmp$/.test(name);
    if (!isEntryFile && !isTemp) continue;
    let used: number;
    try {
      used = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (now - used > (isTemp ? STALE_TEMP_MS : MAX_AGE_MS)) remove(path);
    else if (isEntryFile) entries.push({ path, used });
  }
  if (entries.length + 1 > MAX_ENTRIES) {
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries.slice(0, entries.length + 1 - MAX_ENTRIES)) remove(e.path);
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Another run removed it first.
  }
}

// --- the model as JSON and back ------------------------------------------------------------
//
// JSON keeps everything a model holds except three things: which objects have a null
// prototype, members whose value is `undefined` (the normaliser writes `entrypoint: undefined`
// and the like: a key that is there, with no value), and frozenness. `shape` carries the first
// two: one character for every object and every null/undefined, in the order a pre-order walk
// visits them ('0' an object with Object.prototype, '1' a null-prototype object, 'n' null,
// 'u' undefined, written as null). The model and what JSON.parse makes of its text have the
// same keys in the same order, so both walks meet the same nodes in the same order. Frozenness
// is restored by freezing everything, as normalise.ts does.
//
// encodeModel refuses anything else JSON would change (-0, NaN, class instances, symbols,
// holes, non-enumerable members), so a model that was written is revived exactly.

/** JSON.stringify replacer: undefined members are kept, as null (shape says which). */
export function keepUndefined(_key: string, value: unknown): unknown {
  return value === undefined ? null : value;
}

export function encodeModel(model: StackModel): { shape: string } | undefined {
  const shape: string[] = [];
  const stack: unknown[] = [model];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === undefined) {
      shape.push('u');
      continue;
    }
    if (v === null) {
      shape.push('n');
      continue;
    }
    if (typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) return undefined;
      continue;
    }
    if (typeof v !== 'object') return undefined;
    if (Array.isArray(v)) {
      // Pushed in reverse so that they are visited in order.
      for (let i = v.length - 1; i >= 0; i--) {
        if (!(i in v)) return undefined;
        stack.push(v[i]);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== null && proto !== Object.prototype) return undefined;
    if (Object.getOwnPropertySymbols(v).length > 0) return undefined;
    shape.push(proto === null ? '1' : '0');
    const keys = Object.keys(v);
    if (Object.getOwnPropertyNames(v).length !== keys.length) return undefined;
    for (let i = keys.length - 1; i >= 0; i--) stack.push((v as Record<string, unknown>)[keys[i]!]);
  }
  return { shape: shape.join('') };
}

/** The parsed JSON of a model made back into the model; undefined when `shape` does not fit it. */
export function reviveModel(parsed: unknown, shape: string): StackModel | undefined {
  let at = 0;
  let root = parsed;
  // [container, key, value] of every node still to visit; the root has no container.
  const stack: [Record<string | number, unknown> | undefined, string | number, unknown][] = [[undefined, '', parsed]];
  const objects: object[] = [];
  while (stack.length > 0) {
    const [container, key, v] = stack.pop()!;
    if (v === null) {
      const c = shape[at++];
      if (c === 'u' && container) container[key] = undefined;
      else if (c !== 'n') return undefined;
      continue;
    }
    if (typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      objects.push(v);
      for (let i = v.length - 1; i >= 0; i--) stack.push([v as unknown as Record<number, unknown>, i, v[i]]);
      continue;
    }
    const c = shape[at++];
    let o = v as Record<string, unknown>;
    if (c === '1') {
      // A copy, not Object.setPrototypeOf: V8 makes that several times slower (issue 5
      // measured 4 ms against 1 ms for a 30-service model). `__proto__` is an ordinary key of
      // a null-prototype object, so it is copied as data.
      const copy = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(o)) copy[k] = o[k];
      o = copy;
      if (container) container[key] = o;
      else root = o;
    } else if (c !== '0') return undefined;
    objects.push(o);
    const keys = Object.keys(o);
    for (let i = keys.length - 1; i >= 0; i--) stack.push([o, keys[i]!, o[keys[i]!]]);
  }
  if (at !== shape.length) return undefined;
  for (const o of objects) Object.freeze(o);
  return root as StackModel;
}
