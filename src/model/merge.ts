// Merging stack files (`-f a.yaml -f b.yaml`, include, extends) as the Compose
// Specification and compose-go's `override` package do:
//
// - mappings merge key by key, recursively; scalars are replaced; `x-*` keys are replaced;
// - sequences append, except the keyed ones, where a later entry with the same key
//   replaces the earlier one in place: ports (host ip, published, target, protocol),
//   volumes and devices (by target), secrets and configs (by target), expose, env_file (by
//   path), and lists of plain values (dns, cap_add, profiles, aliases...) without duplicates;
// - environment, labels, annotations, sysctls, build.args... may be a list (`K=V`) or a
//   mapping; they merge by key (into mapping form: `K` alone becomes `K: null`);
// - command, entrypoint and healthcheck.test are replaced whole;
// - depends_on and service networks merge by name, list or mapping;
// - logging options merge only when the driver is the same;
// - `!reset` removes what earlier files set, `!override` replaces it whole;
// - `null` in a later file keeps what earlier files set (an empty `web:` changes nothing).
//
// Every container the merge builds carries the positions of the values it took (see
// positions.ts), so errors still point at the file and line that set the value.

import { dict } from './types.js';
import { childPosition, copyChildPosition, selfPosition, setChildPosition, setSelfPosition } from './positions.js';
import { Tagged } from './parse.js';

type Path = readonly string[];
type Plain = Record<string, unknown>;

const REMOVE = Symbol('remove');

export function isPlainMap(v: unknown): v is Plain {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tagged);
}

/** Merge `override` onto `base` (two whole documents). Neither input is changed. */
export function mergeDocuments(base: Plain, override: Plain): Plain {
  return mergeMaps(base, override, []);
}

/** Merge one service definition onto another (extends). */
export function mergeServices(base: Plain, override: Plain): Plain {
  return mergeMaps(base, override, ['services', '*']);
}

/** Resolve `!reset` / `!override` in a document that is not merged onto anything. */
export function stripTags(value: unknown): unknown {
  if (value instanceof Tagged) return value.tag === 'reset' ? undefined : stripTags(value.value);
  if (Array.isArray(value)) {
    if (!value.some((v) => v instanceof Tagged)) {
      for (const v of value) stripTags(v);
      return value;
    }
    const out: unknown[] = [];
    setSelfPosition(out, selfPosition(value));
    value.forEach((v, i) => {
      const s = stripTags(v);
      if (s === undefined) return;
      copyChildPosition(value, i, out, out.length);
      out.push(s);
    });
    return out;
  }
  if (isPlainMap(value)) {
    for (const k of Object.keys(value)) {
      const s = stripTags(value[k]);
      if (s === undefined) delete value[k];
      else value[k] = s;
    }
  }
  return value;
}

/** Where `!reset` / `!override` were written under a mapping: key paths relative to it. */
export function taggedPaths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (value instanceof Tagged) return [[...prefix]];
  if (!isPlainMap(value)) return [];
  return Object.keys(value).flatMap((k) => taggedPaths(value[k], [...prefix, k]));
}

/** Removes the value at a key path (missing keys on the way: nothing to remove). */
export function removePath(value: unknown, path: readonly string[]): void {
  let node = value;
  for (const key of path.slice(0, -1)) {
    if (!isPlainMap(node)) return;
    node = node[key];
  }
  if (isPlainMap(node) && path.length > 0) delete node[path[path.length - 1]!];
}

/** A deep copy that keeps positions (extends copies a base service into several places). */
export function cloneTree<T>(value: T): T {
  if (value instanceof Tagged) return new Tagged(value.tag, cloneTree(value.value)) as T;
  if (Array.isArray(value)) {
    const out = value.map((v) => cloneTree(v));
    setSelfPosition(out, selfPosition(value));
    value.forEach((_, i) => copyChildPosition(value, i, out, i));
    return out as T;
  }
  if (isPlainMap(value)) {
    const out = dict<unknown>();
    setSelfPosition(out, selfPosition(value));
    for (const k of Object.keys(value)) {
      out[k] = cloneTree(value[k]);
      copyChildPosition(value, k, out, k);
    }
    return out as T;
  }
  return value;
}

/** `services.web.ports` → `services.*.ports`: the rule tables are written with `*`. */
function patternOf(path: Path): string {
  if (path[0] === 'services' && path.length >= 2) {
    const parts = ['services', '*', ...path.slice(2)];
    // Names under these keys are user data too: `services.*.networks.*.aliases`.
    if (parts.length >= 4 && (parts[2] === 'networks' || parts[2] === 'ulimits' || parts[2] === 'depends_on')) parts[3] = '*';
    return parts.join('.');
  }
  if (path.length >= 2 && (path[0] === 'networks' || path[0] === 'volumes' || path[0] === 'secrets' || path[0] === 'configs')) {
    return [path[0], '*', ...path.slice(2)].join('.');
  }
  return path.join('.');
}

const replaced = new Set(['services.*.command', 'services.*.entrypoint', 'services.*.healthcheck.test']);

const keyedMaps = new Set([
  'services.*.environment',
  'services.*.labels',
  'services.*.annotations',
  'services.*.sysctls',
  'services.*.build.args',
  'services.*.build.labels',
  'services.*.build.additional_contexts',
  'services.*.deploy.labels',
  'services.*.logging.options',
  'networks.*.labels',
  'volumes.*.labels',
  'secrets.*.labels',
  'configs.*.labels',
]);

const uniqueValues = new Set([
  'services.*.cap_add',
  'services.*.cap_drop',
  'services.*.dns',
  'services.*.dns_opt',
  'services.*.dns_search',
  'services.*.links',
  'services.*.external_links',
  'services.*.profiles',
  'services.*.group_add',
  'services.*.security_opt',
  'services.*.tmpfs',
  'services.*.extra_hosts',
  'services.*.volumes_from',
  'services.*.build.tags',
  'services.*.build.platforms',
  'services.*.build.cache_from',
  'services.*.build.cache_to',
  'services.*.build.extra_hosts',
  'services.*.networks.*.aliases',
  'services.*.networks.*.link_local_ips',
]);

type Indexer = (entry: unknown) => string;

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

function portKey(entry: unknown): string {
  if (isPlainMap(entry)) {
    return `${str(entry.host_ip ?? '')}:${str(entry.published ?? '')}:${str(entry.target)}/${str(entry.protocol ?? 'tcp')}`;
  }
  return str(entry);
}

function mountTargetKey(entry: unknown): string {
  if (isPlainMap(entry)) return str(entry.target);
  if (typeof entry !== 'string') return str(entry);
  // Short syntax `[source:]target[:mode]`; a lone path is its own target.
  const parts = entry.split(':');
  return parts.length === 1 ? parts[0]! : parts[1]!;
}

const fileReferenceKey =
  (defaultDir: string): Indexer =>
  (entry) => {
    if (typeof entry === 'string') return `${defaultDir}/${entry}`;
    if (isPlainMap(entry)) return entry.target !== undefined ? str(entry.target) : `${defaultDir}/${str(entry.source)}`;
    return str(entry);
  };

const keyedLists = new Map<string, Indexer>([
  ['services.*.ports', portKey],
  ['services.*.volumes', mountTargetKey],
  ['services.*.devices', mountTargetKey],
  ['services.*.secrets', fileReferenceKey('/run/secrets')],
  ['services.*.configs', fileReferenceKey('')],
  ['services.*.expose', str],
  ['services.*.env_file', (e) => (isPlainMap(e) ? str(e.path) : str(e))],
  ['services.*.label_file', str],
]);

function mergeValue(base: unknown, over: unknown, path: Path): unknown {
  if (over instanceof Tagged) return over.tag === 'reset' ? REMOVE : stripTags(cloneTree(over.value));
  if (over === null || over === undefined) return base === undefined ? over : base;
  if (base === undefined || base === null) return stripTags(over);
  const pattern = patternOf(path);

  if (replaced.has(pattern)) return stripTags(over);
  if (keyedMaps.has(pattern)) return mergeKeyedMap(base, over);
  if (pattern === 'services.*.depends_on') return mergeNamed(base, over, path, { condition: 'service_started' });
  if (pattern === 'services.*.networks') return mergeNamed(base, over, path, null);
  if (pattern === 'services.*.build') {
    return mergeMaps(typeof base === 'string' ? withContext(base) : base, typeof over === 'string' ? withContext(over) : over, path);
  }
  if (pattern === 'services.*.logging' && isPlainMap(base) && isPlainMap(over)) {
    if (base.driver !== undefined && over.driver !== undefined && base.driver !== over.driver) return stripTags(over);
  }
  if (pattern === 'services.*.ulimits.*' && !(isPlainMap(base) && isPlainMap(over))) return stripTags(over);
  if (pattern === 'services.*.tmpfs' || pattern === 'services.*.env_file') {
    // A single string is a one-entry list.
    if (typeof base === 'string') base = [base];
    if (typeof over === 'string') over = [over];
  }

  if (isPlainMap(base) && isPlainMap(over)) return mergeMaps(base, over, path);
  if (Array.isArray(base) && Array.isArray(over)) {
    const indexer = keyedLists.get(pattern) ?? (uniqueValues.has(pattern) ? str : undefined);
    return concat(base, over, indexer);
  }
  return stripTags(over);
}

function withContext(context: string): Plain {
  const out = dict<unknown>();
  out.context = context;
  return out;
}

function mergeMaps(base: unknown, over: unknown, path: Path): Plain {
  if (!isPlainMap(base) || !isPlainMap(over)) return stripTags(over) as Plain;
  const out = dict<unknown>();
  setSelfPosition(out, selfPosition(base) ?? selfPosition(over));
  for (const k of Object.keys(base)) {
    out[k] = base[k];
    copyChildPosition(base, k, out, k);
  }
  for (const k of Object.keys(over)) {
    const o = over[k];
    const merged = k.startsWith('x-') || !(k in out) ? mergeValue(undefined, o, [...path, k]) : mergeValue(out[k], o, [...path, k]);
    if (merged === REMOVE || merged === undefined) {
      delete out[k];
      continue;
    }
    out[k] = merged;
    if (o !== null && o !== undefined) copyChildPosition(over, k, out, k);
  }
  return out;
}

/** Append `over` to `base`; with an indexer, an entry whose key exists replaces it in place. */
function concat(base: unknown[], over: unknown[], indexer: Indexer | undefined): unknown[] {
  const out: unknown[] = [];
  setSelfPosition(out, selfPosition(base) ?? selfPosition(over));
  const seen = new Map<string, number>();
  const add = (from: unknown[], i: number): void => {
    const entry = stripTags(from[i]);
    if (entry === undefined) return;
    if (indexer) {
      const key = indexer(entry);
      const at = seen.get(key);
      if (at !== undefined) {
        out[at] = entry;
        copyChildPosition(from, i, out, at);
        return;
      }
      seen.set(key, out.length);
    }
    copyChildPosition(from, i, out, out.length);
    out.push(entry);
  };
  base.forEach((_, i) => add(base, i));
  over.forEach((_, i) => add(over, i));
  return out;
}

/** A list (`K=V` / `K`) or mapping → a mapping, with positions per key. */
function asKeyedMap(value: unknown): Plain | undefined {
  if (isPlainMap(value)) return value;
  if (!Array.isArray(value)) return undefined;
  const out = dict<unknown>();
  setSelfPosition(out, selfPosition(value));
  value.forEach((entry, i) => {
    const s = typeof entry === 'string' ? entry : String(entry);
    const eq = s.indexOf('=');
    const key = eq === -1 ? s : s.slice(0, eq);
    out[key] = eq === -1 ? null : s.slice(eq + 1);
    setChildPosition(out, key, childPosition(value, i));
  });
  return out;
}

function mergeKeyedMap(base: unknown, over: unknown): unknown {
  const b = asKeyedMap(base);
  const o = asKeyedMap(over);
  if (!b || !o) return stripTags(over);
  const out = dict<unknown>();
  setSelfPosition(out, selfPosition(b) ?? selfPosition(o));
  for (const [src, map] of [[b, b], [o, o]] as const) {
    for (const k of Object.keys(map)) {
      const v = map[k];
      if (v instanceof Tagged) {
        if (v.tag === 'reset') delete out[k];
        else out[k] = stripTags(v.value);
      } else out[k] = v;
      copyChildPosition(src, k, out, k);
    }
  }
  return out;
}

/** depends_on / service networks: lists of names or mappings of name → options. */
function mergeNamed(base: unknown, over: unknown, path: Path, listEntryValue: { condition: string } | null): unknown {
  over = stripTags(over);
  if (Array.isArray(base) && Array.isArray(over)) return concat(base, over, str);
  const toMap = (v: unknown): Plain | undefined => {
    if (isPlainMap(v)) return v;
    if (!Array.isArray(v)) return undefined;
    const out = dict<unknown>();
    setSelfPosition(out, selfPosition(v));
    v.forEach((name, i) => {
      const key = str(name);
      if (listEntryValue === null) out[key] = null;
      else {
        const entry = dict<unknown>();
        entry.condition = listEntryValue.condition;
        out[key] = entry;
      }
      copyChildPosition(v, i, out, key);
    });
    return out;
  };
  const b = toMap(base);
  const o = toMap(over);
  if (!b || !o) return over;
  const out = dict<unknown>();
  setSelfPosition(out, selfPosition(b) ?? selfPosition(o));
  for (const k of Object.keys(b)) {
    out[k] = b[k];
    copyChildPosition(b, k, out, k);
  }
  for (const k of Object.keys(o)) {
    const merged = k in out && out[k] !== null && o[k] !== null ? mergeValue(out[k], o[k], [...path, k]) : (o[k] ?? out[k] ?? null);
    out[k] = merged;
    copyChildPosition(o, k, out, k);
  }
  return out;
}
