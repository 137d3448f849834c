// Relative paths in an included file, or in a service extended from another file, mean
// "relative to THAT file's directory". Before such a document is merged into the main one
// (whose relative paths resolve against the project directory), its relative paths are made
// absolute. Only values that are paths are touched: build contexts and additional contexts
// (not URLs, `service:` or `type://` references), build ssh key paths, env_file, label_file,
// bind-mount sources (`./x`, `../x`, `.`), extends.file, develop.watch paths and top-level
// secrets/configs `file:` (compose-go's paths/resolve.go list). A build's `dockerfile` is
// relative to its context, which moves with it.

import { isAbsolute, resolve } from 'node:path';
import { isLocalContext } from './build-context.js';
import { isPlainMap } from './merge.js';

type Plain = Record<string, unknown>;

function absolute(value: unknown, dir: string): unknown {
  if (typeof value !== 'string' || value === '' || isAbsolute(value) || value.startsWith('~')) return value;
  return resolve(dir, value);
}

function isRelativeMountSource(s: string): boolean {
  return s === '.' || s === '..' || s.startsWith('./') || s.startsWith('../');
}

/** Make the relative paths of one service definition absolute against `dir` (in place). */
export function absolutiseServicePaths(service: Plain, dir: string): void {
  const build = service.build;
  if (typeof build === 'string') {
    if (isLocalContext(build)) service.build = absolute(build, dir);
  } else if (isPlainMap(build)) {
    absolutiseBuildPaths(build, dir);
  }
  for (const key of ['env_file', 'label_file']) {
    const v = service[key];
    if (typeof v === 'string') service[key] = absolute(v, dir);
    else if (Array.isArray(v)) {
      v.forEach((entry, i) => {
        if (typeof entry === 'string') v[i] = absolute(entry, dir);
        else if (isPlainMap(entry)) entry.path = absolute(entry.path, dir);
      });
    }
  }
  const volumes = service.volumes;
  if (Array.isArray(volumes)) {
    volumes.forEach((entry, i) => {
      if (typeof entry === 'string') {
        const colon = entry.indexOf(':');
        if (colon > 0 && isRelativeMountSource(entry.slice(0, colon))) {
          volumes[i] = resolve(dir, entry.slice(0, colon)) + entry.slice(colon);
        }
      } else if (isPlainMap(entry) && entry.type === 'bind' && typeof entry.source === 'string') {
        entry.source = absolute(entry.source, dir);
      }
    });
  }
  const ext = service.extends;
  if (isPlainMap(ext) && typeof ext.file === 'string') ext.file = absolute(ext.file, dir);
  const develop = service.develop;
  if (isPlainMap(develop) && Array.isArray(develop.watch)) {
    for (const rule of develop.watch) if (isPlainMap(rule)) rule.path = absolute(rule.path, dir);
  }
}

function absolutiseBuildPaths(build: Plain, dir: string): void {
  const context = build.context ?? '.';
  if (typeof context === 'string' && isLocalContext(context)) build.context = absolute(context, dir);
  // NAME=VALUE list entries or a mapping: the value is a context (additional_contexts) or a
  // comma-separated list of key / socket paths (ssh).
  const eachValue = (key: string, fix: (value: string) => string) => {
    const v = build[key];
    if (Array.isArray(v)) {
      v.forEach((entry, i) => {
        if (typeof entry !== 'string') return;
        const eq = entry.indexOf('=');
        if (eq > 0) v[i] = `${entry.slice(0, eq)}=${fix(entry.slice(eq + 1))}`;
      });
    } else if (isPlainMap(v)) {
      for (const name of Object.keys(v)) if (typeof v[name] === 'string') v[name] = fix(v[name]);
    }
  };
  eachValue('additional_contexts', (value) => (isLocalContext(value) ? String(absolute(value, dir)) : value));
  eachValue('ssh', (value) => value.split(',').map((p) => String(absolute(p, dir))).join(','));
}

/** Make every relative path of a whole document absolute against `dir` (in place). */
export function absolutiseDocumentPaths(doc: Plain, dir: string): void {
  if (isPlainMap(doc.services)) {
    for (const name of Object.keys(doc.services)) {
      const svc = doc.services[name];
      if (isPlainMap(svc)) absolutiseServicePaths(svc, dir);
    }
  }
  for (const kind of ['secrets', 'configs']) {
    const section = doc[kind];
    if (!isPlainMap(section)) continue;
    for (const name of Object.keys(section)) {
      const def = section[name];
      if (isPlainMap(def) && typeof def.file === 'string') def.file = absolute(def.file, dir);
    }
  }
}
