// `env_file:` and `environment:`. The container's environment is every env_file in order,
// then `environment` on top (Compose's precedence). A bare `KEY` (or `KEY:` with no value)
// takes the variable from the interpolation variables (shell over .env) and is omitted when
// unset. Every value read from an env_file is sensitive: it never appears in plans or logs.

import { StackFileError } from '../../errors.js';
import { parseDotenv } from '../dotenv.js';
import { defaultParseLimits } from '../parse.js';
import { readTextFile } from '../stack-file.js';
import { holdsAny, looksSecret, pathSegment } from '../sensitive.js';
import { dict, type EnvFileSpec } from '../types.js';
import { type Env, hostPath, isMapping, listOrDict, type Path, toBool, toStr } from './support.js';

export function normaliseEnvFiles(env: Env, value: unknown, path: Path): EnvFileSpec[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: EnvFileSpec[] = [];
  items.forEach((item, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (typeof item === 'string') {
      out.push({ path: hostPath(env, item), required: true });
    } else if (isMapping(item)) {
      const format = toStr(item['format']);
      out.push({
        path: hostPath(env, String(item['path'])),
        required: toBool(env, item['required'], [...at, 'required']) ?? true,
        ...(format !== undefined ? { format } : {}),
      });
    }
  });
  return out;
}

/** Reads the env files (missing + required is a problem at `paths[i]`) and returns their variables. */
export function readEnvFiles(env: Env, files: readonly EnvFileSpec[], paths: readonly Path[]): Record<string, string> {
  const out = dict<string>();
  const fs = env.fs;
  files.forEach((file, i) => {
    const at = paths[i] ?? [];
    if (fs.stat(file.path).kind === 'missing') {
      if (file.required) env.problems.add(at, `env file ${file.path} not found`, "create it, or mark it optional with `required: false`");
      return;
    }
    let text: string;
    try {
      // Refused like a stack file: not a regular file (`/dev/zero` would be read forever), or
      // larger than the cap.
      text = readTextFile(file.path, env.projectDirectory, defaultParseLimits, 'env file', fs);
    } catch (e) {
      if (!(e instanceof StackFileError)) throw e;
      env.problems.add(at, e.problems[0]?.message ?? `cannot read env file ${file.path}`);
      return;
    }
    let values: Record<string, string>;
    if (file.format === 'raw') {
      values = parseRaw(text);
    } else if (file.format === undefined) {
      // Compose resolves ${VAR} in env files from the variables and the file's earlier keys.
      values = parseDotenv(text, file.path, (name) => out[name] ?? env.variables[name]);
    } else {
      env.problems.add(at, `unknown env_file format '${file.format}' (only 'raw' is supported)`);
      return;
    }
    for (const key of Object.keys(values)) {
      const v = values[key]!;
      out[key] = v;
      if (v !== '') env.outside.add(v);
    }
  });
  return out;
}

/** `format: raw`: KEY=VALUE lines taken literally; blank lines and # comments skipped. */
function parseRaw(text: string): Record<string, string> {
  const out = dict<string>();
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at < 0) out[line.trim()] = '';
    else out[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return out;
}

/** `environment:` in list or map form; the keys passed through from the variables are added to `passed`. */
export function normaliseEnvironment(env: Env, value: unknown, passed?: Set<string>): Record<string, string> {
  return listOrDict(value, passedThrough(env, passed));
}

/**
 * The value of a key written without one (`environment: [TOKEN]`, `args: [TOKEN]`): taken
 * from the shell or .env, so it is as secret as an interpolated variable and never printed.
 */
export function passedThrough(env: Env, passed?: Set<string>): (key: string) => string | undefined {
  return (key) => {
    const v = env.variables[key];
    if (v !== undefined && v !== '') env.outside.add(v);
    if (v !== undefined) passed?.add(key);
    return v;
  };
}

/**
 * Records which entries of an environment-like map (at `prefix`, a dotted model path) are
 * sensitive: those `fromOutside` says came from an env file or the shell, those holding an
 * interpolated value, and those whose key looks secret (whose values are then secrets
 * wherever they appear).
 */
export function markEnvironment(env: Env, prefix: string, values: Readonly<Record<string, string>>, fromOutside: (key: string) => boolean): void {
  for (const key of Object.keys(values)) {
    const v = values[key]!;
    const secretKey = looksSecret(key);
    if (fromOutside(key) || secretKey || holdsAny(v, env.interpolated)) env.sensitiveFields.add(pathSegment(prefix, key));
    if (secretKey && v !== '') env.secrets.add(v);
  }
}

/** The final environment: env_file values, then `environment` over them. */
export function mergeEnvironment(fromFiles: Record<string, string>, explicit: Record<string, string>): Record<string, string> {
  const out = dict<string>();
  for (const key of Object.keys(fromFiles)) out[key] = fromFiles[key]!;
  for (const key of Object.keys(explicit)) out[key] = explicit[key]!;
  return out;
}
