// Which fields of the model hold secrets, recorded BY FIELD: a list of dotted paths of the
// typed model (`services.web.environment.DB_PASSWORD`, `services.web.image`,
// `configs.app.content`). Renderers hide those fields; nothing else is hidden, so a value that
// is no secret (`ROLE=app`) never cuts `(sensitive)` into a container name or an operation id.
//
// A field is sensitive when:
//   - it is an environment entry (of a service, of a build's args, of a watch exec) whose value
//     came from outside the stack file: an env_file, a bare `KEY` passed through from the
//     shell or .env, or an interpolated variable (its value contains one); or whose key looks
//     secret (`DB_PASSWORD: ...` written in the file);
//   - a variable whose name looks secret (looksSecret) was interpolated into it, wherever it
//     is: an image tag, a command, a driver option;
//   - it is the inline content of a secret or config, or the value an `environment:` secret
//     or config takes.
//
// Two lists of values go with the paths:
//   - secretValues: the values themselves of secret-named variables, secret contents and
//     secret-keyed entries. They are secrets wherever they appear, so renderers may hunt for
//     them inside any text, names included (a token in an image tag);
//   - sensitiveValues: every value of a sensitive field (secretValues included). Free text
//     that stack does not build (an engine's error message quoting a working directory) is
//     redacted with these. Short, ordinary values (`app`, `info`) are never hunted for in
//     names and ids.
// An ordinary variable (`TAG`, `ROLE`) interpolated into a name or a tag is not sensitive.

/** Name parts that make a variable (or an environment key) a secret. */
const SECRET_WORDS = new Set([
  'PASSWORD', 'PASSWD', 'PASS', 'PWD', 'PASSPHRASE',
  'SECRET', 'SECRETS', 'TOKEN', 'TOKENS',
  'KEY', 'KEYS', 'APIKEY', 'PRIVATE', 'CREDENTIAL', 'CREDENTIALS', 'CREDS',
  'AUTH', 'SALT', 'DSN', 'SIGNATURE', 'CERT',
]);

/**
 * Whether a variable or environment key names a secret: one of its words (split at `_`, `-`,
 * `.` and camelCase humps) is PASSWORD, SECRET, TOKEN, KEY, CREDENTIALS, AUTH, DSN... (see
 * SECRET_WORDS). `MONKEY` and `PASSAGE` are words of their own, so they do not.
 */
export function looksSecret(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

/** A dotted path segment; keys that are not plain identifiers are quoted (`labels["com.x"]`). */
export function pathSegment(parent: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Values shorter than this are secrets only as a whole text (`1` must not hide every number). */
export const MIN_SUBSTRING_SECRET = 3;

/** Whether `text` holds one of `values` (a short value only as the whole text). */
export function holdsAny(text: string, values: Iterable<string>): boolean {
  for (const v of values) {
    if (v === '') continue;
    if (v.length < MIN_SUBSTRING_SECRET ? text === v : text.includes(v)) return true;
  }
  return false;
}

/**
 * Paths under `root` (a dotted path) of the leaves of `value` that hold one of `values`.
 * Lists of plain values are one field (they change as a whole); lists of records are walked.
 */
export function pathsHolding(value: unknown, root: string, values: readonly string[]): string[] {
  if (values.length === 0) return [];
  const out: string[] = [];
  const leafHolds = (v: unknown): boolean =>
    typeof v === 'string' ? holdsAny(v, values) : typeof v === 'number' || typeof v === 'boolean' ? holdsAny(String(v), values) : Array.isArray(v) ? v.some(leafHolds) : false;
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      if (!v.every(isPlainObject)) {
        if (leafHolds(v)) out.push(path);
        return;
      }
      v.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    if (isPlainObject(v)) {
      for (const key of Object.keys(v).sort()) walk(v[key], pathSegment(path, key));
      return;
    }
    if (leafHolds(v)) out.push(path);
  };
  walk(value, root);
  return out;
}

/** Parses a dotted path back into keys: `services["a.b"].ports[0]` → services, a.b, 0. */
export function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const re = /(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else keys.push(JSON.parse(m[3]!) as string);
  }
  return keys;
}

/** The value at a dotted path of `root`, or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const key of pathKeys(path)) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** The strings a field holds (a list's items; a number as text), for the lists of values. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (isPlainObject(value)) return Object.values(value).flatMap(stringsOf);
  return [];
}

/**
 * A copy of `root` (plain data) where the value at each of `paths` is `replacement`. Paths
 * that lead nowhere are ignored. User-keyed maps keep a null prototype.
 */
export function replaceAtPaths(root: unknown, paths: readonly string[], replacement: (path: string, value: unknown) => unknown): unknown {
  const wanted = new Set(paths);
  if (wanted.size === 0) return root;
  const prefixes = new Set<string>();
  for (const p of wanted) {
    let prefix = '';
    for (const key of pathKeys(p).slice(0, -1)) {
      prefix = typeof key === 'number' ? `${prefix}[${key}]` : pathSegment(prefix, key);
      prefixes.add(prefix);
    }
  }
  const walk = (value: unknown, path: string): unknown => {
    if (path !== '' && wanted.has(path)) return replacement(path, value);
    if (path !== '' && !prefixes.has(path)) return value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    if (!isPlainObject(value)) return value;
    const out = Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = walk(value[key], pathSegment(path, key));
    return out;
  };
  return walk(root, '');
}

/** The paths of `paths` under `prefix` (`services.web`), relative to it (`environment.TOKEN`). */
export function pathsUnder(paths: readonly string[], prefix: string): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p.startsWith(`${prefix}.`)) out.push(p.slice(prefix.length + 1));
    else if (p.startsWith(`${prefix}[`)) out.push(p.slice(prefix.length));
  }
  return out;
}
